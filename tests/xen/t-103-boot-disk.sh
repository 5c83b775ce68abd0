# A guest boots from its disk under dmsup (issue 15, test 1): the bed's
# tick.img (a boot sector printing "tick NNNN" to port 0xe9, Xen's console
# shows "(dN) tick NNNN") as the config's only disk, boot "c". Under the
# dom0 kind QEMU in dom0 opens the image itself. Under stubdom-linux the
# keeper attaches the image to the stub as its PV vbd xvda (a loop device
# served by blkback), the stub's QEMU opens /dev/xvda; after stop no
# backend node and no loop device is left. Either way SeaBIOS says
# "Booting from Hard Disk" and the guest counts.
. /opt/dmsup/tests/dmsup-lib.sh

# booted DOMID: SeaBIOS went for the disk and the boot sector counts.
booted() {
	xl dmesg | grep -q "(d$1) Booting from Hard Disk" && ticking_past "$1" 1
}

# boot_diagnose NAME DOMID: what a guest that does not boot needs.
boot_diagnose() {
	echo "--- xl dmesg (d$2)"
	xl dmesg | grep "(d$2)" | tail -n 15
	echo "--- dmctl log"
	dmctl log -n 40 "$1"
	echo "--- dmsup.log"
	tail -n 20 dmsup.log
	echo "--- backend/vbd"
	xenstore-ls -f /local/domain/0/backend/vbd 2>&1 | head -n 40
	echo "--- losetup -a"
	losetup -a
}

# loop_of FILE: a loop device still holds FILE.
loop_of() {
	losetup -a | grep -qF "$1"
}

dmsup_start

note "dom0 kind: QEMU in dom0 serves the disk, the guest boots from it"
name=t103-dom0
cp /opt/dmsup/tests/tick.img $PWD/$name.img
mkhvm_dom $name
domid=$DOMID
tick_dm_config $name $domid $PWD/$name.img
set_room $domid $(($(plan_item $name.json total) + 256))
dmctl start $name.json || { boot_diagnose $name $domid; fail "dmctl start $name failed"; }
pid=$(dm_pid $name)
tr '\0' ' ' </proc/$pid/cmdline | grep -q -- "-drive file=$PWD/$name.img,if=ide,index=0,media=disk,format=raw" ||
	fail "QEMU's argv lacks the disk: $(tr '\0' ' ' </proc/$pid/cmdline)"
xl unpause $domid || fail "xl unpause $domid failed"
wait_until 180 booted $domid || { boot_diagnose $name $domid; fail "domain $domid did not boot from its disk within 180 s"; }
note "domain $domid: $(xl dmesg | grep "(d$domid) Booting from" | tail -n 1 | sed 's/.*(d[0-9]*) //'), tick $(tick_of $domid)"
dmctl stop $name || fail "dmctl stop $name failed"
wait_until 30 exited $pid || fail "QEMU pid $pid still runs after dmctl stop"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=

note "stubdom-linux: the disk is the stub's vbd xvda, the guest boots from it"
name=t103-stub
img=$PWD/$name.img
cp /opt/dmsup/tests/tick.img $img
mkhvm_dom $name
domid=$DOMID
tick_dm_config $name $domid $img "\"kind\": \"stubdom-linux\",
  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\", \"ready_timeout\": 240"
set_room $domid $(($(plan_item $name.json total) + 256))
dmctl start $name.json || { boot_diagnose $name $domid; fail "dmctl start $name failed"; }
stub=$(dm_field $name stub_domid)
[ -n "$stub" ] || fail "no stub_domid in dmctl status --json"
be=/local/domain/0/backend/vbd/$stub/51712
xs_is $be/state 4 || { boot_diagnose $name $domid; fail "$be/state is not 4 (Connected)"; }
xs_is /local/domain/$stub/device/vbd/51712/state 4 || fail "the stub's vbd 51712 is not connected"
note "vbd: $(xenstore-read $be/params) on $(xenstore-read $be/physical-device-path) ($(xenstore-read $be/physical-device)), mode $(xenstore-read $be/mode)"
xs_is $be/params $img || fail "$be/params is not $img"
loop_of $img || fail "no loop device holds $img: $(losetup -a)"
dmctl log -n 400 $name >log.out
grep -q "^stub: disk /dev/xvda ready" log.out || fail "the stub's log does not say /dev/xvda is ready"
grep -q "xen-qemu-system-i386 .*-drive file=/dev/xvda,if=ide,index=0,media=disk,format=raw" log.out ||
	fail "the stub's QEMU does not open /dev/xvda: $(grep xen-qemu-system-i386 log.out)"
xl unpause $domid || fail "xl unpause $domid failed"
wait_until 240 booted $domid || { boot_diagnose $name $domid; fail "domain $domid did not boot from its disk within 240 s"; }
note "domain $domid: $(xl dmesg | grep "(d$domid) Booting from" | tail -n 1 | sed 's/.*(d[0-9]*) //'), tick $(tick_of $domid)"

note "stop: the stub's vbd and its loop device go"
dmctl stop $name || fail "dmctl stop $name failed"
! xenstore-exists /local/domain/0/backend/vbd/$stub || fail "backend/vbd/$stub is still in xenstore"
! xenstore-exists /local/domain/$stub || fail "/local/domain/$stub is still in xenstore"
wait_until 60 sh -c "! losetup -a | grep -qF $img" || fail "a loop device still holds $img: $(losetup -a)"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=
! xenstore-exists /local/domain/0/backend/vbd/$stub || fail "backend/vbd/$stub came back"
[ -z "$(losetup -a)" ] || fail "loop devices left: $(losetup -a)"
