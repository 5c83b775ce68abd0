# A Linux stub domain under dmsup survives a dmsup restart and its deaths
# are reported (issue 7): after kill -9 of dmsup and a restart, dmsup
# reattaches to the same stub (same stub domid) and QMP over vchan works
# again; QEMU quitting inside the stub is reported as a crash with the
# keeper's reason, and so is `xl destroy` of another stub; both crashes
# are in xenstore for the toolstack.
. /opt/dmsup/tests/dmsup-lib.sh

# linux_dm NAME: an mkhvm target with room and a stubdom-linux config,
# started; sets domid and stub.
linux_dm() {
	mkhvm_dom $1
	domid=$DOMID
	linux_stub_config $1 $domid
	dmctl start $1.json || { tail -n 30 dmsup.log; dmctl log -n 40 $1; fail "dmctl start $1 failed"; }
	stub=$(dm_field $1 stub_domid)
	[ -n "$stub" ] || fail "no stub_domid for $1"
}

# crashed_with NAME TEXT: dmsup reports NAME crashed, saying TEXT.
crashed_with() {
	wait_until 60 sh -c "dmctl status $1 | grep -q crashed" ||
		fail "dmsup did not report $1 crashed: $(dmctl status $1)"
	dmctl status $1 | grep -q -- "$2" || fail "the status of $1 does not say '$2': $(dmctl status $1)"
}

qmp_running() {
	dmctl qmp $1 query-status | grep -q '"running"'
}

dmsup_start
linux_dm t97-a
a=$domid a_stub=$stub

note "kill -9 dmsup and restart it: the same stub, QMP over vchan again"
kill -9 $DMSUP_PID
wait $DMSUP_PID 2>/dev/null
xl list $a_stub >/dev/null || fail "the stub domain died with dmsup"
dmsup_start
dmctl status t97-a | grep -q running || fail "t97-a is not running after the restart: $(dmctl status t97-a)"
[ "$(dm_field t97-a stub_domid)" = "$a_stub" ] ||
	fail "the stub domid changed across the restart: $(dm_field t97-a stub_domid), was $a_stub"
wait_until 60 qmp_running t97-a || fail "dmctl qmp over vchan does not answer after the restart: $(tail -n 10 dmsup.log)"
grep -q "stub domain $a_stub found again" dmsup.log || fail "dmsup.log does not say it found the stub again"

note "QEMU quits inside the stub: a crash, with the keeper's reason"
dmctl qmp t97-a quit >/dev/null 2>&1
crashed_with t97-a "stub domain $a_stub shut down"
xs_wait /local/domain/0/dmsup/$a/state crashed 30
xenstore-read /local/domain/0/dmsup/$a/error | grep -q "shut down" ||
	fail "/local/domain/0/dmsup/$a/error does not say why: $(xenstore-read /local/domain/0/dmsup/$a/error)"
! xenstore-exists /local/domain/$a_stub || fail "/local/domain/$a_stub survived the crash"

note "xl destroy of a stub domain: a crash"
linux_dm t97-b
b=$domid b_stub=$stub
xl destroy $b_stub || fail "xl destroy $b_stub failed"
crashed_with t97-b "stub domain $b_stub was destroyed"
xs_wait /local/domain/0/dmsup/$b/state crashed 30
kill -0 $DMSUP_PID || fail "dmsup died"
