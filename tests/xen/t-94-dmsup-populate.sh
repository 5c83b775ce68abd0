# The page limit lowered after dmsup's start check (the toolstack changed
# its mind, or the check was bypassed): QEMU cannot populate its videoram
# and dies; dmsup recognises the failure in QEMU's log and reports how
# many more pages the device model needs, not a bare crash.
. /opt/dmsup/tests/dmsup-lib.sh

name=t94-populate
mkhvm_dom $name
domid=$DOMID
dmsup_start
dm_config $name $domid
need=$(plan_item $name.json total)
set_room $domid $need
# Between the check and QEMU's first allocation: no room left at all.
cat >qemu-wrap <<WRAP
#!/bin/sh
eval "\$(/opt/dmsup/tests/xcinfo $domid)"
/opt/dmsup/tests/xcinfo --set-max-pages $domid \$tot_pages >/dev/null
exec $DM_QEMU "\$@"
WRAP
chmod +x qemu-wrap
sed -i "s|$DM_QEMU|$PWD/qemu-wrap|" $name.json

dmctl start $name.json >start.out 2>&1 && fail "dmctl start succeeded with no room"
cat start.out
grep -q "needs $need more pages" start.out || {
	tail -n 20 dmsup/logs/$name.log
	fail "dmctl start did not report that the device model needs $need more pages"
}
grep -q "failed to populate ram" dmsup/logs/$name.log ||
	fail "QEMU's log does not show the populate failure"
xs_is /local/domain/0/dmsup/$domid/state failed ||
	fail "/local/domain/0/dmsup/$domid/state is not 'failed'"
