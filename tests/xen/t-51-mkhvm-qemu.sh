# A domain from mkhvm is a usable HVM guest for a device model started by
# someone other than xl: qemu-system-xen started by hand for it (with a
# stdvga, as libxl would) reports running in xenstore, fits its videoram in
# the memory mkhvm left for it, and once unpaused the guest's firmware
# (hvmloader, then SeaBIOS) runs.
. /opt/dmsup/tests/lib.sh

name=t51-mkhvm-qemu
mem=64
videoram=16
domid=
qpid=
# Whether process $1 has exited (it may be a zombie until we reap it).
exited() {
	[ ! -e /proc/$1 ] || grep -q '^State:[[:space:]]*Z' /proc/$1/status
}
# stop_qemu: SIGTERM, up to 30 s, then SIGKILL; true if it obeyed SIGTERM.
stop_qemu() {
	local ok=0
	kill $qpid 2>/dev/null
	if ! wait_until 30 exited $qpid; then
		kill -9 $qpid 2>/dev/null
		ok=1
	fi
	wait $qpid 2>/dev/null
	qpid=
	return $ok
}
cleanup() {
	[ -n "$qpid" ] && stop_qemu
	[ -n "$domid" ] && mkhvm --destroy $domid >/dev/null 2>&1
	tb_cleanup
}
trap cleanup EXIT

domid=$(mkhvm -n $name -m $mem --videoram $videoram) || fail "mkhvm failed"
note "mkhvm created domain $domid; starting qemu-system-xen for it"
/usr/libexec/xen-qemu-system-i386 -xen-domid $domid -no-shutdown \
	-nodefaults -no-user-config -name $name -display none -vnc none \
	-qmp unix:$PWD/qmp.sock,server=on,wait=off \
	-device VGA,vgamem_mb=$videoram \
	-machine xenfv -m $((mem - videoram)) >qemu.log 2>&1 &
qpid=$!

if ! wait_until 60 xs_is /local/domain/0/device-model/$domid/state running; then
	cat qemu.log
	fail "the device model's state is '$(xenstore-read /local/domain/0/device-model/$domid/state 2>&1)', not running, after 60 s"
fi

note "the device model populated its videoram within the room mkhvm left"
xl list
set -- $(xl list | awk -v n=$name '$1 == n')
[ "$3" -ge $((mem - 1)) ] && [ "$3" -le $((mem + 1)) ] ||
	fail "xl list shows $3 MiB for domain $domid with its device model, expected about $mem MiB"

note "unpausing domain $domid"
xl unpause $domid || fail "xl unpause $domid failed"
# hvmloader picks its BIOS from xenstore (hvmloader/bios, read over the ring
# mkhvm introduced; it would default to ROMBIOS), so this also proves the
# guest's xenstore connection.
firmware_ran() {
	xl dmesg | grep -q "(d$domid) Invoking SeaBIOS"
}
if ! wait_until 120 firmware_ran; then
	xl dmesg | grep "(d$domid)" | tail -n 20
	cat qemu.log
	fail "hvmloader did not hand over to SeaBIOS within 120 s"
fi
xl dmesg | grep "(d$domid)" | tail -n 5
! exited $qpid || fail "the device model exited"
set -- $(xl list | awk -v n=$name '$1 == n')
case $5 in
*c* | *s*) fail "domain $domid is in state '$5' (crashed or shut down)" ;;
esac

note "stopping the device model, then destroying the domain"
stop_qemu || fail "qemu did not exit within 30 s of SIGTERM"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
domid=
