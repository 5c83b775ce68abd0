# Benchmark (bed, run by run-bench): QMP round trip to one QEMU over a unix
# socket (qmp-rtt in dom0) vs over vchan (qmp-rtt in a PV domU, through
# qmp-vchan-bridge in dom0), and the session setup time of each
# (connect to READY). Prints "bench: ..." lines; asserts nothing about
# speed.
. /opt/dmsup/tests/lib.sh
cd /tmp || exit 1

say() { echo "bench: $*"; }

qemu=/usr/libexec/xen-qemu-system-i386
rtt=/opt/dmsup/tests/qmp-rtt
sock=/tmp/b70-qmp.sock
qemu_pid= bridge_pid=
b70_cleanup() {
	[ -z "$bridge_pid" ] || kill "$bridge_pid" 2>/dev/null
	[ -z "$qemu_pid" ] || kill "$qemu_pid" 2>/dev/null
	wait
	tb_cleanup
}
trap b70_cleanup EXIT

"$qemu" -machine none -accel qtest -nodefaults -display none \
	-qmp "unix:$sock,server=on,wait=off" >/tmp/b70-qemu.log 2>&1 &
qemu_pid=$!
wait_until 60 test -S "$sock" || fail "QEMU made no QMP socket"

out=$("$rtt" -n 1000 "$sock") || fail "qmp-rtt over the unix socket failed"
say "QMP $out"

# Three sessions: the first one also pays for the guest's first use of
# its grant and event-channel devices.
guest_create -p b70 \
	'a=vchan:0:/local/domain/$(xenstore-read domid)/data/qmp-vchan; for i in 1 2 3; do qmp-rtt -n 1000 $a || exit 1; done'
domid=$(xl domid b70) || fail "no domid for b70"
path=/local/domain/$domid/data/qmp-vchan
/opt/dmsup/bin/qmp-vchan-bridge "$domid" "$path" "$sock" 2>/tmp/b70-bridge.log &
bridge_pid=$!
wait_until 60 xenstore-exists "$path/ring-ref" || fail "no vchan server"
xl unpause b70 || fail "xl unpause b70"
rc=$(guest_wait b70 300)
[ "$rc" = 0 ] || fail "qmp-rtt over vchan failed: $(guest_output b70)"
guest_output b70 | while read -r line; do
	say "QMP $line (domU -> dom0)"
done
domain_destroy b70
