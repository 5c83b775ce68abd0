# A Xen device model killed behind dmsup's back: dmsup reports the crash
# (signal 9) to its clients and in xenstore for the toolstack, and removes
# the dead device model's nodes.
. /opt/dmsup/tests/dmsup-lib.sh

name=t93-crash
dm_running $name

kill -9 $pid
crashed() {
	dmctl status $name | grep -q crashed
}
wait_until 30 crashed || { dmctl status $name; fail "dmsup did not report the crash within 30 s"; }
dmctl status $name | grep -q "signal 9" || fail "the status does not say signal 9"
xs_wait /local/domain/0/dmsup/$domid/state crashed 30
xenstore-read /local/domain/0/dmsup/$domid/error | grep -q "signal 9" ||
	fail "/local/domain/0/dmsup/$domid/error does not say signal 9"
! xenstore-exists /local/domain/0/device-model/$domid ||
	fail "device-model/$domid is still in xenstore after the crash"
! xenstore-exists /local/domain/$domid/image/device-model-pid ||
	fail "image/device-model-pid is still in xenstore after the crash"
