# dmsup killed with SIGKILL while it supervises a Xen device model: the
# restarted dmsup reattaches to the same QEMU (same pid, QMP works) and
# can still stop it cleanly.
. /opt/dmsup/tests/dmsup-lib.sh

name=t92-reattach
dm_running $name

note "SIGKILL dmsup, start it again"
kill -9 $DMSUP_PID
wait $DMSUP_PID 2>/dev/null
DMSUP_PID=
! exited $pid || fail "QEMU died with dmsup"
dmsup_start
dmctl status $name
[ "$(dm_pid $name)" = "$pid" ] || fail "not reattached to pid $pid (now '$(dm_pid $name)')"
dmctl status $name | grep -q running || fail "$name is not running after the restart"
wait_until 30 sh -c "dmctl qmp $name query-status | grep -q running" ||
	fail "QMP does not answer after the reattach"
[ "$(qemu_for $domid | wc -l)" -eq 1 ] || fail "not exactly one QEMU for domain $domid"

dmctl stop $name || fail "dmctl stop after the reattach failed"
wait_until 30 exited $pid || fail "QEMU still runs after dmctl stop"
! xenstore-exists /local/domain/0/device-model/$domid ||
	fail "device-model/$domid is still in xenstore"
