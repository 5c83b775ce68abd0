# A guest boots from its disk under dmsup (issue 15, test 1): the bed's
# tick.img (a boot sector printing "tick NNNN" to port 0xe9, Xen's console
# shows "(dN) tick NNNN") as the config's only disk, boot "c". Under the
# dom0 kind QEMU in dom0 opens the image itself; SeaBIOS says "Booting
# from Hard Disk" and the guest counts.
. /opt/dmsup/tests/dmsup-lib.sh

# tick_dm_config NAME DOMID IMAGE [JSON-FIELDS]: NAME.json, a device model
# for the mkhvm domain that boots from IMAGE (raw, hda).
tick_dm_config() {
	echo "{\"name\": \"$1\", \"domid\": $2, \"qemu\": \"$DM_QEMU\",
	  \"memory\": 64, \"vga\": \"std\", \"videoram\": 16, \"boot\": \"c\",
	  \"disks\": [{\"path\": \"$3\", \"format\": \"raw\", \"vdev\": \"hda\"}]
	  ${4:+, $4}}" >"$1.json"
}

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
