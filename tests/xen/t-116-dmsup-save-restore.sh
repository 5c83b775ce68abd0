# Save and restore under dmsup's dom0 kind (issue 16), with the test
# toolstack in the toolstack's place: a tick.img guest counts; xcsave
# pauses and suspends it and saves its memory, dmctl save --file keeps the
# device model's state; the domain and the device model go. xcsave restores
# the memory into a new domain, dmctl start --restore --domid loads the
# device state into a new QEMU for it, and once unpaused the guest counts
# on from where it stopped, without booting again. A wrong save file
# (truncated, another kind's, garbage) is refused naming the domain and the
# file, and no QEMU starts. Also measured: the same guest's xl save.
. /opt/dmsup/tests/dmsup-lib.sh

# now_ms: dom0's uptime in ms (10 ms steps), for the notes' figures.
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# refused FILE WHAT: start --restore FILE fails naming the domain and the
# file, and no device model runs for the new domain.
refused() {
	local out
	out=$(dmctl start $name --domid $new --restore "$1" 2>&1) &&
		fail "a $2 save file was accepted: $out"
	note "$2: $out"
	echo "$out" | grep -qF "domain $name" || fail "the refusal does not name domain $name: $out"
	echo "$out" | grep -qF "$1" || fail "the refusal does not name $1: $out"
	[ -z "$(qemu_for $new)" ] || fail "a QEMU runs for domain $new after a refused restore"
	[ -z "$(dm_pid $name)" ] || fail "dmsup has a device model for $name after a refused restore"
}

name=t116
dmsup_start
tick_dm_start $name
domid=$DOMID pid=$DM_PID

note "save: the guest's memory (xcsave), then the device model's state (dmsup)"
xcsave save $domid $PWD/mem.save 2>xcsave.err || { cat xcsave.err; fail "xcsave save $domid failed"; }
note "$(cat xcsave.err)"
saved=$(tick_of $domid)
t0=$(now_ms)
dmctl save $name --file $PWD/dm.save || { tail -n 20 dmsup.log; fail "dmctl save $name failed"; }
t1=$(now_ms)
dm_size=$(stat -c %s dm.save)
note "saved at tick $saved: device model state $dm_size bytes in $((t1 - t0)) ms (dmctl save), memory $(stat -c %s mem.save) bytes"
dmctl stop $name || fail "dmctl stop $name failed"
wait_until 30 exited $pid || fail "QEMU pid $pid still runs after dmctl stop"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=

note "restore: memory into a new domain, then the device model's state"
new=$(xcsave restore -n $name $PWD/mem.save 2>xcsave.err) || {
	cat xcsave.err; fail "xcsave restore failed"; }
DM_DOMIDS=$new
note "$(cat xcsave.err)"

head -c $((dm_size - 100)) dm.save >truncated.save
printf 'DMSUP-SAVE 1\n{"kind":"stubdom-minios","qemu":"7.2.0","name":"%s","length":0}' $name >other-kind.save
dd if=/dev/zero of=other-kind.save bs=1 count=0 seek=4096 2>/dev/null
head -c 8192 /dev/urandom >garbage.save
refused $PWD/truncated.save truncated
refused $PWD/other-kind.save "another kind's"
refused $PWD/garbage.save garbage

t0=$(now_ms)
dmctl start $name --domid $new --restore $PWD/dm.save || {
	tail -n 20 dmsup.log; dmctl log -n 20 $name; fail "dmctl start --restore failed"; }
t1=$(now_ms)
pid=$(dm_pid $name)
note "device model $pid loaded its state for domain $new in $((t1 - t0)) ms (dmctl start --restore)"
xl unpause $new || fail "xl unpause $new failed"
counts_on $new $saved 60 >why.out || {
	xl dmesg | grep "(d$new)" | tail -n 10; dmctl log -n 20 $name; fail "$(cat why.out)"; }
note "saved at tick $saved, restored domain $new goes on at tick $FIRST, now $(tick_of $new)"

note "stop: nothing of the restore is left; a save into the state dir stays until undefine"
dmctl save $name >/dev/null || fail "dmctl save $name (into the state dir) failed"
[ -s $DMSUP_STATE_DIR/$name.save ] || fail "no $DMSUP_STATE_DIR/$name.save after dmctl save"
dmctl stop $name || fail "dmctl stop $name failed"
wait_until 30 exited $pid || fail "QEMU pid $pid still runs after dmctl stop"
[ -z "$(qemu_for $new)" ] || fail "a QEMU still runs for domain $new"
# The definition (.json), its last run's record (.last) and the state
# dir's save (the toolstack may still take it) stay.
left=$(ls $DMSUP_RUN_DIR $DMSUP_STATE_DIR 2>/dev/null | grep -F "$name" |
	grep -v "^$name\.json$" | grep -v "^$name\.last$" | grep -v "^$name\.save$")
[ -z "$left" ] || fail "left behind after stop: $left"
[ -s $DMSUP_STATE_DIR/$name.save ] || fail "$name.save went at the stop (the toolstack could not take it)"
dmctl undefine $name || fail "dmctl undefine $name failed"
[ ! -e $DMSUP_STATE_DIR/$name.save ] || fail "$name.save stayed past undefine"
mkhvm --destroy $new || fail "mkhvm --destroy $new failed"
DM_DOMIDS=

note "for comparison: xl save of the same guest under xl's own device model"
tick_config xl116
TB_DOMAINS="xl116"
xl create xl116.cfg || fail "xl create xl116 failed"
xdom=$(xl domid xl116)
wait_until 180 ticking_past $xdom 2 || fail "xl116 does not tick"
# dom0's /tmp is RAM: the memory image dmsup's half restored is done with.
rm -f mem.save
t0=$(now_ms)
xl save xl116 $PWD/xl116.save >xlsave.out 2>&1 || { cat xlsave.out; df -h $PWD; fail "xl save failed"; }
t1=$(now_ms)
note "xl save: $(stat -c %s xl116.save) bytes (memory and device model) in $((t1 - t0)) ms"
TB_DOMAINS=
