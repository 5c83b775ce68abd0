# A Linux stub domain built without libxl (mkstub, on dmsup's stubdom-build)
# serves an HVM guest made by mkhvm: its QEMU reports running under the
# stub's own device-model path, the guest's firmware runs once unpaused,
# the stub's console carries the launcher's and QEMU's output, and
# destroying stub then guest leaves neither domain nor xenstore state.
. /opt/dmsup/tests/lib.sh

name=t80-guest
target=
stub=
stubname=$name-dm
stublog=$DMSUP_CONSOLE_DIR/guest-$stubname.log
target_vm=

cleanup() {
	[ -n "$stub" ] && mkstub --destroy $stub >/dev/null 2>&1
	[ -n "$target" ] && mkhvm --destroy $target >/dev/null 2>&1
	tb_cleanup
}
trap cleanup EXIT

# What a failure needs to be understood: both domains, their xenstore, the
# stub's console and the guest's firmware lines.
diagnose() {
	tb_diagnose "$stublog" "$target" ${stub:+/local/domain/$stub} \
		${target:+/local/domain/$target} $target_vm
}

stub_console_has() {
	grep -q "$1" "$stublog"
}

rm -f "$stublog"
target=$(mkhvm -n $name) || fail "mkhvm failed"
target_vm=$(xenstore-read /local/domain/$target/vm)
note "mkhvm made domain $target (paused, no device model); launching its stub"

# The bed's decompressed copy of the stub's kernel boots faster under TCG;
# QEMU's xen trace events make a failing launch say where it stopped.
rc=0
stub=$(mkstub -n $stubname -k /opt/dmsup/guest/vmlinux -c "console=hvc0 rootfstype=ramfs dmsup.dm_trace=xen_* dmsup.dm_probe" -t 120 $target 2>mkstub.err) || rc=$?
cat mkstub.err
if [ $rc -ne 0 ]; then
	diagnose
	fail "mkstub $target exited with $rc"
fi
note "stub domain $stub runs the device model of domain $target"
xs_is /local/domain/$stub/device-model/$target/state running ||
	fail "mkstub returned but the stub's state is not running"
xs_is /local/domain/$stub/target $target || fail "the stub's target is not $target"
xs_is /local/domain/$target/image/device-model-domid $stub ||
	fail "domain $target does not name $stub as its device-model domain"
domain_exists $stubname || fail "xl list does not show $stubname"

note "the stub's console carries the launcher's and QEMU's output"
wait_until 30 stub_console_has "stub: qemu running" || {
	diagnose
	fail "the stub's console never said its QEMU runs"
}
grep -q "xen-qemu-system-i386 .*-xen-domid $target " "$stublog" ||
	fail "the stub's QEMU was not started for domain $target"
grep "^stub:" "$stublog" | tr -d '\r'

note "unpausing domain $target: its firmware runs against the stub's QEMU"
xl unpause $target || fail "xl unpause $target failed"
firmware_ran() {
	xl dmesg | grep -q "(d$target) Invoking SeaBIOS"
}
if ! wait_until 120 firmware_ran; then
	diagnose
	fail "hvmloader did not hand over to SeaBIOS within 120 s"
fi
xl dmesg | grep "(d$target)" | tail -n 3
# The firmware's output alone does not prove the device model still runs.
if stub_console_has "stub: device model exited"; then
	diagnose
	fail "the stub's QEMU exited"
fi
set -- $(xl list | awk -v n=$name '$1 == n')
case $5 in
*c* | *s*) diagnose; fail "domain $target is in state '$5' (crashed or shut down)" ;;
esac

note "destroying the stub, then the guest"
mkstub --destroy $stub || fail "mkstub --destroy $stub failed"
# It may stay "dying" until its target goes: the target's ioreq server
# holds it. It must not run any more, and its name is gone.
domain_exists $stubname && fail "$stubname still exists after mkstub --destroy"
stub_dying_or_gone() {
	! xl list $stub >/dev/null 2>&1 || xl list $stub | awk 'NR == 2 { exit !($5 ~ /d/) }'
}
stub_dying_or_gone || fail "stub domain $stub still runs after mkstub --destroy"
for p in /local/domain/$stub /local/domain/$target/image/device-model-domid \
	$target_vm/image/dm-argv; do
	xenstore-exists "$p" && fail "xenstore $p survived the stub's destruction"
done
stubid=$stub
stub=
mkhvm --destroy $target || fail "mkhvm --destroy $target failed"
domain_exists $name && fail "$name still exists after mkhvm --destroy"
stub_gone() {
	! xl list $stubid >/dev/null 2>&1
}
wait_until 30 stub_gone || fail "stub domain $stubid still exists 30 s after its target was destroyed"
for p in /local/domain/$target $target_vm; do
	xenstore-exists "$p" && fail "xenstore $p survived the guest's destruction"
done
target=
