# The real xenstored: what dom0 writes it reads back, a watch fires on a
# write, and a node dom0 gives a guest read-only access to can be read but
# not written from that guest.
. /opt/dmsup/tests/lib.sh

base=/dmsup-test/t10

# xenstore-write then xenstore-read returns the value, also an empty one
# and one with spaces.
xenstore_round_trip() {
	xenstore-write "$base/a" "hello xenstore" "$base/empty" "" ||
		fail "xenstore-write failed"
	[ "$(xenstore-read "$base/a")" = "hello xenstore" ] ||
		fail "read back '$(xenstore-read "$base/a" 2>&1)', wrote 'hello xenstore'"
	[ "$(xenstore-read "$base/empty")" = "" ] || fail "empty value read back non-empty"
	xenstore-list "$base" | grep -qx a || fail "xenstore-list $base does not list a"
	xenstore-rm "$base/a"
	! xenstore-exists "$base/a" || fail "$base/a still exists after xenstore-rm"
}

watch_lines() {
	[ "$(wc -l <watch.out)" -ge "$1" ]
}

# A watch fires once when registered, then once for a write to the node.
xenstore_watch_fires_on_write() {
	xenstore-write "$base/w" before
	xenstore-watch -n 2 "$base/w" >watch.out 2>&1 &
	pid=$!
	wait_until 30 watch_lines 1 || fail "xenstore-watch: no registration event within 30 s"
	xenstore-write "$base/w" after
	wait_until 30 watch_lines 2 || fail "xenstore-watch: the write did not fire within 30 s: $(cat watch.out)"
	wait "$pid" || fail "xenstore-watch -n 2 exited with an error: $(cat watch.out)"
	[ "$(sed -n 2p watch.out)" = "$base/w" ] || fail "the watch fired for '$(sed -n 2p watch.out)'"
}

# dom0 writes a node under the guest's home and grants the guest read access
# only (n0 = owned by dom0, nobody else; rN = domain N may read). The guest
# reads it (relative path = under its home), fails to write it, and, as a
# control, can write its own data/ node.
xenstore_guest_read_only() {
	guest_create -p t10guest "xenstore-read dmsup-ro; \
xenstore-write dmsup-ro changed && echo RO-WRITE-ALLOWED || echo RO-WRITE-DENIED; \
xenstore-write data/t10 ok && echo OWN-WRITE-ALLOWED"
	domid=$(xl domid t10guest) || fail "no domid for t10guest"
	home=/local/domain/$domid
	xenstore-write "$home/dmsup-ro" "set by dom0" || fail "dom0 cannot write $home/dmsup-ro"
	xenstore-chmod "$home/dmsup-ro" n0 "r$domid" || fail "xenstore-chmod failed"
	xl unpause t10guest || fail "xl unpause failed"
	rc=$(guest_wait t10guest)
	out=$(guest_output t10guest)
	note "guest said: $out"
	[ "$rc" = 0 ] || fail "the guest's commands exited with $rc"
	echo "$out" | grep -qx "set by dom0" || fail "the guest could not read its read-only node"
	echo "$out" | grep -qx RO-WRITE-DENIED || fail "the guest could write a node it may only read"
	echo "$out" | grep -qx OWN-WRITE-ALLOWED || fail "the guest could not write its own data/ node"
	[ "$(xenstore-read "$home/dmsup-ro")" = "set by dom0" ] || fail "the read-only node changed"
	[ "$(xenstore-read "$home/data/t10")" = ok ] || fail "the guest's own write is not visible in dom0"
	domain_destroy t10guest
}

xenstore_round_trip
xenstore_watch_fires_on_write
xenstore_guest_read_only
xenstore-rm /dmsup-test
