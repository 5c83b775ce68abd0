# The target's own lifecycle in `dmctl status` and its events (dmsup's
# watch on @releaseDomain): a guest that shuts down shows "guest shutdown"
# while its device model runs on; a destroyed guest shows "guest
# destroyed" and its device model's run ends, leaving nothing behind.
. /opt/dmsup/tests/dmsup-lib.sh

name=t106-guest
dm_running $name
guest_is() {
	dmctl status $name | grep -q "^guest  *$1\$"
}
state_is() {
	dmctl status $name | grep -q "^state  *$1\$"
}
wait_until 30 guest_is running || {
	dmctl status $name
	fail "status does not say guest running"
}
dmctl status --watch $name >watch.log 2>&1 &
watch_pid=$!
wait_until 30 grep -q . watch.log || fail "dmctl status --watch printed nothing"

note "the guest shuts down: status says so, the device model runs on"
xcinfo --shutdown $domid poweroff || fail "xcinfo --shutdown $domid failed"
wait_until 30 guest_is shutdown || {
	dmctl status $name
	fail "status does not say guest shutdown within 30 s"
}
state_is running || fail "the device model is not running after the guest's shutdown"
! exited $pid || fail "QEMU exited at the guest's shutdown"

note "the guest is destroyed: the run ends, nothing left behind"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
wait_until 60 state_is stopped || {
	dmctl status $name
	cat dmsup.log
	fail "the device model was not stopped within 60 s of the destroy"
}
guest_is destroyed || fail "status does not say guest destroyed"
wait_until 30 exited $pid || fail "QEMU pid $pid still runs"
[ -z "$(qemu_for $domid)" ] || fail "a QEMU for domain $domid still runs"
! xenstore-exists /local/domain/0/device-model/$domid ||
	fail "/local/domain/0/device-model/$domid is still in xenstore"
kill $watch_pid 2>/dev/null
grep -q "guest shutdown" watch.log && grep -q "guest destroyed" watch.log || {
	cat watch.log
	fail "the events do not say guest shutdown, then guest destroyed"
}
DM_DOMIDS=
