# Helpers for the test bed's in-dom0 tests (busybox sh). A test does
#   . /opt/dmsup/tests/lib.sh
# (run-suite runs it with its current directory a fresh scratch directory).
# Every wait here is bounded; a test fails with a message saying what it
# waited for.

DMSUP_GUEST_DIR=/opt/dmsup/guest
# The Linux stub image where the package dmsup-stubdom installs it (the
# bed's build does it with make install-stubdom): dmsup's default.
DMSUP_STUBDOM_IMAGE_DIR=/usr/lib/dmsup/stubdom
DMSUP_CONSOLE_DIR=/var/log/xen/console
TB_DOMAINS=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "-- $*"
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; false
# if it never did within SECONDS.
wait_until() {
	local n=$(($1 * 10)) x=
	shift
	# A trace (sh -x) shows the wait, not each poll.
	case $- in *x*) x=1; set +x ;; esac
	while ! "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		if [ $n -le 0 ]; then
			[ -z "$x" ] || set -x
			return 1
		fi
		sleep 0.1
	done
	[ -z "$x" ] || set -x
}

# Whether xenstore PATH holds exactly VALUE.
xs_is() {
	[ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]
}

# xs_wait PATH VALUE [SECONDS]: wait until xenstore PATH = VALUE (default
# 60 s), or fail the test.
xs_wait() {
	wait_until "${3:-60}" xs_is "$1" "$2" ||
		fail "xenstore $1 is '$(xenstore-read "$1" 2>&1)', expected '$2' within ${3:-60} s"
}

# Cleanup: every domain created through these helpers is destroyed when the
# test exits, whatever the outcome.
tb_cleanup() {
	local d
	for d in $TB_DOMAINS; do
		domain_exists "$d" && xl destroy "$d" >/dev/null 2>&1
	done
	TB_DOMAINS=
}
trap tb_cleanup EXIT
trap 'exit 143' TERM INT

domain_exists() {
	xl domid "$1" >/dev/null 2>&1
}

domain_gone() {
	! domain_exists "$1"
}

# domain_destroy NAME: destroy it and wait until it is gone.
domain_destroy() {
	xl destroy "$1" || fail "xl destroy $1 failed"
	wait_until 30 domain_gone "$1" || fail "domain $1 still exists 30 s after xl destroy"
}

