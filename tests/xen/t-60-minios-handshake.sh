# The MiniOS stub-domain protocol through the real xenstored: a PV domU
# runs the stub side (minios-agent) for a target domU; dom0 writes the
# layout and drives start, pci-ins, pci-rem, save and continue with the
# library (stubdom-hs-drive); xenstored refuses the writes the layout
# forbids the stub and the guest; a hostile stub fails its own commands
# without stopping the handshakes of another domain in the same process.
. /opt/dmsup/tests/lib.sh

CMDS="start save continue pci-ins:0000:00:1f.3 pci-rem:0000:00:1f.3 save continue"

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

# expect FILE DOMID CMD OUTCOME: the driver's line for that command.
expect() {
	grep -q "^dom $2: $3: $4" "$1" ||
		fail "expected 'dom $2: $3: $4' in: $(cat "$1")"
}

stub_said() {
	grep -q "minios-agent: $2" "$(guest_log "$1")"
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
# The hostile pair: one wrong answer per agent run, then flapping.
pair bad "minios-agent -m wrong -n 1; minios-agent -m oversized -n 1; \
minios-agent -m badparam -n 1; minios-agent -m flap -f 20000" ""

# shellcheck disable=SC2086
timeout 280 stubdom-hs-drive run -S 120000 -T 30000 \
	"$good_target:$good_stub,$bad_target:$bad_stub" $CMDS >run.out 2>run.err
rc=$?
note "driver said: $(cat run.out)"
[ $rc -eq 0 ] || fail "stubdom-hs-drive run exited with $rc: $(cat run.err)"
[ "$(grep -c "^dom $good_target: " run.out)" -eq 7 ] ||
	fail "not every command of the faithful pair ended: $(cat run.out)"
[ "$(grep -c "^dom $bad_target: " run.out)" -eq 7 ] ||
	fail "not every command of the hostile pair ended: $(cat run.out)"

# The faithful stub read its arguments and answered every command.
stub_said good-stub "dmargs: -xen-domid $good_target -nodefaults -m 48" ||
	fail "the stub did not read its dmargs: $(tail -n 20 "$(guest_log good-stub)")"
[ "$(grep -c "refused (as expected)" "$(guest_log good-stub)")" -eq 4 ] ||
	fail "a write forbidden to the stub was allowed: $(grep probe "$(guest_log good-stub)")"
! grep -q WRONG "$(guest_log good-stub)" || fail "the stub's probe went wrong"
for c in start save continue pci-rem; do
	expect run.out "$good_target" "$c" ok
done
expect run.out "$good_target" pci-ins "ok vdevfn=0x20"
xs_is "/local/domain/0/device-model/$good_target/state" running ||
	fail "the faithful stub's state is not running at the end"
layout_permissions_hold

# The guest could write none of its device model's nodes.
[ "$(guest_wait good-target)" = 0 ] ||
	fail "the guest could write its device model's nodes: $(guest_output good-target)"

# The hostile stub's commands failed, each with a reason.
expect run.out "$bad_target" start ok
for c in save continue pci-ins pci-rem; do
	expect run.out "$bad_target" "$c" failed
done

domain_destroy bad-stub
domain_destroy bad-target
domain_destroy good-stub
domain_destroy good-target
