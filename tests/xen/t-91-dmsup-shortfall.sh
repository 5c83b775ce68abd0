# When the domain's page limit leaves no room for one option ROM (here the
# VGA BIOS: the bed's image has no iPXE NIC ROMs), dmctl start refuses
# before any QEMU runs and names the shortfall in pages; xenstore records
# the failure for the toolstack.
. /opt/dmsup/tests/dmsup-lib.sh

name=t91-short
mkhvm_dom $name
domid=$DOMID
dmsup_start
dm_config $name $domid
dmctl plan $name.json || fail "dmctl plan failed"
need=$(plan_item $name.json total)
rom=$(plan_item $name.json vga.rom)
[ -n "$rom" ] && [ "$rom" -gt 0 ] || fail "the plan has no pages for the VGA BIOS ROM"
set_room $domid $((need - rom))

dmctl start $name.json >start.out 2>&1 && fail "dmctl start succeeded one ROM short"
cat start.out
grep -q "needs $rom more pages" start.out ||
	fail "dmctl start did not name the shortfall of $rom pages"
[ -z "$(qemu_for $domid)" ] || fail "a QEMU was started for domain $domid"
[ -z "$(dm_pid $name)" ] || fail "dmsup reports a device model pid"
xs_is /local/domain/0/dmsup/$domid/state failed ||
	fail "/local/domain/0/dmsup/$domid/state is not 'failed'"
xenstore-read /local/domain/0/dmsup/$domid/error | grep -q "needs $rom more pages" ||
	fail "/local/domain/0/dmsup/$domid/error does not name the shortfall"

note "with the room the plan asks for, the same start succeeds"
set_room $domid $need
dmctl start $name.json || { cat dmsup.log; fail "dmctl start failed with room for the plan"; }
! xenstore-exists /local/domain/0/dmsup/$domid || fail "the failure report stayed in xenstore"
dmctl stop $name || fail "dmctl stop failed"
