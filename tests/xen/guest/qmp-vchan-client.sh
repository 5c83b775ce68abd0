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

# query-status, query-version, 20 sessions, a client killed mid-session,
# the ones after it (shared with t-81, the other direction:
# tests/xen/qmp-vchan-sessions.sh).
qmp-vchan-sessions "$addr" running $T || exit 1

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
