# CD-ROM change under stubdom-linux (issue 15), as the stubdom protocol
# has it: QMP eject, PV block detach of the stub's vbd, PV block attach of
# the new medium, QMP change-medium of the stub's /dev/xvdX. A tick.img
# guest has hda (its disk, the stub's xvda) and hdc (a CD, the stub's
# xvdb). cd-eject empties the drive and its vbd goes; cd-insert gives it
# another image: the vbd is back over it, QEMU's drive holds the stub's
# xvdb again, the stored configuration follows, and the guest counts on
# throughout; a disk is refused. The dom0 kind first, for comparison:
# QMP alone, with the image itself.
. /opt/dmsup/tests/dmsup-lib.sh

# hmp NAME CMD: an HMP command through dmctl qmp; its output on stdout.
hmp() {
	dmctl qmp $1 human-monitor-command "{\"command-line\": \"$2\"}"
}

# hdc_is_xvdb NAME: QEMU in the stub has a medium in hdc (ide-5632), the
# stub's /dev/xvdb (whose dom0 end the callers check is the image).
hdc_is_xvdb() {
	hmp $1 "info block" | grep -q 'ide-5632 (#block[0-9]*): \\/dev\\/xvdb (raw, read-only)'
}

# cd_config NAME DOMID FIELDS: NAME.json, the tick guest with its disk
# (hda, NAME.img) and a CD (hdc, cd1.iso), plus FIELDS.
cd_config() {
	echo "{\"name\": \"$1\", \"domid\": $2, \"memory\": 64, \"vga\": \"std\",
	  \"videoram\": 16, \"boot\": \"c\", $3,
	  \"disks\": [{\"path\": \"$PWD/$1.img\", \"format\": \"raw\", \"vdev\": \"hda\"},
	    {\"path\": \"$PWD/cd1.iso\", \"format\": \"raw\", \"vdev\": \"hdc\",
	     \"media\": \"cdrom\"}]}" >$1.json
}

# cdrom_is NAME TEXT: dmctl status's cdrom line says TEXT.
cdrom_is() {
	dmctl status $1 | grep -q "^cdrom  *$2\$"
}

head -c 1048576 /dev/zero | tr '\0' 'A' >cd1.iso
head -c 1048576 /dev/zero | tr '\0' 'B' >cd2.iso
dmsup_start

note "dom0 kind: QMP eject and blockdev-change-medium of the image itself"
name=t120-dom0
cp /opt/dmsup/tests/tick.img $PWD/$name.img
mkhvm_dom $name
domid=$DOMID
cd_config $name $domid "\"qemu\": \"$DM_QEMU\""
set_room $domid $(($(plan_item $name.json total) + 256))
dmctl start $name.json || fail "dmctl start $name failed"
dmctl cd-eject $name hdc || fail "dmctl cd-eject $name hdc failed"
hmp $name "info block" | grep -q 'ide-5632: \[not inserted\]' || fail "$name's hdc is not empty: $(hmp $name "info block")"
dmctl cd-insert $name hdc $PWD/cd2.iso || fail "dmctl cd-insert $name hdc failed"
hmp $name "info block" | grep -qF "ide-5632 (#block" || fail "$name's hdc holds nothing"
hmp $name "info block" | grep -F "ide-5632 (#block" | grep -qF "cd2.iso" ||
	fail "$name's hdc does not hold cd2.iso: $(hmp $name "info block")"
cdrom_is $name "hdc: $PWD/cd2.iso" || fail "the stored medium of $name is not cd2.iso"
dmctl stop $name || fail "dmctl stop $name failed"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=

name=t120
cp /opt/dmsup/tests/tick.img $PWD/$name.img
mkhvm_dom $name
domid=$DOMID
cd_config $name $domid "\"kind\": \"stubdom-linux\",
  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\", \"ready_timeout\": 240"
set_room $domid $(($(plan_item $name.json total) + 256))
dmctl start $name.json || { dmctl log -n 60 $name; fail "dmctl start $name failed"; }
stub=$(dm_field $name stub_domid)
be=/local/domain/0/backend/vbd/$stub/51728
xs_is $be/params $PWD/cd1.iso || fail "the stub's xvdb is not over cd1.iso"
xl unpause $domid || fail "xl unpause $domid failed"
wait_until 300 ticking_past $domid 1 || fail "domain $domid does not tick"
hdc_is_xvdb $name || fail "hdc is not the stub's /dev/xvdb: $(hmp $name "info block")"

note "cd-eject: QEMU's drive is empty, the stub's vbd xvdb goes"
dmctl cd-eject $name hdc || { dmctl log -n 30 $name; fail "dmctl cd-eject $name hdc failed"; }
! xenstore-exists $be || fail "$be is still there after cd-eject"
hmp $name "info block" >ib.out || fail "info block failed"
grep -q "ide-5632: \[not inserted\]" ib.out || fail "hdc still has a medium after cd-eject: $(cat ib.out)"
cdrom_is $name "hdc: empty" || fail "the stored medium is not empty: $(dmctl status $name)"
dmctl cd-eject $name hdc || fail "a second cd-eject of the empty hdc failed"

note "cd-insert: a vbd over cd2.iso, QEMU's drive holds it"
t0=$(awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime)
dmctl cd-insert $name hdc $PWD/cd2.iso || { dmctl log -n 30 $name; tail -n 20 dmsup.log; fail "dmctl cd-insert $name hdc failed"; }
t1=$(awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime)
note "cd-insert took $((t1 - t0)) ms (QMP eject, vbd attach, change-medium)"
xs_is $be/params $PWD/cd2.iso || fail "the stub's xvdb is not over cd2.iso"
xs_is $be/state 4 || fail "the new vbd is not connected"
hdc_is_xvdb $name || fail "hdc is not the stub's /dev/xvdb: $(hmp $name "info block")"
cdrom_is $name "hdc: $PWD/cd2.iso" || fail "the stored medium is not cd2.iso: $(dmctl status $name)"
grep -q "cd2.iso" $DMSUP_STATE_DIR/$name.json || fail "the saved definition does not hold cd2.iso"

note "cd-insert over a medium: the old vbd goes first"
dmctl cd-insert $name hdc $PWD/cd1.iso || fail "dmctl cd-insert over cd2.iso failed"
xs_is $be/params $PWD/cd1.iso || fail "the stub's xvdb is not over cd1.iso again"
hdc_is_xvdb $name || fail "hdc is not the stub's /dev/xvdb again"
out=$(dmctl cd-insert $name hda $PWD/cd2.iso 2>&1) && fail "cd-insert into the disk hda was accepted"
echo "$out" | grep -q "hda is a disk, not a CD-ROM" || fail "the refusal does not say hda is a disk: $out"
wait_until 60 ticking_past $domid $(tick_of $domid) || fail "domain $domid stopped counting"

note "stop: the CD's vbd and loop device go"
dmctl stop $name || fail "dmctl stop $name failed"
! xenstore-exists /local/domain/0/backend/vbd/$stub || fail "backend/vbd/$stub is still in xenstore"
wait_until 60 sh -c "! losetup -a | grep -q cd[12].iso" || fail "a loop device still holds a CD: $(losetup -a)"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=
