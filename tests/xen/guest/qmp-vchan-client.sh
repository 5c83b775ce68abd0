#!/bin/sh
# Guest side of tests/xen/t-70-qmp-vchan.sh (busybox sh, run by the bed's
# guest /init): qmp-call in this domU talks over libxenvchan to
# qmp-vchan-bridge in domain SERVER_DOMID, which bridges to a real QEMU.
#
#   qmp-vchan-client SERVER_DOMID RELPATH
#
# The server is at /local/domain/<this domain>/RELPATH. Prints one line per
# step; exits non-zero at the first failure, saying which.

cd /tmp || exit 1
server=$1
home=/local/domain/$(xenstore-read domid)
path=$home/$2
addr=vchan:$server:$path
# Generous: TCG is slow and the machine is shared.
T=60

fail() {
	echo "FAIL: $*"
	exit 1
}

# call COMMAND: one qmp-call session; its output, or the test fails.
call() {
	out=$(qmp-call -t $T "$addr" "$1" 2>&1) || fail "qmp-call $addr $1: $out"
	echo "$out"
}

out=$(call query-status) || exit 1
echo "query-status: $out"
echo "$out" | grep -q '"status":"running"' || fail "query-status is not running: $out"

out=$(call query-version) || exit 1
echo "query-version: $out"
echo "$out" | grep -q '"qemu":{"micro":[0-9]*,"minor":[0-9]*,"major":[0-9]*}' ||
	fail "query-version has no QEMU version: $out"

i=1
while [ $i -le 20 ]; do
	out=$(call query-status) || exit 1
	echo "$out" | grep -q '"status":"running"' || fail "session $i: $out"
	i=$((i + 1))
done
echo "20 back-to-back sessions: all answered"

# A client killed mid-session: qmp-call receives query-qmp-schema (larger
# than a pipe) and blocks writing it to a FIFO nobody drains, its vchan
# session still open; it is SIGKILLed there.
rm -f schema.fifo first.byte
mkfifo schema.fifo || fail "mkfifo"
qmp-call -t $T "$addr" query-qmp-schema >schema.fifo 2>killed.err &
pid=$!
exec 3<schema.fifo
head -c 1 <&3 >first.byte
n=600
while [ ! -s first.byte ] && [ $n -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ -s first.byte ] || fail "the client to kill never got its reply: $(cat killed.err)"

# One client at a time: a second one started now waits (its connects find
# no server) until the first is gone, and is then served.
qmp-call -t $T "$addr" query-status >waiting.out 2>&1 &
waiting=$!
kill -9 $pid
wait $pid 2>/dev/null
exec 3<&-
echo "client $pid killed mid-session"
wait $waiting || fail "the client waiting behind the killed one: $(cat waiting.out)"
grep -q '"status":"running"' waiting.out || fail "waiting client: $(cat waiting.out)"
echo "the client that waited: $(cat waiting.out)"

# The next client gets a fresh greeting (a leftover of an earlier
# session's reply would be a protocol error) and an answer.
out=$(call query-status) || exit 1
echo "$out" | grep -q '"status":"running"' || fail "after the kill: $out"
echo "after the kill: $out"

# Phase 2.
xenstore-write "$home/data/t70-phase" done || fail "xenstore-write t70-phase"
n=1200
while ! xenstore-exists "$home/data/t70-go" && [ $n -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ $n -gt 0 ] || fail "dom0 never said go for phase 2"
out=$(qmp-call -t 120 "$addr" query-status 2>&1)
rc=$?
[ $rc = 3 ] || fail "with the bridge killed mid-session: exit $rc, expected 3: $out"
echo "bridge killed mid-session: $out"
