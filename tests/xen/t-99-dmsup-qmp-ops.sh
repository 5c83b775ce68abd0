# pci-attach, save and resume of a dom0 device model go to QEMU over QMP
# (as libxl drives upstream QEMU): save stops QEMU and has it write its
# device state to <state_dir>/<name>.save, resume lets it run; a
# passthrough of a host device that is not there, or not bound to
# pciback, is refused before QEMU hears of it, naming the domain, the
# device and what is missing, and leaves QEMU running. And a stop fails a runtime page request that
# waits for the toolstack at once, not when QEMU is gone.
. /opt/dmsup/tests/dmsup-lib.sh

name=t99-ops
dm_running $name
dmp=/local/domain/0/device-model/$domid

# qemu_status: QEMU's run state as query-status has it.
qemu_status() {
	dmctl --json qmp $name query-status |
		sed -n 's/.*"status": *"\([a-z-]*\)".*/\1/p'
}

note "save: QEMU paused, its device state in the state directory"
dmctl save $name >save.out 2>&1 || { cat save.out dmsup.log; fail "dmctl save failed"; }
cat save.out
file=$DMSUP_STATE_DIR/$name.save
grep -q "$file" save.out || fail "dmctl save did not name $file"
[ -s "$file" ] || fail "$file is missing or empty"
[ "$(qemu_status)" = paused ] || fail "QEMU is '$(qemu_status)' after save, not paused"

note "resume: QEMU runs again"
dmctl resume $name || fail "dmctl resume failed"
[ "$(qemu_status)" = running ] || fail "QEMU is '$(qemu_status)' after resume, not running"

note "pci-attach of a host device the bed does not have is refused, QEMU untouched"
dmctl pci-attach $name 0000:00:1f.7 >attach.out 2>&1 && fail "pci-attach of 0000:00:1f.7 succeeded"
cat attach.out
grep -q "domain $name (domid $domid): host: no PCI device 0000:00:1f.7 in /sys/bus/pci/devices" attach.out ||
	fail "pci-attach did not say 0000:00:1f.7 is missing: $(cat attach.out)"
! grep -q "device_add" attach.out || fail "pci-attach of a missing device reached device_add"
! exited $pid || fail "QEMU exited after the refused pci-attach"
[ "$(qemu_status)" = running ] || fail "QEMU is '$(qemu_status)' after the refused pci-attach"

note "pci-attach of a device dom0 has but pciback does not is refused naming its driver"
dev=$(ls /sys/bus/pci/devices | head -n 1)
[ -n "$dev" ] || fail "dom0 sees no PCI device at all"
drv=$(basename "$(readlink /sys/bus/pci/devices/$dev/driver 2>/dev/null)")
[ "$drv" != pciback ] || fail "$dev is bound to pciback already"
dmctl pci-attach $name $dev >attach.out 2>&1 && fail "pci-attach of $dev (driver '$drv') succeeded"
cat attach.out
grep -q "domain $name (domid $domid): host: $dev is bound to ${drv:-no driver}, not pciback" attach.out ||
	fail "pci-attach did not say $dev is not bound to pciback: $(cat attach.out)"
qmp_pci=$(dmctl qmp $name query-pci)
! echo "$qmp_pci" | grep -q pci-pt- || fail "QEMU lists a passthrough device after the refusals"

note "pci-attach with an option dmsup cannot carry is refused by name"
dmctl pci-attach $name 0000:00:1f.7,msitrans=1 >attach.out 2>&1 && fail "an unknown option was taken"
grep -q "unknown option 'msitrans'" attach.out || fail "the refusal does not name msitrans: $(cat attach.out)"

note "a stop fails a nic-attach waiting for the toolstack's grant at once"
dmctl set $name memory_grant_timeout=600 >/dev/null || fail "dmctl set memory_grant_timeout failed"
dmctl nic-attach $name e1000,id=nic1 >nic.out 2>&1 &
nic=$!
wait_until 60 xenstore-exists $dmp/memory-request ||
	fail "no memory-request for the NIC: $(cat nic.out)"
dmctl stop $name || fail "dmctl stop failed"
# Well before the 600 s grant timeout: it is the stop that ended it.
wait_until 60 exited $nic || fail "nic-attach still waits after the stop"
wait $nic && fail "nic-attach succeeded across a stop"
cat nic.out
grep -q "memory: the domain is stopping" nic.out ||
	fail "nic-attach did not fail with 'the domain is stopping': $(cat nic.out)"
! xenstore-exists $dmp/memory-request && ! xenstore-exists $dmp/memory-grant ||
	fail "memory-request or memory-grant left in xenstore after the stop"
