# dmsup drives stubdom-minios device models (issue 5): for each mkhvm
# target, dmsup spawns a stub keeper that builds the "MiniOS" stub (the
# bed's PV guest running minios-agent, which plays qemu-traditional), waits
# for the handshake's START, and routes pci-attach, pci-detach, save and
# resume to the handshake. The layout's permissions hold (the agent's probe
# reports refused writes on the console dmsup relays into its log); a
# hostile agent gets clear per-command errors while the faithful one keeps
# working and dmsup stays alive; stop leaves no stub and no xenstore state.
. /opt/dmsup/tests/dmsup-lib.sh

BDF=0000:00:1f.3
GOOD_RUN="minios-agent -m probe; minios-agent"
BAD_RUN="minios-agent -m wrong -n 1; minios-agent -m flap -f 2000 -n 1; minios-agent -m delete -n 1"

# minios_dm NAME RUN: an mkhvm target NAME with room for its plan and a
# stubdom-minios config whose stub runs RUN; sets DOMID.
minios_dm() {
	mkhvm_dom $1
	dm_config $1 $DOMID "\"kind\": \"stubdom-minios\",
	  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\",
	  \"stubdom_ramdisk\": \"$DMSUP_GUEST_DIR/initrd\",
	  \"stubdom_cmdline\": \"console=hvc0 quiet dmsup.run=\\\"$2\\\"\",
	  \"stubdom_memory\": 128, \"ready_timeout\": 180"
	set_room $DOMID $(plan_item $1.json total)
}


# log_count NAME TEXT: lines of the domain's log with TEXT.
log_count() {
	dmctl log -n 1000 "$1" | grep -c -- "$2"
}

# agents_ready NAME N: the N-th agent in that stub has written running.
agents_ready() {
	[ "$(log_count "$1" 'minios-agent: ready')" -ge "$2" ]
}

# op_fails NAME TEXT CMD...: dmctl CMD fails (exit 1) naming TEXT.
op_fails() {
	local name=$1 text=$2 rc=0
	shift 2
	dmctl "$@" >op.out 2>op.err || rc=$?
	note "dmctl $*: exit $rc: $(cat op.out op.err)"
	[ $rc -eq 1 ] || fail "dmctl $* exited with $rc, expected 1"
	grep -qF -- "$text" op.err || fail "dmctl $* does not say '$text': $(cat op.err)"
}

dmsup_start
minios_dm t95-good "$GOOD_RUN"
good=$DOMID
minios_dm t95-bad "$BAD_RUN"
bad=$DOMID

note "dmctl start returns once the stub answered the handshake's START"
dmctl start t95-good.json || { tail -n 40 dmsup.log; dmctl log -n 40 t95-good; fail "dmctl start t95-good failed"; }
dmctl start t95-bad.json || { tail -n 40 dmsup.log; dmctl log -n 40 t95-bad; fail "dmctl start t95-bad failed"; }
[ "$(dm_field t95-good kind)" = stubdom-minios ] ||
	fail "dmctl status --json does not say kind stubdom-minios: $(dmctl --json status t95-good)"
good_stub=$(dm_field t95-good stub_domid)
bad_stub=$(dm_field t95-bad stub_domid)
[ -n "$good_stub" ] && [ -n "$bad_stub" ] || fail "no stub_domid in dmctl status --json"
xs_is /local/domain/$good_stub/target $good || fail "stub $good_stub does not target $good"
xs_is /local/domain/$good/image/device-model-domid $good_stub ||
	fail "domain $good does not name $good_stub as its device-model domain"
xs_is /local/domain/0/device-model/$good/state running ||
	fail "device-model/$good/state is not running"
dmctl log -n 100 t95-good | grep -q "minios-agent: dmargs: -d $good -domain-name t95-good " ||
	fail "the stub did not read dmsup's qemu-traditional arguments: $(dmctl log -n 30 t95-good)"

note "the layout's permissions hold: the stub's forbidden writes were refused"
wait_until 60 sh -c "[ \$(dmctl log -n 1000 t95-good | grep -c 'refused (as expected)') -ge 4 ]" ||
	fail "the probe did not report 4 refused writes: $(dmctl log -n 40 t95-good | grep probe)"
! dmctl log -n 1000 t95-good | grep -q WRONG || fail "the stub's probe went wrong"

