# Benchmark (bed, run by run-bench): save and restore of the same guest
# (tick.img, 64 MiB with 16 MiB videoram, boot from disk) two ways, N
# rounds each (the guest restored by a round is saved by the next):
#   (a) dmsup's dom0 kind with the test toolstack (t-116's sequence):
#       xcsave save (memory), dmctl save --file (device state), then
#       xcsave restore and dmctl start --restore until ready; then the
#       same with the device state through pipes (--file -, --restore -);
#   (b) xl's own xl save / xl restore (libxl's stream: memory and the
#       device model's state in one file);
#   (c) (a)'s file sequence with the guest under stubdom-linux.
# Sizes in bytes, times in ms, medians and maxima. Prints figures only.
mkdir -p /tmp/b83 && cd /tmp/b83 || exit 1
. /opt/dmsup/tests/dmsup-lib.sh
. /opt/dmsup/bench/bench-lib.sh

N=${N:-3}

# timed CMD...: runs CMD, its microseconds in $T (empty if it failed).
timed() {
	local t0
	now_us; t0=$NOW
	"$@" >timed.out 2>&1 || { T=; cat timed.out; return 1; }
	now_us; T=$((NOW - t0))
}

# report WHAT US...: median and maximum of the runs, in ms.
report() {
	local what=$1
	shift
	[ $# -gt 0 ] || { say "$what: no run succeeded"; return; }
	say "$what: median $(ms $(median "$@")) ms, max $(ms $(maxof "$@")) ms ($# runs)"
}

name=b83
cp /opt/dmsup/tests/tick.img $PWD/$name.img
dmsup_start
mkhvm_dom $name
domid=$DOMID
tick_dm_config $name $domid $PWD/$name.img
set_room $domid $(($(plan_item $name.json total) + 256)) >/dev/null
dmctl start $name.json >/dev/null || fail "dmctl start $name failed"
xl unpause $domid
wait_until 180 ticking_past $domid 1 || fail "$name does not tick"
msave= dsave= mrest= drest=
for i in $(seq "$N"); do
	timed xcsave save $domid $PWD/mem.save && msave="$msave $T"
	timed dmctl save $name --file $PWD/dm.save && dsave="$dsave $T"
	dmctl stop $name >/dev/null
	mkhvm --destroy $domid >/dev/null || fail "mkhvm --destroy $domid failed"
	DM_DOMIDS=
	timed xcsave restore -n $name $PWD/mem.save && mrest="$mrest $T"
	domid=$(tail -n 1 timed.out)
	DM_DOMIDS=$domid
	timed dmctl start $name --domid $domid --restore $PWD/dm.save &&
		drest="$drest $T"
	xl unpause $domid
	wait_until 60 ticking_past $domid 0 || fail "restored $name does not tick"
done
# (a) again with the device state through pipes (save --file -, start
# --restore -), as a migration carries it.
ssave= srest=
for i in $(seq "$N"); do
	xcsave save $domid $PWD/mem.save >/dev/null 2>&1 || fail "xcsave save $domid failed"
	timed sh -c "dmctl save $name --file - | cat >dm.stream" && ssave="$ssave $T"
	dmctl stop $name >/dev/null
	mkhvm --destroy $domid >/dev/null || fail "mkhvm --destroy $domid failed"
	DM_DOMIDS=
	domid=$(xcsave restore -n $name $PWD/mem.save 2>/dev/null) || fail "xcsave restore failed"
	DM_DOMIDS=$domid
	timed sh -c "cat dm.stream | dmctl start $name --domid $domid --restore -" &&
		srest="$srest $T"
	xl unpause $domid
	wait_until 60 ticking_past $domid 0 || fail "restored $name does not tick"
done
say "(a) dmsup dom0 kind: memory file $(stat -c %s mem.save) bytes, device-state file $(stat -c %s dm.save) bytes"
report "(a) xcsave save (memory)" $msave
report "(a) dmctl save --file (device state, synced)" $dsave
report "(a) xcsave restore (new domain + memory)" $mrest
report "(a) dmctl start --restore until ready" $drest
report "(a) dmctl save --file - | cat (device state through a pipe)" $ssave
report "(a) cat | dmctl start --restore - until ready" $srest
dmctl stop $name >/dev/null
mkhvm --destroy $domid >/dev/null
DM_DOMIDS=

# (c) the same guest under stubdom-linux: the device state through the
# stub's console 1 (save) and a new stub's console 2 (restore, which
# includes building and booting that stub).
cp /opt/dmsup/tests/tick.img $PWD/$name.img
mkhvm_dom $name
domid=$DOMID
tick_dm_config $name $domid $PWD/$name.img "\"kind\": \"stubdom-linux\",
  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\", \"ready_timeout\": 240"
set_room $domid $(($(plan_item $name.json total) + 256)) >/dev/null
dmctl start $name.json >/dev/null || fail "dmctl start $name (stubdom-linux) failed"
xl unpause $domid
wait_until 300 ticking_past $domid 1 || fail "$name (stubdom-linux) does not tick"
csave= crest=
for i in $(seq "$N"); do
	xcsave save $domid $PWD/mem.save >/dev/null 2>&1 || fail "xcsave save $domid failed"
	timed dmctl save $name --file $PWD/dm.save && csave="$csave $T"
	dmctl stop $name >/dev/null
	mkhvm --destroy $domid >/dev/null || fail "mkhvm --destroy $domid failed"
	DM_DOMIDS=
	domid=$(xcsave restore -n $name $PWD/mem.save 2>/dev/null) || fail "xcsave restore failed"
	DM_DOMIDS=$domid
	timed dmctl start $name --domid $domid --restore $PWD/dm.save &&
		crest="$crest $T"
	xl unpause $domid
	wait_until 120 ticking_past $domid 0 || fail "restored $name (stubdom-linux) does not tick"
done
say "(c) dmsup stubdom-linux: device-state file $(stat -c %s dm.save) bytes"
report "(c) dmctl save --file (through console 1, synced)" $csave
report "(c) dmctl start --restore until ready (new stub, console 2)" $crest
dmctl stop $name >/dev/null
mkhvm --destroy $domid >/dev/null
DM_DOMIDS=

tick_config xl83
TB_DOMAINS=xl83
xl create xl83.cfg >/dev/null 2>&1 || fail "xl create xl83 failed"
wait_until 180 ticking_past $(xl domid xl83) 1 || fail "xl83 does not tick"
xsave= xrest=
for i in $(seq "$N"); do
	timed xl save xl83 $PWD/xl83.save && xsave="$xsave $T"
	timed xl restore $PWD/xl83.save && xrest="$xrest $T"
	wait_until 60 ticking_past $(xl domid xl83) 0 || fail "restored xl83 does not tick"
done
say "(b) xl save: one file of $(stat -c %s xl83.save) bytes (memory + device model)"
report "(b) xl save" $xsave
report "(b) xl restore (until xl returns)" $xrest
domain_destroy xl83
TB_DOMAINS=
