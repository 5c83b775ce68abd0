# Benchmark (bed, run by run-bench): dmsup under xl (docs/xl.md). The same
# HVM guest (64 MiB, stdvga 16 MiB, boot n) created by Debian's xl:
#   (a) `xl create` -> /local/domain/0/device-model/<domid>/state =
#       running, plain (libxl runs QEMU);
#   (b) the same with device_model_override = dmsup-qemu-dm (adopt
#       request, fds over SCM_RIGHTS, exec of QEMU);
#   (c) kill -9 of the adopted QEMU -> the domain crashed (xl list shows
#       it shut down: dmsup's xc_domain_shutdown(crash), on_crash=preserve
#       so that the domain stays to be seen).
# N runs each, alternating (a) and (b) so that a drift of the machine hits
# both alike; median and maximum in ms, and the ratio of the medians.
# Prints figures only.
mkdir -p /tmp/b82 && cd /tmp/b82 || exit 1
. /opt/dmsup/tests/dmsup-lib.sh
. /opt/dmsup/bench/bench-lib.sh
mkdir -p "$DMSUP_STATE_DIR" "$DMSUP_LOG_DIR"

N=${N:-5}
DROPIN=/opt/dmsup/bin/dmsup-qemu-dm
export DMSUP_QEMU_DM_CONF=$PWD/qemu-dm.conf
printf 'qemu = %s\ncontrol = %s\ntimeout_ms = 10000\n' "$DM_QEMU" \
	"$DMSUP_CONTROL" >"$DMSUP_QEMU_DM_CONF"

# create_us NAME [XL-LINE...]: microseconds from `xl create` to state
# running, in $T; the domid in $D.
create_us() {
	local name=$1 t0
	shift
	hvm_config "$name" "$@"
	now_us; t0=$NOW
	xl create -q "$name.cfg" >/dev/null 2>&1 || { T=; return 1; }
	D=$(xl domid "$name")
	while ! xs_is "/local/domain/0/device-model/$D/state" running; do
		now_us
		[ $((NOW - t0)) -lt 120000000 ] || { T=; return 1; }
	done
	now_us; T=$((NOW - t0))
}

is_crashed() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 { exit !($5 ~ /c/) }'
}

dmsup_start
plain= ours= crash=
for i in $(seq "$N"); do
	create_us plain$i && plain="$plain $T"
	xl destroy plain$i 2>/dev/null
	create_us ours$i "device_model_override = \"$DROPIN\"" \
		'on_crash = "preserve"' && ours="$ours $T"
	wait_until 60 sh -c "dmctl status ours$i | grep -q '^state *running'"
	pid=$(dm_pid ours$i)
	now_us; t0=$NOW
	kill -9 "$pid"
	while ! is_crashed ours$i; do
		now_us
		[ $((NOW - t0)) -lt 60000000 ] || break
	done
	now_us; is_crashed ours$i && crash="$crash $((NOW - t0))"
	xl destroy ours$i 2>/dev/null
	dmctl stop ours$i >/dev/null 2>&1
done
# shellcheck disable=SC2086
{
	pm=$(median $plain) om=$(median $ours)
	say "(a) xl create -> running, plain:        median $(ms $pm) ms, max $(ms $(maxof $plain)) ms (n=$(echo $plain | wc -w))"
	say "(b) xl create -> running, dmsup-qemu-dm: median $(ms $om) ms, max $(ms $(maxof $ours)) ms (n=$(echo $ours | wc -w))"
	say "    ratio (b)/(a) of the medians: $((om * 100 / pm))/100 (goal <= 105/100)"
	[ -z "$crash" ] || say "(c) kill -9 QEMU -> domain crashed:      median $(ms $(median $crash)) ms, max $(ms $(maxof $crash)) ms (n=$(echo $crash | wc -w))"
}
