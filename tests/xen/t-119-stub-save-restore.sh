# Save and restore of a Linux stub's device model (issue 16), as Xen's
# stubdom protocol has them: the stub's QEMU saves into console 1
# (fdset 1) and the keeper drains it into the save file; a restore's
# keeper feeds the file to console 2, from which the new stub's QEMU
# loads (-incoming fd:3). A tick.img guest under stubdom-linux counts;
# xcsave saves its memory, dmctl save its device state; both domains go.
# xcsave restores the memory into a new domain, dmctl start --restore
# gives it a new stub, and once unpaused the guest counts on from where it
# stopped, without booting again. The save is larger than console 1's
# ring (2 KiB). A save whose keeper is killed fails at step keeper, and
# dmsup destroys the stub domain the keeper left behind.
. /opt/dmsup/tests/dmsup-lib.sh

now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# stub_config NAME DOMID: NAME.json for the stubdom-linux tick guest of
# DOMID (its image NAME.img), room for its plan.
stub_config() {
	tick_dm_config $1 $2 $PWD/$1.img "\"kind\": \"stubdom-linux\",
	  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\", \"ready_timeout\": 240"
	set_room $2 $(($(plan_item $1.json total) + 256))
}

# consoles_up STUB: its consoles 1 and 2 are connected both ends.
consoles_up() {
	for n in 1 2; do
		xs_is /local/domain/$1/device/console/$n/state 4 ||
			fail "stub $1: frontend of console $n is not connected"
		xs_is /local/domain/0/backend/console/$1/$n/state 4 ||
			fail "stub $1: backend of console $n is not connected"
	done
}

name=t119
dmsup_start
cp /opt/dmsup/tests/tick.img $PWD/$name.img
mkhvm_dom $name
domid=$DOMID
stub_config $name $domid
dmctl start $name.json || { dmctl log -n 60 $name; fail "dmctl start $name failed"; }
stub=$(dm_field $name stub_domid)
[ -n "$stub" ] || fail "no stub_domid in dmctl status --json"
consoles_up $stub
xl unpause $domid || fail "xl unpause $domid failed"
wait_until 300 ticking_past $domid 2 || {
	xl dmesg | grep "(d$domid)" | tail -n 10; dmctl log -n 40 $name; fail "domain $domid does not tick"; }

note "save: the guest's memory (xcsave), then the stub's device state through console 1"
xcsave save $domid $PWD/mem.save 2>xcsave.err || { cat xcsave.err; fail "xcsave save $domid failed"; }
saved=$(tick_of $domid)
t0=$(now_ms)
dmctl save $name --file $PWD/dm.save || { tail -n 20 dmsup.log; dmctl log -n 40 $name; fail "dmctl save $name failed"; }
t1=$(now_ms)
dm_size=$(stat -c %s dm.save)
note "saved at tick $saved: device state $dm_size bytes in $((t1 - t0)) ms through console 1"
[ "$dm_size" -gt $((4096 + 2048)) ] || fail "the save ($dm_size bytes) is not larger than the header and the ring"
head -c 4096 dm.save | tr -d '\0' | grep -q '"kind":"stubdom-linux"' ||
	fail "the save's header does not say stubdom-linux: $(head -c 300 dm.save)"
# QEMU's stream starts with its magic right after the header.
[ "$(dd if=dm.save bs=1 skip=4096 count=4 2>/dev/null)" = QEVM ] ||
	fail "no QEMU stream (QEVM) after the header"
grep -q "drained $((dm_size - 4096)) bytes of device state from console 1" dmsup.log ||
	fail "dmsup.log does not say the keeper drained $((dm_size - 4096)) bytes: $(grep drained dmsup.log)"
dmctl stop $name || fail "dmctl stop $name failed"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=

note "restore: memory into a new domain, the device state through the new stub's console 2"
new=$(xcsave restore -n $name $PWD/mem.save 2>xcsave.err) || { cat xcsave.err; fail "xcsave restore failed"; }
DM_DOMIDS=$new
t0=$(now_ms)
dmctl start $name --domid $new --restore $PWD/dm.save || {
	tail -n 20 dmsup.log; dmctl log -n 60 $name; fail "dmctl start --restore failed"; }
t1=$(now_ms)
note "the new stub loaded the state for domain $new in $((t1 - t0)) ms (dmctl start --restore)"
dmctl log -n 400 $name >log.out
grep -q "restoring from console 2" log.out || fail "the stub's log does not say it restores from console 2"
grep -q "restore stream ended: $((dm_size - 4096)) bytes to the stub" log.out ||
	fail "the keeper did not feed $((dm_size - 4096)) bytes: $(grep 'console 2' log.out)"
xl unpause $new || fail "xl unpause $new failed"
counts_on $new $saved 120 >why.out || {
	xl dmesg | grep "(d$new)" | tail -n 10; dmctl log -n 40 $name; fail "$(cat why.out)"; }
note "saved at tick $saved, restored domain $new goes on at tick $FIRST, now $(tick_of $new)"

note "a save whose keeper is killed fails at step keeper; dmsup destroys the stub it left"
kpid=$(dm_pid $name)
stub=$(dm_field $name stub_domid)
# Stopped, the keeper takes the save's connection (the kernel queues it)
# but cannot answer; dmsup shows the domain paused once QMP stop is done
# and the connection made.
kill -STOP $kpid
dmctl save $name --file $PWD/dm2.save >save2.out 2>&1 &
spid=$!
wait_until 60 sh -c "dmctl status $name | grep -q '^paused  *true'" ||
	fail "the save did not pause $name: $(dmctl status $name)"
kill -KILL $kpid
wait $spid && fail "a save whose keeper was killed succeeded: $(cat save2.out)"
note "$(cat save2.out)"
grep -q "keeper: .*the stub keeper closed its control socket" save2.out ||
	fail "the failure does not say the keeper went: $(cat save2.out)"
[ ! -e dm2.save ] || fail "the failed save left dm2.save"
wait_until 60 sh -c "dmctl status $name | grep -q crashed" ||
	fail "dmsup does not show $name crashed: $(dmctl status $name)"
wait_until 60 sh -c "! xenstore-exists /local/domain/$stub" ||
	fail "stub domain $stub outlived its killed keeper: $(xl list)"
grep -q "stub domain $stub outlived its keeper: destroying it" dmsup.log ||
	fail "dmsup.log does not say it destroyed stub $stub"
note "status after the keeper's death: $(dmctl status $name | tr '\n' ' ')"
mkhvm --destroy $new || fail "mkhvm --destroy $new failed"
DM_DOMIDS=
