# Helpers of the bed's benchmark scripts (bench/xen/b-*.sh), on top of the
# tests' lib.sh: figures in centiseconds (/proc/uptime) or microseconds
# ($EPOCHREALTIME), their median and maximum, and the runs that more than
# one script reports. Prints, never asserts about speed.

say() { echo "bench: $*"; }
now_cs() { tr -d . </proc/uptime | cut -d' ' -f1; }
# now_us: microseconds (wall clock) in $NOW, without a fork, so that a
# timed step pays for nothing but itself. The fraction has leading zeros.
now_us() {
	_t=$EPOCHREALTIME
	NOW=$((${_t%.*} * 1000000 + 1${_t#*.} - 1000000))
}
# The median (of an even count, the lower middle one) and the maximum.
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
maxof() { printf '%s\n' "$@" | sort -n | tail -n 1; }
secs() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100))) s"; }
# ms US: microseconds as milliseconds with one decimal.
ms() { echo "$(($1 / 1000)).$(($1 % 1000 / 100))"; }

# The bed's stub image: the kernel decompressed (boots faster under TCG),
# the initramfs as the package dmsup-stubdom installs it (lib.sh).
STUB_KERNEL=/opt/dmsup/guest/vmlinux
STUB_INITRD=$DMSUP_STUBDOM_IMAGE_DIR/initrd
# Figures one script measures and a later one reports again (same boot).
BENCH_FIGURES=/tmp/bench-figures

# xl_stub_runs N TIMEOUT: `xl create` of the HVM guest with
# device_model_stubdomain_override=1 and our stub image until the stub's
# device-model state is running, N times; the centiseconds of each in
# $xl_times (empty, with a line saying why, if xl cannot do it here).
# Debian's libxl looks for its QMP proxy at /usr/bin/vchan-socket-proxy;
# xen-utils ships it under /usr/lib/xen-4.17/bin (without it: "qmp proxy
# ... is not executable", and the stub's devices are never connected).
xl_stub_runs() {
	local i t0 domid stub proxy=/usr/lib/xen-4.17/bin/vchan-socket-proxy
	if [ ! -x /usr/bin/vchan-socket-proxy ] && [ -x $proxy ]; then
		ln -s $proxy /usr/bin/vchan-socket-proxy
		say "(c) linked /usr/bin/vchan-socket-proxy -> $proxy (where Debian's libxl looks for it)"
	fi
	xl_times=
	for i in $(seq "$1"); do
		hvm_config benchxl 'device_model_stubdomain_override = 1' \
			"stubdomain_kernel = \"$STUB_KERNEL\"" \
			"stubdomain_ramdisk = \"$STUB_INITRD\"" 'stubdomain_memory = 192'
		t0=$(now_cs)
		TB_DOMAINS=benchxl
		if ! timeout "$2" xl create benchxl.cfg >/tmp/bench-xl.out 2>&1; then
			say "(c) xl create with device_model_stubdomain_override=1 and our image: not supported here: xl create failed: $(grep -m 3 error /tmp/bench-xl.out | tr '\n' ' ')"
			tb_cleanup
			xl_times=
			return 0
		fi
		domid=$(xl domid benchxl)
		stub=$(xenstore-read /local/domain/$domid/image/device-model-domid 2>/dev/null)
		if [ -z "$stub" ] || ! wait_until "$2" xs_is /local/domain/$stub/device-model/$domid/state running; then
			say "(c) xl create with device_model_stubdomain_override=1 and our image: not supported here: no running device model in stub '$stub' within $2 s"
			tb_cleanup
			xl_times=
			return 0
		fi
		xl_times="$xl_times $(($(now_cs) - t0))"
		domain_destroy benchxl
		wait_until 30 domain_gone benchxl-dm
	done
	echo "xl_times='$xl_times'" >>$BENCH_FIGURES
}
