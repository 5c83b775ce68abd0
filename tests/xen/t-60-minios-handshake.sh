# The MiniOS stub-domain protocol through the real xenstored: PV domUs run
# the stub side (minios-agent) for target domUs; dom0 writes the layout
# and drives start, save, continue, pci-ins and pci-rem with the library
# (stubdom-hs-drive); xenstored refuses the writes the layout forbids the
# stub and the guest; a hostile stub fails each of its own commands with
# the error it provoked, while another domain's handshake, driven by the
# same process at the same time, succeeds.
. /opt/dmsup/tests/lib.sh

BDF=0000:00:1f.3

# pair PREFIX STUB-RUN TARGET-RUN: a target and its stub domain, both
# created paused, the layout written, then both unpaused. Sets
# ${PREFIX}_target and ${PREFIX}_stub to their domids.
pair() {
	local t s vm
	guest_create -p "$1-target" "$3"
	guest_create -p "$1-stub" "$2"
	t=$(xl domid "$1-target") || fail "no domid for $1-target"
	s=$(xl domid "$1-stub") || fail "no domid for $1-stub"
	vm=$(xenstore-read "/local/domain/$t/vm") || fail "no /vm path for $1-target"
	stubdom-hs-drive setup "$t" "$s" "${vm#/vm/}" -xen-domid "$t" \
		-nodefaults -m 48 || fail "stubdom-hs-drive setup failed for $1"
	xl unpause "$1-target" || fail "xl unpause $1-target failed"
	xl unpause "$1-stub" || fail "xl unpause $1-stub failed"
	eval "${1}_target=$t ${1}_stub=$s"
}

# drive CMD...: run the commands on both pairs at once, into run.out.
drive() {
	timeout 200 stubdom-hs-drive run -S 120000 -T 30000 \
		"$good_target:$good_stub,$bad_target:$bad_stub" "$@" >run.out 2>run.err
	rc=$?
	note "$*: $(cat run.out)"
	[ $rc -eq 0 ] || fail "stubdom-hs-drive run $* exited with $rc: $(cat run.err)"
}

# expect DOMID CMD TEXT: the driver's line for that command has TEXT.
expect() {
	grep "^dom $1: $2: " run.out | grep -qF "$3" ||
		fail "expected 'dom $1: $2: ...$3...' in: $(cat run.out)"
}

# wait_ready NAME N: the N-th agent in that stub has started.
wait_ready() {
	wait_until 60 sh -c "[ \$(grep -c 'minios-agent: ready' '$(guest_log "$1")') -ge $2 ]" ||
		fail "agent $2 in $1 did not start: $(tail -n 5 "$(guest_log "$1")")"
}

# Only dom0 writes command and parameter; the stub writes only its state.
layout_permissions_hold() {
	local dm=/local/domain/0/device-model/$good_target
	xenstore-ls -p "$dm" >perms.out 2>&1 || fail "xenstore-ls -p $dm failed"
	# xenstore-ls pads with dots before the permissions: "(n0,r5)" = dom0
	# owns it, nobody else has access, domain 5 may read; "b5": read+write.
	grep -q "^command = .*(n0,r$good_stub)\$" perms.out ||
		fail "command's permissions: $(cat perms.out)"
	grep -q "^parameter = .*(n0,r$good_stub)\$" perms.out ||
		fail "parameter's permissions (after pci-ins): $(cat perms.out)"
	grep -q "^state = .*(n0,b$good_stub)\$" perms.out ||
		fail "state's permissions: $(cat perms.out)"
}

# The faithful pair: the stub probes the forbidden writes, then answers;
# the guest probes its device model's nodes.
pair good "minios-agent -m probe; minios-agent" dm-guest-probe
# The hostile pair: one agent per misbehaviour, one command each.
pair bad "minios-agent -m wrong -n 1; minios-agent -m oversized -n 1; \
minios-agent -m badparam -n 1; minios-agent -m flap -f 2000 -n 1; \
minios-agent -m delete -n 1" ""

drive start
expect "$good_target" start ok
expect "$bad_target" start ok
grep -q "minios-agent: dmargs: -xen-domid $good_target -nodefaults -m 48" \
	"$(guest_log good-stub)" ||
	fail "the stub did not read its dmargs: $(tail -n 20 "$(guest_log good-stub)")"
[ "$(grep -c "refused (as expected)" "$(guest_log good-stub)")" -eq 4 ] ||
	fail "a write forbidden to the stub was allowed: $(grep probe "$(guest_log good-stub)")"
! grep -q WRONG "$(guest_log good-stub)" || fail "the stub's probe went wrong"
[ "$(guest_wait good-target)" = 0 ] ||
	fail "the guest could write its device model's nodes: $(guest_output good-target)"

wait_ready bad-stub 1
drive save
expect "$good_target" save ok
expect "$bad_target" save "failed (rc -71): dom $bad_target: 'save': unexpected state 'pci-removed'"

# (A command whose result the state already holds, say continue while
# running, succeeds at once, as with libxl: each agent writes "running"
# when it starts, so the hostile ones get commands that need an answer.)
wait_ready bad-stub 2
drive "pci-rem:$BDF"
expect "$good_target" pci-rem ok
expect "$bad_target" pci-rem "failed (rc -90): dom $bad_target: 'pci-rem': state value of 1024 bytes"

wait_ready bad-stub 3
drive "pci-ins:$BDF"
expect "$good_target" pci-ins "ok vdevfn=0x20"
expect "$bad_target" pci-ins "failed (rc -71)"
expect "$bad_target" pci-ins "is not a vdevfn"
layout_permissions_hold

wait_ready bad-stub 4
drive save
expect "$good_target" save ok
expect "$bad_target" save "failed (rc -71): dom $bad_target: 'save': unexpected state 'flap-"

wait_ready bad-stub 5
drive "pci-rem:$BDF"
expect "$good_target" pci-rem ok
expect "$bad_target" pci-rem "failed (rc -2): dom $bad_target: 'pci-rem': state node /local/domain/0/device-model/$bad_target/state was deleted"

drive continue
expect "$good_target" continue ok
expect "$bad_target" continue "failed (rc -2)"
xs_is "/local/domain/0/device-model/$good_target/state" running ||
	fail "the faithful stub's state is not running at the end"

domain_destroy bad-stub
domain_destroy bad-target
domain_destroy good-stub
domain_destroy good-target
