# Helpers of the dmsup tests in the test bed (t-9x), on top of lib.sh:
# a private dmsup (its own control socket, runtime, state and log
# directories under the test's scratch directory), device-model configs
# for mkhvm domains,
# and the toolstack's side of the page-limit protocol (xcinfo).
. /opt/dmsup/tests/lib.sh

DM_QEMU=/usr/libexec/xen-qemu-system-i386
export DMSUP_CONTROL=$PWD/dmsup/control
export DMSUP_RUN_DIR=$PWD/dmsup/run
export DMSUP_STATE_DIR=$PWD/dmsup/state
export DMSUP_LOG_DIR=$PWD/dmsup/logs
DMSUP_PID=
DM_DOMIDS=

# dmsup_start: a dmsup in the foreground (log in ./dmsup.log), ready when
# its control socket answers.
dmsup_start() {
	dmsup -f >>dmsup.log 2>&1 &
	DMSUP_PID=$!
	wait_until 30 dmctl list || {
		cat dmsup.log
		fail "dmsup did not answer on $DMSUP_CONTROL within 30 s"
	}
}

# dm_pid NAME: the device model's pid as dmsup reports it (empty if none).
dm_pid() {
	dmctl --json status "$1" 2>/dev/null | sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p'
}

# dm_field NAME KEY: a scalar of the domain's `dmctl status --json`
# (e.g. kind, stub_domid).
dm_field() {
	dmctl --json status "$1" | sed -n "s/^ *\"$2\": *\"*\([^\",]*\).*/\1/p"
}

# qemu_for DOMID: pids of processes started with -xen-domid DOMID (a
# stub keeper, which carries QEMU's arguments for the stub, is none).
qemu_for() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -v -- --stub-keeper |
			grep -q -- "-xen-domid $1 " && echo "${p#/proc/}"
	done
}

# mkhvm_dom NAME: a paused HVM domain of 64 MiB (16 of them videoram) with
# no device model; its domid in $DOMID, registered for cleanup.
mkhvm_dom() {
	DOMID=$(mkhvm -n "$1" -m 64 --videoram 16) || fail "mkhvm -n $1 failed"
	DM_DOMIDS="$DM_DOMIDS $DOMID"
}

# dm_config NAME DOMID [JSON-FIELDS]: NAME.json, a Xen device model for
# the mkhvm domain (stdvga with 16 MiB videoram, network boot, no NIC
# unless the extra fields add one).
dm_config() {
	echo "{\"name\": \"$1\", \"domid\": $2, \"qemu\": \"$DM_QEMU\",
	  \"memory\": 64, \"vga\": \"std\", \"videoram\": 16, \"boot\": \"n\"
	  ${3:+, $3}}" >"$1.json"
}

# tick_dm_config NAME DOMID IMAGE [JSON-FIELDS]: NAME.json, a device model
# for the mkhvm domain that boots from IMAGE (raw, hda).
tick_dm_config() {
	echo "{\"name\": \"$1\", \"domid\": $2, \"qemu\": \"$DM_QEMU\",
	  \"memory\": 64, \"vga\": \"std\", \"videoram\": 16, \"boot\": \"c\",
	  \"disks\": [{\"path\": \"$3\", \"format\": \"raw\", \"vdev\": \"hda\"}]
	  ${4:+, $4}}" >"$1.json"
}

# tick_dm_start NAME: a copy of tick.img (NAME.img) counting past tick 2 in
# a new mkhvm domain under a dom0 device model of dmsup's (started
# already); the domid in $DOMID, the device model's pid in $DM_PID.
tick_dm_start() {
	cp /opt/dmsup/tests/tick.img $PWD/$1.img
	mkhvm_dom $1
	tick_dm_config $1 $DOMID $PWD/$1.img
	set_room $DOMID $(($(plan_item $1.json total) + 256))
	dmctl start $1.json || { cat dmsup.log; fail "dmctl start $1 failed"; }
	DM_PID=$(dm_pid $1)
	xl unpause $DOMID || fail "xl unpause $DOMID failed"
	wait_until 300 ticking_past $DOMID 2 || {
		xl dmesg | grep "(d$DOMID)" | tail -n 10; fail "domain $DOMID does not tick"; }
}