note "pci-attach, pci-detach, save, resume through the handshake"
out=$(dmctl pci-attach t95-good $BDF) || fail "dmctl pci-attach failed"
note "$out"
echo "$out" | grep -q "attached at vdevfn 0x[0-9a-f][0-9a-f]$" || fail "pci-attach did not show a vdevfn: $out"
dmctl pci-detach t95-good $BDF || fail "dmctl pci-detach failed"
dmctl save t95-good || fail "dmctl save failed"
xs_is /local/domain/0/device-model/$good/state paused || fail "the state is not paused after save"
dmctl --json status t95-good | grep -q '"paused": *true' || fail "dmctl status does not say paused after save"
dmctl resume t95-good || fail "dmctl resume failed"
xs_is /local/domain/0/device-model/$good/state running || fail "the state is not running after resume"
! dmctl --json status t95-good | grep -q '"paused"' || fail "dmctl status still says paused after resume"

note "no QMP on this path: dmctl qmp says so"
op_fails t95-good "has no QMP" qmp t95-good query-status

note "a hostile stub: clear per-command errors, the other domain unaffected"
wait_until 60 agents_ready t95-bad 1 || fail "the first hostile agent did not start"
op_fails t95-bad "domain t95-bad (domid $bad): save: dom $bad: 'save': unexpected state" save t95-bad
dmctl pci-attach t95-good $BDF >/dev/null || fail "the faithful domain's pci-attach failed next to the hostile one"
wait_until 60 agents_ready t95-bad 2 || fail "the second hostile agent did not start"
op_fails t95-bad "unexpected state 'flap-" save t95-bad
dmctl pci-detach t95-good $BDF || fail "the faithful domain's pci-detach failed next to the hostile one"
wait_until 60 agents_ready t95-bad 3 || fail "the third hostile agent did not start"
op_fails t95-bad "was deleted" pci-detach t95-bad $BDF
op_fails t95-bad "needs a PCI address" pci-attach t95-good not-a-bdf
kill -0 $DMSUP_PID || fail "dmsup died"
dmctl save t95-good && dmctl resume t95-good || fail "the faithful domain stopped answering"

note "kill -9 dmsup and restart it: the handshake channel is reopened"
kill -9 $DMSUP_PID
wait $DMSUP_PID 2>/dev/null
dmsup_start
[ "$(dm_field t95-good stub_domid)" = "$good_stub" ] ||
	fail "the stub domid changed across the restart: $(dm_field t95-good stub_domid), was $good_stub"
dmctl save t95-good && dmctl resume t95-good || fail "the handshake does not work after a dmsup restart"
out=$(dmctl pci-attach t95-good $BDF) || fail "dmctl pci-attach after a dmsup restart failed"
echo "$out" | grep -q "attached at vdevfn" || fail "pci-attach after the restart: $out"

note "stop: no stub, no xenstore state of the device models"
dmctl stop t95-good || fail "dmctl stop t95-good failed"
dmctl stop t95-bad || fail "dmctl stop t95-bad failed"
for s in $good_stub $bad_stub; do
	wait_until 30 sh -c "! xl list $s" || fail "stub domain $s still exists after stop"
	! xenstore-exists /local/domain/$s || fail "/local/domain/$s is still in xenstore"
done
for t in $good $bad; do
	! xenstore-exists /local/domain/0/device-model/$t ||
		fail "/local/domain/0/device-model/$t is still in xenstore"
	! xenstore-exists /local/domain/$t/image/device-model-domid ||
		fail "/local/domain/$t/image/device-model-domid is still in xenstore"
	vm=$(xenstore-read /local/domain/$t/vm)
	! xenstore-exists $vm/image/dmargs || fail "$vm/image/dmargs is still in xenstore"
done

note "a stub that never answers: the start fails naming the step, nothing is left"
minios_dm t95-mute ""
mute=$DOMID
sed -i 's/"ready_timeout": 180/"ready_timeout": 15/' t95-mute.json
! dmctl start t95-mute.json 2>start.err || fail "dmctl start t95-mute succeeded without an answer"
note "$(cat start.err)"
grep -q "stub failed: not ready: stub domain [0-9]* was built, but its device model never wrote /local/domain/0/device-model/$mute/state within 15 s" start.err ||
	fail "the start's error does not name the missing state: $(cat start.err)"
wait_until 30 sh -c "! xl list t95-mute-dm" || fail "the mute stub still exists after the failed start"
! xenstore-exists /local/domain/$mute/image/device-model-domid ||
	fail "the failed start left image/device-model-domid"
