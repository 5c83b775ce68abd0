# dom0 and a PV guest exchange 1 MiB each way over libxenvchan, byte-exact,
# with either side as the server: first dom0 serves and the guest connects,
# then the guest serves and dom0 connects.
. /opt/dmsup/tests/lib.sh

name=t40-vchan
bytes=1048576
dom0_path=/local/domain/0/data/t40-vchan
done_line="sent $bytes and received $bytes bytes, all verified"
xenstore-rm $dom0_path 2>/dev/null

# The guest first connects to dom0's server, then serves at a path relative
# to its own /local/domain/<domid>.
guest_create $name "vchan-peer client 0 $dom0_path $bytes 120 && vchan-peer server 0 data/t40-vchan $bytes 120"
domid=$(xl domid $name) || fail "no domid for $name"
note "guest $name is domain $domid"

note "dom0 serves, the guest connects"
vchan-peer server $domid $dom0_path $bytes 120 >server.out 2>&1
src=$?
cat server.out
[ $src -eq 0 ] || fail "dom0 server exited with status $src"
grep -q "$done_line" server.out || fail "dom0 server did not report the full transfer"

note "the guest serves, dom0 connects"
vchan-peer client $domid /local/domain/$domid/data/t40-vchan $bytes 120 >client.out 2>&1
crc=$?
cat client.out
[ $crc -eq 0 ] || fail "dom0 client exited with status $crc"
grep -q "$done_line" client.out || fail "dom0 client did not report the full transfer"

rc=$(guest_wait $name 240)
guest_output $name >guest.out
cat guest.out
[ "$rc" = 0 ] || fail "the guest's vchan-peer exited with status $rc"
[ "$(grep -c "$done_line" guest.out)" -eq 2 ] ||
	fail "the guest did not report both transfers complete"

domain_destroy $name
xenstore-rm $dom0_path 2>/dev/null
true