# counts_on DOMID TICK SECS: a restored tick.img guest counts past TICK
# within SECS, from TICK or later (it did not start again), and SeaBIOS
# did not run again; its first tick in $FIRST. False with why on stdout.
counts_on() {
	wait_until $3 ticking_past $1 $2 || { echo "domain $1 does not count past $2"; return 1; }
	FIRST=$(xl dmesg | sed -n "s/.*(d$1) tick \([0-9]*\).*/\1/p" | head -n 1)
	[ "$((1$FIRST - 10000))" -ge "$2" ] || { echo "domain $1 counted from $FIRST again (saved at $2)"; return 1; }
	! xl dmesg | grep -q "(d$1) SeaBIOS" || { echo "SeaBIOS started again in domain $1"; return 1; }
}

# linux_stub_config NAME DOMID: NAME.json, a stubdom-linux device model
# for the mkhvm domain (the bed's decompressed copy of the stub kernel,
# which boots faster under TCG; a generous readiness timeout), and room in
# DOMID for its plan plus the 1 MiB libxl keeps for hvmloader (see t-90).
linux_stub_config() {
	dm_config $1 $2 "\"kind\": \"stubdom-linux\",
	  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\", \"ready_timeout\": 240"
	set_room $2 $(($(plan_item $1.json total) + 256))
}

# plan_item CONFIG ITEM: the pages of ITEM ("total", "nic0.rom", ...) in
# the readable plan (the first "total" is the guest's; a stub kind's plan
# has a second one, the stub domain's).
plan_item() {
	dmctl plan "$1" | awk -v i="$2" '$1 == i { print $2; exit }'
}

# set_room DOMID PAGES: max_pages = tot_pages + PAGES, as the toolstack
# does after reading the plan (xcinfo counts pages, see its header).
set_room() {
	local max_pages tot_pages
	eval "$(xcinfo "$1")" || fail "xcinfo $1 failed"
	xcinfo --set-max-pages "$1" $((tot_pages + $2)) >/dev/null ||
		fail "domain $1: setting max_pages to $((tot_pages + $2)) failed"
	eval "$(xcinfo "$1")" || fail "xcinfo $1 failed"
	note "domain $1: tot_pages $tot_pages, max_pages $max_pages (room for $2)"
}

exited() {
	[ ! -e /proc/$1 ] || grep -q '^State:[[:space:]]*Z' /proc/$1/status
}

# Everything goes, whatever the outcome: device models (through dmsup if it
# is there, else by signal), dmsup, the domains.
dm_cleanup() {
	local d p
	for d in $DM_DOMIDS; do
		[ -z "$DMSUP_PID" ] || dmctl stop "$d" >/dev/null 2>&1
		for p in $(qemu_for "$d"); do kill -9 "$p" 2>/dev/null; done
	done
	if [ -n "$DMSUP_PID" ]; then
		kill "$DMSUP_PID" 2>/dev/null
		wait "$DMSUP_PID" 2>/dev/null
	fi
	for d in $DM_DOMIDS; do
		mkhvm --destroy "$d" >/dev/null 2>&1
	done
	DM_DOMIDS=
	tb_cleanup
}
trap dm_cleanup EXIT

# dm_running NAME: an mkhvm domain NAME with room for its plan, supervised
# by a fresh dmsup whose device model is started and ready; sets domid
# and pid (the device model's).
dm_running() {
	mkhvm_dom $1
	domid=$DOMID
	dmsup_start
	dm_config $1 $domid
	set_room $domid $(plan_item $1.json total)
	dmctl start $1.json || { cat dmsup.log; fail "dmctl start failed"; }
	pid=$(dm_pid $1)
	[ -n "$pid" ] || fail "no device model pid after start"
}

