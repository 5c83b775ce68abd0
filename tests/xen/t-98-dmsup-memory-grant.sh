# A NIC hotplugged at runtime makes QEMU populate its option ROM in the
# guest: dmsup asks the toolstack first (memory-request in xenstore) and
# goes on only after a grant with the room really there. This script is
# the toolstack: it watches memory-request and grants (raising max_pages
# first), refuses, grants without raising, or stays silent. In every
# outcome the nodes go and QEMU keeps running.
. /opt/dmsup/tests/dmsup-lib.sh

name=t98-grant
# The room is exactly the plan: no page is left for a NIC's ROM.
dm_running $name
dmp=/local/domain/0/device-model/$domid
# The pages the plan gives an e1000's ROM (the same count at start).
dm_config nic $domid '"nics": [{"model": "e1000"}]'
rom=$(plan_item nic.json nic0.rom)
[ -n "$rom" ] && [ "$rom" -gt 0 ] || fail "the plan has no pages for an e1000 ROM"
dmctl status --watch $name >events.out 2>&1 &
watcher=$!
# Subscribed once its first status line is out: events come after that.
wait_until 30 grep -q "(domid $domid)" events.out ||
	fail "the watching client did not start: $(cat events.out)"

# toolstack: answers the next memory-request as $mode says: grant (raise
# max_pages by the pages asked, then grant), refuse, or grant-only (grant
# without raising). Leaves what it saw in request.seen and the nodes'
# permissions in perms.seen. Its xenstore-watch writes into a FIFO, so
# that it can be ended once the answer is written.
toolstack() {
	rm -f request.seen perms.seen watch.fifo
	mkfifo watch.fifo || fail "mkfifo"
	xenstore-watch $dmp/memory-request >watch.fifo &
	wpid=$!
	while read -r _; do
		req=$(xenstore-read $dmp/memory-request 2>/dev/null) || continue
		[ -n "$req" ] || continue
		echo "$req" >request.seen
		xenstore-ls -p $dmp >perms.seen 2>&1
		set -- $req
		case $mode in
		grant)
			eval "$(xcinfo $domid)"
			xcinfo --set-max-pages $domid $((max_pages + $2)) >/dev/null
			xenstore-write $dmp/memory-grant "$1 granted" ;;
		refuse)
			xenstore-write $dmp/memory-grant "$1 refused the pool has no $2 pages left" ;;
		grant-only)
			xenstore-write $dmp/memory-grant "$1 granted" ;;
		esac
		break
	done <watch.fifo
	kill $wpid # ends the watch ("Terminated" in the output)
	wait $wpid
}

# answer MODE: the stand-in, started before the operation it answers.
answer() {
	(mode=$1; toolstack) &
	ts=$!
}

# answered: the stand-in saw the request, answered and is gone.
answered() {
	wait_until 60 exited $ts || fail "the toolstack stand-in did not finish"
	wait $ts
	[ -s request.seen ] || fail "the toolstack stand-in saw no memory-request"
}

nodes_gone() {
	! xenstore-exists $dmp/memory-request && ! xenstore-exists $dmp/memory-grant
}

# after_failure STEP TEXT: dmctl failed naming STEP and TEXT, the nodes are
# gone, QEMU still runs and has no NIC.
after_failure() {
	cat attach.out
	grep -q "$1: .*$2" attach.out || fail "nic-attach did not fail at $1 with '$2'"
	nodes_gone || fail "memory-request or memory-grant left in xenstore"
	! exited $pid || fail "QEMU exited"
	dmctl qmp $name query-pci >pci.out || fail "QMP query-pci failed after the failure"
	! grep -q '"qdev_id": *"nic' pci.out || fail "a NIC was added: $(grep qdev_id pci.out)"
}

note "refused: dmctl fails with the toolstack's text"
answer refuse
dmctl nic-attach $name e1000,id=nic2 >attach.out 2>&1 && fail "nic-attach succeeded on a refusal"
answered
after_failure memory "the pool has no $rom pages left"

note "granted without raising max_pages: fails with the shortfall"
answer grant-only
dmctl nic-attach $name e1000,id=nic3 >attach.out 2>&1 && fail "nic-attach succeeded without room"
answered
after_failure memory "needs $rom more pages"

note "nobody answers: fails naming the timeout"
dmctl set $name memory_grant_timeout=3 >/dev/null || fail "dmctl set memory_grant_timeout failed"
dmctl nic-attach $name e1000,id=nic4 >attach.out 2>&1 && fail "nic-attach succeeded with no answer"
after_failure memory "no answer from the toolstack in 3 s"
dmctl set $name memory_grant_timeout=60 >/dev/null || fail "dmctl set memory_grant_timeout failed"

note "granted after raising max_pages: the NIC is added with exactly its ROM's pages"
eval "$(xcinfo $domid)"
tot_before=$tot_pages
answer grant
dmctl nic-attach $name e1000,mac=00:16:3e:00:00:98,id=nic1 >attach.out 2>&1 || {
	cat attach.out dmsup.log
	fail "nic-attach failed after a grant"
}
answered
cat attach.out request.seen
grep -q "^[0-9]* $rom hotplug-nic:nic1:e1000\$" request.seen ||
	fail "memory-request was '$(cat request.seen)', not '<id> $rom hotplug-nic:nic1:e1000'"
grep -q "memory-request .*(n0)" perms.seen && grep -q "memory-grant .*(n0)" perms.seen ||
	fail "the nodes are not dom0's alone (n0): $(cat perms.seen)"
eval "$(xcinfo $domid)"
[ $((tot_pages - tot_before)) = "$rom" ] ||
	fail "tot_pages grew by $((tot_pages - tot_before)), not the plan's $rom"
nodes_gone || fail "memory-request or memory-grant left in xenstore after the grant"
dmctl qmp $name query-pci >pci.out || fail "QMP query-pci failed"
grep -q '"qdev_id": *"nic1"' pci.out || fail "query-pci does not list nic1"
! exited $pid || fail "QEMU exited"

note "nic-detach asks QEMU to remove it; an unknown id fails at qmp"
dmctl nic-detach $name nic1 || fail "nic-detach nic1 failed"
dmctl nic-detach $name nic9 >detach.out 2>&1 && fail "nic-detach of an unknown id succeeded"
grep -q "qmp: .*nic9" detach.out || fail "nic-detach nic9 did not fail at qmp: $(cat detach.out)"
! exited $pid || fail "QEMU exited"
dmctl stop $name || fail "dmctl stop failed"

note "the watching client saw every request and its end"
wait_until 30 grep -q '"result":"done"' events.out ||
	fail "the watcher did not see the granted request end: $(cat events.out)"
kill $watcher
cat events.out
[ "$(grep -c '"event":"memory-request",' events.out)" = 4 ] ||
	fail "the watcher did not see 4 memory-request events"
grep -q "\"pages\":$rom,\"reason\":\"hotplug-nic:nic1:e1000\"" events.out ||
	fail "no memory-request event for nic1's $rom pages"
for result in refused failed timeout done; do
	grep -q "\"event\":\"memory-request-done\".*\"result\":\"$result\"" events.out ||
		fail "no memory-request-done event with result $result"
done
