# Benchmark (bed, run by run-bench): the MiniOS command/state handshake
# round trip through the real xenstored, dom0 (stubdom-hs-drive, the
# library) to minios-agent in a PV domU playing the stub domain and back:
# 1000 save/continue commands, median and p99, beside the same protocol
# written bare and the one-hop xenstore write+watch floor measured in the
# same run, and their ratios. Prints "bench: ..." lines; asserts nothing
# about speed.
. /opt/dmsup/tests/lib.sh
cd /tmp || exit 1

say() { echo "bench: $*"; }

N=1000

# A target domain (runs nothing) and its stub domain (the agent), both
# created paused, the layout written, then both unpaused, as in t-60.
guest_create -p b60-target ""
guest_create -p b60-stub minios-agent
t=$(xl domid b60-target) || fail "no domid for b60-target"
s=$(xl domid b60-stub) || fail "no domid for b60-stub"
vm=$(xenstore-read "/local/domain/$t/vm") || fail "no /vm path for b60-target"
stubdom-hs-drive setup "$t" "$s" "${vm#/vm/}" -xen-domid "$t" -nodefaults \
	-m 48 || fail "stubdom-hs-drive setup failed"
xl unpause b60-target || fail "xl unpause b60-target"
xl unpause b60-stub || fail "xl unpause b60-stub"
wait_until 60 grep -q 'minios-agent: ready' "$(guest_log b60-stub)" ||
	fail "the agent did not start: $(tail -n 5 "$(guest_log b60-stub)")"

out=$(timeout 600 stubdom-hs-drive bench "$t:$s" "$N" 2>&1) ||
	fail "stubdom-hs-drive bench failed: $out"
echo "$out" | while read -r line; do
	say "MiniOS handshake $line"
done

domain_destroy b60-stub
domain_destroy b60-target