# uid_procs UID: live processes whose real, effective or saved uid is UID.
uid_procs() {
	local s n=0
	for s in /proc/[0-9]*/status; do
		awk -v u="$1" '/^State:/ && $2 == "Z" { z = 1 }
		  /^Uid:/ { if (!z && ($2 == u || $3 == u || $4 == u)) f = 1 }
		  END { exit !f }' "$s" 2>/dev/null && n=$((n + 1))
	done
	echo $n
}
no_uid_procs() {
	[ "$(uid_procs "$1")" = 0 ]
}

# dm_state_is NAME STATE: dmctl status shows NAME in STATE.
dm_state_is() {
	dmctl status "$1" 2>/dev/null | grep -q "^state *$2\$"
}

# xl_guest NAME [XL-LINE...]: created by xl through the drop-in ($DROPIN),
# adopted, running; its domid in $domid and QEMU's pid in $pid.
xl_guest() {
	local name=$1
	shift
	tick_config "$name" "device_model_override = \"$DROPIN\"" "$@"
	TB_DOMAINS="$TB_DOMAINS $name"
	xl create "$name.cfg" || fail "xl create $name failed"
	domid=$(xl domid "$name") || fail "no domid for $name"
	# A QEMU under dm_restrict writes no device-model state (it has no
	# xenstore): libxl asked it over QMP before xl create returned.
	grep -q '^dm_restrict = 1' "$name.cfg" ||
		xs_wait "/local/domain/0/device-model/$domid/state" running 120
	wait_until 60 dm_state_is "$name" running ||
		fail "dmsup does not show $name running: $(dmctl status "$name")"
	pid=$(dm_pid "$name")
}

# range_user_add BASE: libxl's range user (xen-qemuuser-range-base) with
# uid BASE, for this test only: with it, restrict mode auto would restrict
# the device models of every later test in this dom0. The EXIT trap takes
# it away again, with the test's dmtestN users.
range_user_add() {
	grep -q '^xen-qemuuser-range-base:' /etc/passwd ||
		echo "xen-qemuuser-range-base:x:$1:$1::/nonexistent:/bin/false" >>/etc/passwd
	trap range_users_cleanup EXIT
}
range_users_cleanup() {
	sed -i '/^xen-qemuuser-range-base:/d; /^dmtest[0-9]*:/d' /etc/passwd
	dm_cleanup
}

# plant_uid UID BASE DOMID: a process of uid UID (user dmtestDOMID, group
# BASE), outside any device model's process group and cgroup, running
# once it returns; its pid in $planted.
plant_uid() {
	grep -q "^dmtest$3:" /etc/passwd || echo "dmtest$3:x:$1:$2::/:/bin/sh" >>/etc/passwd
	su dmtest$3 -c 'exec sleep 1000' </dev/null >/dev/null 2>&1 &
	planted=$!
	# su execs the shell, the shell execs sleep: the same pid, once UID's.
	wait_until 30 grep -q "^Uid:[[:space:]]*$1[[:space:]]" /proc/$planted/status ||
		fail "the planted process of uid $1 did not start"
}

# dropin_conf: $DROPIN, and dmsup-qemu-dm's config naming this test's
# dmsup (DMSUP_QEMU_DM_CONF, which xl passes on to it).
dropin_conf() {
	DROPIN=/opt/dmsup/bin/dmsup-qemu-dm
	export DMSUP_QEMU_DM_CONF=$PWD/qemu-dm.conf
	printf 'qemu = %s\ncontrol = %s\ntimeout_ms = 10000\n' "$DM_QEMU" \
		"$DMSUP_CONTROL" >"$DMSUP_QEMU_DM_CONF"
}

# keeper_privs DOMID: "CAPEFF CAPBND NONEWPRIVS" of the stub keeper that
# serves DOMID (it carries QEMU's -xen-domid DOMID), empty if none.
keeper_privs() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "--stub-keeper .*-xen-domid $1 " || continue
		awk '/^CapEff:/ { e = $2 } /^CapBnd:/ { b = $2 } /^NoNewPrivs:/ { n = $2 }
		  END { print e, b, n }' "$p/status"
		return
	done
}
