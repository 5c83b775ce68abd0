#!/bin/sh
# The sessions part of the qmp-vchan tests, run the same way on either
# side of the bridge (qmp-vchan-bridge): in the guest by
# tests/xen/guest/qmp-vchan-client.sh (t-70: the bridge in dom0), and in
# dom0 by t-81 (the bridge in a Linux stub domain). Installed as
# /opt/dmsup/tests/qmp-vchan-sessions.sh in dom0 and as
# /usr/bin/qmp-vchan-sessions in the guest (tests/xen/module.mk).
#
#   qmp-vchan-sessions ADDR STATUS [SECONDS]
#
# ADDR is qmp-call's vchan:DOMID:PATH; STATUS a grep pattern that every
# query-status answer's status matches; SECONDS each qmp-call's timeout
# (default 60: TCG is slow and the machine shared). Runs, in the current
# directory:
#  - query-status, then query-version (QEMU's version in it);
#  - 20 back-to-back sessions, each greeted and answered;
#  - a client SIGKILLed mid-session while a second one waits behind it:
#    the waiting one is then served, and so is the next one.
# Prints one line per step; exits 1 at the first failure, saying which
# ("FAIL: ...").

addr=$1
status=$2
T=${3:-60}

fail() {
	echo "FAIL: $*"
	exit 1
}

# call COMMAND: one qmp-call session; its output, or the script fails.
call() {
	out=$(qmp-call -t $T "$addr" "$1" 2>&1) || fail "qmp-call $addr $1: $out"
	echo "$out"
}

has_status() {
	echo "$1" | grep -q "\"status\":\"$status\""
}

[ -n "$addr" ] && [ -n "$status" ] || fail "usage: qmp-vchan-sessions ADDR STATUS [SECONDS]"

out=$(call query-status) || exit 1
echo "query-status: $out"
has_status "$out" || fail "query-status is not '$status': $out"

out=$(call query-version) || exit 1
echo "query-version: $out"
echo "$out" | grep -q '"qemu":{"micro":[0-9]*,"minor":[0-9]*,"major":[0-9]*}' ||
	fail "query-version has no QEMU version: $out"

i=1
while [ $i -le 20 ]; do
	out=$(call query-status) || exit 1
	has_status "$out" || fail "session $i: $out"
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
# Bounded: qmp-call gives up after $T s, closing the FIFO.
head -c 1 <&3 >first.byte
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
has_status "$(cat waiting.out)" || fail "waiting client: $(cat waiting.out)"
echo "the client that waited: $(cat waiting.out)"

# The next client gets a fresh greeting (a leftover of an earlier
# session's reply would be a protocol error) and an answer.
out=$(call query-status) || exit 1
has_status "$out" || fail "after the kill: $out"
echo "after the kill: $out"
