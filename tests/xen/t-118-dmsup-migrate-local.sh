# A localhost migration's device-model half through a stream (issue 16,
# test 4): a tick.img guest counts under dmsup's dom0 kind; xcsave
# suspends it and saves its memory, xcsave restores that memory into a
# second domain while the first still exists (as on a migration's
# receiving side), and `dmctl save OLD --file - | dmctl start NEW
# --restore -` carries the device state from the old device model into a
# new one, no file in between. The old domain and its device model go,
# the new domain counts on from where the old one stopped without booting
# again. A stream of garbage is refused naming "(stream)", and no QEMU
# starts for it.
. /opt/dmsup/tests/dmsup-lib.sh

now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

old=t118a
new=t118b
dmsup_start
tick_dm_start $old
odom=$DOMID opid=$DM_PID

xcsave save $odom $PWD/mem.save 2>xcsave.err || { cat xcsave.err; fail "xcsave save $odom failed"; }
saved=$(tick_of $odom)
ndom=$(xcsave restore -n $new $PWD/mem.save 2>xcsave.err) || {
	cat xcsave.err; fail "xcsave restore failed"; }
DM_DOMIDS="$DM_DOMIDS $ndom"
note "domain $odom saved at tick $saved, its memory restored into domain $ndom"

# The new device model's own copy of the disk: QEMU locks an image it
# has open, and the old one still has it (the guest never writes it).
cp $old.img $new.img
tick_dm_config $new $ndom $PWD/$new.img

out=$(head -c 8192 /dev/urandom | dmctl start $new.json --restore - 2>&1) &&
	fail "a stream of garbage was accepted: $out"
note "garbage: $out"
echo "$out" | grep -qF "domain $new: save file (stream)" ||
	fail "the refusal does not name the domain and the stream: $out"
[ -z "$(qemu_for $ndom)" ] || fail "a QEMU runs for domain $ndom after a refused stream"

t0=$(now_ms)
dmctl save $old --file - 2>save.err | dmctl start $new.json --restore - >start.out 2>&1 || {
	cat save.err start.out; tail -n 20 dmsup.log; dmctl log -n 20 $new
	fail "dmctl save $old --file - | dmctl start $new --restore - failed"; }
t1=$(now_ms)
grep -q "$old: device model paused, its state (.* bytes) written to stdout" save.err ||
	fail "dmctl save --file - says: $(cat save.err)"
note "device state moved from $old to $new in $((t1 - t0)) ms: $(cat save.err)"
npid=$(dm_pid $new)
[ -n "$npid" ] && [ "$npid" != "$opid" ] || fail "no new device model for $new: $(dmctl list)"

dmctl stop $old || fail "dmctl stop $old failed"
wait_until 30 exited $opid || fail "QEMU pid $opid still runs after dmctl stop"
mkhvm --destroy $odom || fail "mkhvm --destroy $odom failed"
DM_DOMIDS=$ndom

xl unpause $ndom || fail "xl unpause $ndom failed"
counts_on $ndom $saved 60 >why.out || {
	xl dmesg | grep "(d$ndom)" | tail -n 10; dmctl log -n 20 $new; fail "$(cat why.out)"; }
note "saved at tick $saved, domain $ndom goes on at tick $FIRST, now $(tick_of $ndom)"
left=$(ls $DMSUP_STATE_DIR | grep -F "$old.save")
[ -z "$left" ] || fail "a save into a stream left $left in the state dir"

dmctl stop $new || fail "dmctl stop $new failed"
mkhvm --destroy $ndom || fail "mkhvm --destroy $ndom failed"
DM_DOMIDS=
