# dmsup runs an HVM guest's device model in a Linux stub domain (issue 7):
# `dmctl start` of a stubdom-linux config spawns the stub keeper, which
# builds the stub from the bed's image; dmsup reports running only once
# the stub's QEMU wrote its state AND answered QMP over vchan; the guest's
# firmware runs against it; the stub's console (QEMU's output) is in
# `dmctl log`; back-to-back QMP commands all answer; when the stub's QMP
# bridge is killed (the OOM killer, by xl sysrq) dmsup's vchan reconnects
# to the bridge the stub restarts (qmp events reconnecting, connected) and
# QMP answers again; stop leaves no stub and none of its xenstore state.
. /opt/dmsup/tests/dmsup-lib.sh

name=t96-linux
mkhvm_dom $name
domid=$DOMID
dmsup_start
linux_stub_config $name $domid
dmctl plan $name.json | grep stubdom

diagnose() {
	echo "--- xl list"
	xl list
	echo "--- dmsup.log"
	tail -n 30 dmsup.log
	echo "--- dmctl log"
	dmctl log -n 60 $name
	echo "--- xl dmesg (d$domid)"
	xl dmesg | grep "(d$domid)" | tail -n 10
}

# start_fails CONFIG TEXT: dmctl start CONFIG fails saying TEXT, and the
# domain it defined is forgotten again.
start_fails() {
	! dmctl start $1.json 2>start.err || fail "dmctl start $1 succeeded"
	note "$(cat start.err)"
	grep -qF -- "$2" start.err || fail "dmctl start $1 does not say '$2': $(cat start.err)"
	dmctl undefine $1 || fail "dmctl undefine $1 failed"
}

note "a stub the host has no memory for is refused with the numbers"
dm_config t96-big $domid "\"kind\": \"stubdom-linux\", \"stubdom_memory\": 65536"
start_fails t96-big "free pages"
note "a stub that cannot be built fails the start with the keeper's reason"
dm_config t96-nokernel $domid "\"kind\": \"stubdom-linux\",
  \"stubdom_kernel\": \"/nonexistent/vmlinuz\""
start_fails t96-nokernel "start failed: exited with status 2: error: "
! xenstore-exists /local/domain/$domid/image/device-model-domid ||
	fail "a failed build left image/device-model-domid"

note "dmctl start returns once the stub's QEMU runs and answers QMP"
dmctl start $name.json || { diagnose; fail "dmctl start failed"; }
stub=$(dm_field $name stub_domid)
[ -n "$stub" ] || { dmctl --json status $name; fail "no stub_domid in dmctl status --json"; }
[ "$(dm_field $name kind)" = stubdom-linux ] || fail "dmctl status --json does not say kind stubdom-linux"
note "stub domain $stub serves domain $domid"
xs_is /local/domain/$stub/device-model/$domid/state running ||
	fail "the stub's device-model/$domid/state is not running"
xs_is /local/domain/$domid/image/device-model-domid $stub ||
	fail "domain $domid does not name $stub as its device-model domain"
[ -z "$(qemu_for $domid)" ] || fail "a QEMU for domain $domid runs in dom0"
# The keeper kept nothing once the stub ran (no NIC to bridge).
privs=$(keeper_privs $domid)
[ "$privs" = "0000000000000000 0000000000000000 1" ] ||
	fail "the stub keeper's CapEff, CapBnd and NoNewPrivs are '$privs'"
dmctl qmp $name query-status | grep -q '"running"' ||
	{ diagnose; fail "dmctl qmp query-status over vchan does not say running"; }

note "unpaused, the guest's firmware runs against the stub's QEMU"
xl unpause $domid || fail "xl unpause $domid failed"
firmware_ran() {
	xl dmesg | grep -q "(d$domid) Invoking SeaBIOS"
}
wait_until 120 firmware_ran || { diagnose; fail "hvmloader did not hand over to SeaBIOS within 120 s"; }

note "dmctl log carries the stub's console: the keeper's, the launcher's and QEMU's lines"
dmctl log -n 400 $name >log.out
grep -q "^dmsup-stub: stub domain $stub .*serves domain $domid" log.out ||
	fail "the log lacks the keeper's line: $(head -n 20 log.out)"
grep -q "^stub: qemu running" log.out || fail "the log lacks the stub's 'qemu running' line: $(tail -n 20 log.out)"
grep -q "xen-qemu-system-i386 .*-xen-domid $domid " log.out ||
	fail "the log lacks QEMU's command line for domain $domid"

note "20 back-to-back dmctl qmp over vchan all answer"
i=0
while [ $i -lt 20 ]; do
	dmctl qmp $name query-status | grep -q '"status"' || fail "dmctl qmp number $((i + 1)) did not answer"
	i=$((i + 1))
done

note "the stub's bridge killed (xl sysrq f: the OOM killer takes it first): QMP reconnects"
[ "$(dm_field $name qmp_link)" = connected ] || fail "qmp_link is '$(dm_field $name qmp_link)', not connected"
dmctl --json status --watch $name >watch.out 2>&1 &
watch=$!
# control/sysrq must be the stub's to read and clear (Linux acknowledges it).
xenstore-write /local/domain/$stub/control/sysrq "" &&
	xenstore-chmod /local/domain/$stub/control/sysrq n$stub || fail "cannot prepare control/sysrq of $stub"
xl sysrq $stub f || fail "xl sysrq $stub f failed"
# qmp events: reconnecting, then connected.
reconnected() {
	awk '/"event":"qmp".*"qmp_link":"reconnecting"/ { r = 1 }
	     r && /"event":"qmp".*"qmp_link":"connected"/ { f = 1 }
	     END { exit !f }' watch.out
}
wait_until 60 reconnected || { cat watch.out; diagnose; fail "no qmp events reconnecting then connected"; }
kill $watch
dmctl log -n 400 $name | grep -q "stub: qmp-vchan-bridge ended" ||
	fail "the stub's log does not say the bridge ended"
[ "$(dm_field $name qmp_link)" = connected ] || fail "qmp_link is '$(dm_field $name qmp_link)' after the reconnect"
dmctl qmp $name query-status | grep -q '"running"' ||
	{ diagnose; fail "dmctl qmp over the new vchan does not answer"; }
[ "$(dm_field $name state)" = running ] || fail "the domain is not running after the bridge's restart"

note "stop: the stub goes (dying until its target goes), no xenstore state left"
dmctl stop $name || fail "dmctl stop failed"
dmctl status $name | grep -q stopped || fail "the domain is not stopped: $(dmctl status $name)"
# (dying: the target's ioreq server holds it until the target goes, t-80)
stub_gone_or_dying() {
	! xl list $stub >/dev/null 2>&1 || xl list $stub | awk 'NR == 2 { exit !($5 ~ /d/) }'
}
wait_until 30 stub_gone_or_dying || fail "stub domain $stub still runs after stop: $(xl list)"
! xenstore-exists /local/domain/$stub || fail "/local/domain/$stub is still in xenstore"
! xenstore-exists /local/domain/$domid/image/device-model-domid ||
	fail "image/device-model-domid is still in xenstore"
! xenstore-exists /local/domain/0/device-model/$domid || fail "device-model/$domid is still in xenstore"
vm=$(xenstore-read /local/domain/$domid/vm)
! xenstore-exists $vm/image/dm-argv || fail "$vm/image/dm-argv is still in xenstore"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=
wait_until 30 sh -c "! xl list $stub" || fail "stub domain $stub outlived its target"
