# Two-host migration, sending side (bed A, 10.0.99.1; make
# check-xen-migrate runs it with m-10-migrate-recv on bed B): a tick.img
# guest counts under dmsup's dom0 kind; xcsave suspends it and saves its
# memory, which goes to B over the beds' network; then `dmctl save --file
# -` streams the device model's state to B, and the tick the guest
# stopped at follows. The domain and its device model go here, and B
# says whether the guest counts on there.
. /opt/dmsup/tests/dmsup-lib.sh

peer=10.0.99.2
name=mig10
dmsup_start
tick_dm_start $name
domid=$DOMID

xcsave save $domid $PWD/mem.save 2>xcsave.err || { cat xcsave.err; fail "xcsave save $domid failed"; }
saved=$(tick_of $domid)
note "saved at tick $saved; memory $(stat -c %s mem.save) bytes to $peer"
xfer send $peer 5000 600 <mem.save || fail "the memory did not reach $peer"
dmctl save $name --file - 2>save.err | xfer send $peer 5001 600 ||
	fail "the device state did not reach $peer: $(cat save.err)"
note "$(cat save.err)"
echo "$saved" | xfer send $peer 5002 600 || fail "the tick did not reach $peer"
dmctl stop $name || fail "dmctl stop $name failed"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=

verdict=$(xfer recv 5003 600) || fail "no word from $peer"
note "bed B: $verdict"
[ "${verdict%% *}" = ok ] || fail "bed B: $verdict"
