# The QEMU in a Linux stub domain (mkhvm + mkstub, as t-80) answers QMP
# from dom0 over libxenvchan: the stub's qmp-vchan-bridge serves it at
# /local/domain/<stub>/device-model/<target>/qmp-vchan. query-status and
# query-version answer; 20 back-to-back sessions are all greeted and
# answered; a client SIGKILLed mid-session leaves the bridge serving the
# one waiting behind it and the next one (tests/xen/qmp-vchan-sessions.sh,
# also run by t-70's guest).
. /opt/dmsup/tests/lib.sh

name=t81-guest
target=
stub=
stubname=$name-dm
stublog=$DMSUP_CONSOLE_DIR/guest-$stubname.log
# Generous: the stub's QEMU runs under TCG on a shared machine.
T=60

cleanup() {
	[ -n "$stub" ] && mkstub --destroy $stub >/dev/null 2>&1
	[ -n "$target" ] && mkhvm --destroy $target >/dev/null 2>&1
	tb_cleanup
}
trap cleanup EXIT

# fail_diag MESSAGE: fail, after what the failure needs to be understood.
fail_diag() {
	tb_diagnose "$stublog" "$target" ${stub:+/local/domain/$stub}
	fail "$@"
}

# call COMMAND: one qmp-call session over vchan; its output, or the test fails.
call() {
	out=$(qmp-call -t $T "$addr" "$1" 2>&1) || fail_diag "qmp-call $addr $1: $out"
	echo "$out"
}

rm -f "$stublog"
target=$(mkhvm -n $name) || fail "mkhvm failed"
t0=$(cut -d" " -f1 /proc/uptime)
rc=0
stub=$(mkstub -n $stubname -k /opt/dmsup/guest/vmlinux -c "console=hvc0 rootfstype=ramfs" -t 120 $target 2>mkstub.err) || rc=$?
cat mkstub.err
[ $rc -eq 0 ] || fail_diag "mkstub $target exited with $rc"
t1=$(cut -d" " -f1 /proc/uptime)
path=/local/domain/$stub/device-model/$target/qmp-vchan
addr=vchan:$stub:$path
note "stub $stub serves domain $target; QMP at $addr"

out=$(call query-status) || exit 1
t2=$(cut -d" " -f1 /proc/uptime)
echo "query-status: $out"
echo "$out" | grep -q '"status":"[a-z-]*"' || fail_diag "query-status has no status: $out"
note "$(awk -v a=$t0 -v b=$t1 -v c=$t2 'BEGIN { printf "stub start -> running: %.2f s; -> first vchan QMP answer: %.2f s", b - a, c - a }')"
# xenconsoled writes the stub's console to the file in its own time.
wait_until 30 grep -q "^stub: exec qmp-vchan-bridge 0 $path " "$stublog" ||
	fail_diag "the stub's console does not show the bridge started for dom0 at $path"

# 20 sessions, a client killed mid-session while another waits, the ones
# after it (shared with t-70's guest, the other direction).
sh /opt/dmsup/tests/qmp-vchan-sessions.sh "$addr" '[a-z-]*' $T >sessions.out 2>&1
rc=$?
sed 's/^/-- /' sessions.out
[ $rc -eq 0 ] || fail_diag "the sessions over vchan: $(grep '^FAIL' sessions.out)"

note "destroying the stub, then the guest"
mkstub --destroy $stub || fail "mkstub --destroy $stub failed"
xenstore-exists /local/domain/$stub && fail "xenstore /local/domain/$stub survived the stub's destruction"
stub=
mkhvm --destroy $target || fail "mkhvm --destroy $target failed"
domain_exists $name && fail "$name still exists after mkhvm --destroy"
target=