# guest_config NAME RUN [XL-LINE...]: write NAME.cfg (in the current
# directory) for a PV guest booting the bed's guest kernel and initramfs and
# running RUN (a command line, see scripts/testbed/guest-init), with any
# extra xl config lines.
guest_config() {
	local name=$1 run=$2 line
	shift 2
	case $run in
	*[\"\']*) fail "guest_config: quotes cannot pass through the kernel command line: $run" ;;
	esac
	{
		echo "name = \"$name\""
		echo 'type = "pv"'
		echo "kernel = \"$DMSUP_GUEST_DIR/vmlinux\""
		echo "ramdisk = \"$DMSUP_GUEST_DIR/initrd\""
		echo 'memory = 128'
		echo 'vcpus = 1'
		echo "extra = 'console=hvc0 quiet dmsup.run=\"$run\"'"
		for line; do echo "$line"; done
	} >"$name.cfg"
}

# guest_create [-p] NAME RUN [XL-LINE...]: create that guest (paused with
# -p) and register it for destruction at exit. The domid is $(xl domid NAME).
guest_create() {
	local paused=""
	[ "$1" != -p ] || { paused=-p; shift; }
	guest_config "$@"
	rm -f "$DMSUP_CONSOLE_DIR/guest-$1.log"
	TB_DOMAINS="$TB_DOMAINS $1"
	# shellcheck disable=SC2086
	xl create $paused "$1.cfg" || fail "xl create $1 failed"
}

guest_log() {
	echo "$DMSUP_CONSOLE_DIR/guest-$1.log"
}

guest_has_marker() {
	grep -q '@@GUEST rc=[0-9]*@@' "$(guest_log "$1")"
}

# guest_wait NAME [SECONDS]: wait for the guest's program to finish (its
# "@@GUEST rc=N@@" console line, default 120 s) and print N. Fails the test
# if it never comes, showing the guest's console.
guest_wait() {
	local log
	log=$(guest_log "$1")
	if ! wait_until "${2:-120}" guest_has_marker "$1"; then
		echo "--- console of $1:" >&2
		tail -n 30 "$log" >&2 2>/dev/null
		fail "guest $1 did not finish within ${2:-120} s"
	fi
	sed -n 's/.*@@GUEST rc=\([0-9]*\)@@.*/\1/p' "$log" | head -1
}

# guest_output NAME: what the guest's program printed (between the markers).
guest_output() {
	sed -n '/@@GUEST run:/,/@@GUEST rc=/p' "$(guest_log "$1")" | sed '1d;$d' | tr -d '\r'
}

# hvm_config NAME [XL-LINE...]: an HVM guest with the real device model
# (qemu-xen), no disk, network boot only (so it stops in SeaBIOS), no VNC.
hvm_config() {
	local name=$1 line
	shift
	{
		echo "name = \"$name\""
		echo 'type = "hvm"'
		echo 'device_model_version = "qemu-xen"'
		echo 'memory = 64'
		echo 'vcpus = 1'
		echo 'boot = "n"'
		echo 'vnc = 0'
		echo 'sdl = 0'
		echo 'serial = "pty"'
		echo 'vga = "stdvga"'
		echo 'videoram = 16'
		for line; do echo "$line"; done
	} >"$name.cfg"
}

# tick_config NAME [XL-LINE...]: an HVM guest that boots from its own
# copy of tick.img (a boot sector printing "tick NNNN" to port 0xe9 each
# second: Xen's console shows "(dN) tick NNNN"), served by QEMU's qdisk
# backend (the bed has no udev for the block hotplug script); it never
# reboots on its own. With TICK_CD=FILE also a CD drive (hdc) holding
# FILE. Extra lines as hvm_config.
tick_config() {
	local name=$1 line
	shift
	cp /opt/dmsup/tests/tick.img "$PWD/$name.img"
	{
		echo "name = \"$name\""
		echo 'type = "hvm"'
		echo 'device_model_version = "qemu-xen"'
		echo 'memory = 64'
		echo 'vcpus = 1'
		echo 'boot = "c"'
		echo 'vnc = 0'
		echo 'sdl = 0'
		echo 'serial = "pty"'
		echo 'vga = "stdvga"'
		echo 'videoram = 16'
		printf 'disk = [ "format=raw,vdev=hda,access=rw,backendtype=qdisk,target=%s"' "$PWD/$name.img"
		[ -z "${TICK_CD:-}" ] ||
			printf ', "format=raw,vdev=hdc,access=ro,devtype=cdrom,backendtype=qdisk,target=%s"' "$TICK_CD"
		echo ' ]'
		for line; do echo "$line"; done
	} >"$name.cfg"
}

# tick_of DOMID: the guest's last count in Xen's console (0 if none yet).
tick_of() {
	local t
	t=$(xl dmesg | sed -n "s/.*(d$1) tick \([0-9]*\).*/\1/p" | tail -n 1)
	echo $((1${t:-0000} - 10000))
}

# ticking_past DOMID N: the guest's count is past N.
ticking_past() {
	[ "$(tick_of "$1")" -gt "$2" ]
}

hvm_create() {
	local name=$1
	hvm_config "$@"
	TB_DOMAINS="$TB_DOMAINS $name"
	xl create "$name.cfg" || fail "xl create $name failed"
}

# tb_diagnose CONSOLE DOMID [XENSTORE-PATH...]: what a failure around a
# stub domain needs to be understood, on stdout: the domains, the last
# lines of CONSOLE (the stub's console log, or the keeper's output that
# relays it), a dump of each xenstore path, and the hypervisor's lines
# about domain DOMID (skipped if empty).
tb_diagnose() {
	local console=$1 domid=$2 p
	shift 2
	echo "--- xl list"
	xl list
	echo "--- stub console ($console)"
	tail -n 40 "$console" 2>&1 | tr -d '\r'
	for p; do
		echo "--- xenstore $p"
		xenstore-ls -f -p "$p" 2>&1 | head -n 60
	done
	[ -n "$domid" ] || return 0
	echo "--- xl dmesg (d$domid)"
	xl dmesg | grep "(d$domid)" | tail -n 10
}
