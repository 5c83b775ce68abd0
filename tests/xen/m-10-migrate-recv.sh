# Two-host migration, receiving side (bed B, 10.0.99.2; see
# m-10-migrate-send): the memory that comes from A is restored into a new
# domain, the device state that A's `dmctl save --file -` streams goes
# straight into `dmctl start --restore -`, and once unpaused the guest
# counts on from the tick A saved it at, without booting again. A hears
# the verdict.
. /opt/dmsup/tests/dmsup-lib.sh

peer=10.0.99.1
name=mig10

# verdict WORDS: tells A, then ends this test (ok passes).
verdict() {
	echo "$*" | xfer send $peer 5003 600 || note "A did not hear: $*"
	[ "$1" = ok ] || fail "$*"
	exit 0
}

xfer recv 5000 600 >mem.save || verdict "no memory came"
note "memory: $(stat -c %s mem.save) bytes"
dmsup_start
new=$(xcsave restore -n $name $PWD/mem.save 2>xcsave.err) || verdict "xcsave restore failed: $(cat xcsave.err)"
DM_DOMIDS=$new
cp /opt/dmsup/tests/tick.img $PWD/$name.img
tick_dm_config $name $new $PWD/$name.img
xfer recv 5001 600 | dmctl start $name.json --restore - >start.out 2>&1 || {
	tail -n 20 dmsup.log; verdict "dmctl start --restore - failed: $(cat start.out)"; }
saved=$(xfer recv 5002 600) || verdict "no tick came"
xl unpause $new || verdict "xl unpause $new failed"
counts_on $new $saved 120 >why.out || verdict "$(cat why.out)"
note "saved at tick $saved on A, domain $new goes on at tick $FIRST, now $(tick_of $new)"
dmctl stop $name || verdict "dmctl stop $name failed"
mkhvm --destroy $new || verdict "mkhvm --destroy $new failed"
DM_DOMIDS=
verdict ok "(saved at tick $saved on A, counting on at $FIRST here)"
