# QMP over a real libxenvchan: a real QEMU (the bed's xen-qemu-system-i386,
# -machine none under qtest, no domain needed) runs in dom0 behind
# qmp-vchan-bridge; qmp-call in a PV domU talks to it over vchan
# (tests/xen/guest/qmp-vchan-client.sh). The stub-domain direction is the
# mirror image (bridge in the domU, client in dom0): the bed's guest image
# has no QEMU, so the QEMU side is dom0 here. Checked: query-status and
# query-version answered, 20 back-to-back sessions all greeted and
# answered, a client SIGKILLed mid-session noticed by the bridge, a client
# waiting behind it and the next one served; on SIGTERM the bridge
# withdraws its server; a bridge SIGKILLed while a client waits for its
# greeting is noticed by that client (connection failure, not a timeout).
. /opt/dmsup/tests/lib.sh

qemu=/usr/libexec/xen-qemu-system-i386
bridge=/opt/dmsup/bin/qmp-vchan-bridge
for f in "$qemu" "$bridge" /opt/dmsup/bin/qmp-call; do
	[ -x "$f" ] || fail "$f is missing"
done

qemu_pid= bridge_pid=
t70_cleanup() {
	[ -z "$bridge_pid" ] || kill "$bridge_pid" 2>/dev/null
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
	wait
	tb_cleanup
}
trap t70_cleanup EXIT

sock=$PWD/qmp.sock
"$qemu" -machine none -accel qtest -nodefaults -display none \
	-qmp "unix:$sock,server=on,wait=off" >qemu.log 2>&1 &
qemu_pid=$!
wait_until 60 test -S "$sock" || fail "QEMU made no QMP socket: $(cat qemu.log)"
out=$(qmp-call -t 60 "$sock" query-status 2>&1) || fail "QEMU in dom0 does not answer: $out"

guest_create -p g70 "qmp-vchan-client 0 data/qmp-vchan"
domid=$(xl domid g70) || fail "no domid for g70"
path=/local/domain/$domid/data/qmp-vchan

"$bridge" -v "$domid" "$path" "$sock" 2>bridge.log &
bridge_pid=$!
wait_until 60 xenstore-exists "$path/ring-ref" ||
	fail "the bridge published no server at $path: $(cat bridge.log)"
xl unpause g70 || fail "xl unpause g70"

# Phase 1 ends with data/t70-phase = done, or the guest's exit on failure.
phase1_over() {
	xs_is "/local/domain/$domid/data/t70-phase" done || guest_has_marker g70
}
wait_until 300 phase1_over || fail "the guest's client did not finish within 300 s"
if guest_has_marker g70; then
	guest_output g70
	echo "--- bridge log:"
	tail -n 40 bridge.log
	fail "the guest's client failed (rc $(guest_wait g70))"
fi

kill -0 "$bridge_pid" 2>/dev/null || fail "the bridge died: $(tail -n 20 bridge.log)"
# 2 + 20 + the killed one + the one waiting behind it + the one after.
n=$(grep -c 'session [0-9]*: client domain' bridge.log)
note "bridge served $n sessions"
[ "$n" -ge 25 ] || fail "the bridge saw $n sessions, expected at least 25"
grep -q 'session ended: client closed' bridge.log ||
	fail "the bridge never noticed a client gone: $(tail -n 20 bridge.log)"

kill -TERM "$bridge_pid"
wait "$bridge_pid" || fail "the bridge exited with $? on SIGTERM"
bridge_pid=
! xenstore-exists "$path/ring-ref" || fail "the bridge left $path/ring-ref behind"

# Phase 2: the bridge dies (SIGKILL) while the guest's client waits for a
# greeting that a stopped QEMU never sends; the client must notice.
kill -STOP "$qemu_pid"
"$bridge" -v "$domid" "$path" "$sock" 2>bridge2.log &
bridge_pid=$!
wait_until 60 xenstore-exists "$path/ring-ref" ||
	fail "the second bridge published no server: $(cat bridge2.log)"
xenstore-write "/local/domain/$domid/data/t70-go" 1
# The bridge unpublishes its server when a client connects.
wait_until 120 sh -c "! xenstore-exists $path/ring-ref" ||
	fail "the guest's client never connected to the second bridge"
kill -KILL "$bridge_pid"
wait "$bridge_pid"
bridge_pid=
kill -CONT "$qemu_pid"

rc=$(guest_wait g70 300)
guest_output g70
[ "$rc" = 0 ] || fail "the guest's client failed (rc $rc)"

domain_destroy g70
