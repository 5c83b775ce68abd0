# Benchmark (bed, run by run-bench): dmsup's two device-model kinds for
# the same HVM guest (mkhvm, 64 MiB, stdvga 16 MiB, boot n, as t-9x),
# against xl's stub path (issue 7):
#   (a) `dmctl start` -> ready (dmctl returns), kind dom0;
#   (b) the same, kind stubdom-linux (stub built, booted, its QEMU running
#       and answering QMP over vchan);
#   (c) `xl create` with device_model_stubdomain_override=1 and our image
#       (b-80's runs, from $BENCH_FIGURES; measured here if b-80 did not run);
#   (d) one QMP command (query-status) as a new process each time:
#       `dmctl qmp` (through dmsup's session) to the dom0 QEMU (unix socket)
#       and to the stub's (vchan), then, with dmsup killed (-9; its device
#       models live on and are adopted again), `qmp-call` straight to the
#       same two QEMUs (a whole session each: greeting, capabilities);
#   (e) a stub domain's death until dmsup reports it crashed (the crashed
#       event on `dmctl status --watch`, stamped as it arrives): after
#       `xl destroy STUB`, and after QMP `quit` to the stub's QEMU;
#   (f) `dmctl stop` -> the device model gone (the stub domain gone or
#       dying, which it stays while its target lives; the dom0 QEMU exited).
# Median and maximum, in ms, of N starts of each kind (the stub: 3N, as
# (e) starts its own) and of Q QMP commands. Prints "bench: ..." lines and
# a table at the end; asserts nothing about speed.
mkdir -p /tmp/b81 && cd /tmp/b81 || exit 1
. /opt/dmsup/tests/dmsup-lib.sh
. /opt/dmsup/bench/bench-lib.sh
mkdir -p "$DMSUP_STATE_DIR" "$DMSUP_LOG_DIR"

N=3
Q=50
watch_pid= stamp_pid= rows=

b81_cleanup() {
	watch_end
	dm_cleanup
}
trap b81_cleanup EXIT

# timed LIST CMD...: runs CMD; appends its microseconds to the variable LIST.
timed() {
	local _list=$1 _t0 _rc
	shift
	now_us
	_t0=$NOW
	"$@"
	_rc=$?
	now_us
	eval "$_list=\"\$$_list $((NOW - _t0))\""
	return $_rc
}

# figure LABEL US...: a line now (with each run's ms, if few) and a row
# of the closing table.
figure() {
	local label=$1 med mx each= t
	shift
	[ $# -gt 0 ] || { say "$label: no runs"; return 0; }
	med=$(ms "$(median "$@")") mx=$(ms "$(maxof "$@")")
	[ $# -gt 10 ] || for t; do each="$each $(ms $t)"; done
	say "$label: median $med ms, max $mx ms (of $#${each:+:$each})"
	rows="$rows$label|$med|$mx|$#
"
}

table() {
	say ""
	say "$(printf '%-58s %10s %10s %4s' '' 'median ms' 'max ms' 'n')"
	printf %s "$rows" | while IFS='|' read -r l m x n; do
		say "$(printf '%-58s %10s %10s %4s' "$l" "$m" "$x" "$n")"
	done
}

# start_dm KIND NAME LIST: a fresh mkhvm target with room for the plan of
# a KIND (dom0 or stubdom-linux) device model; `dmctl start`, timed into
# LIST. Sets domid, stub (stubdom-linux) and pid (dom0).
start_dm() {
	mkhvm_dom $2
	domid=$DOMID
	if [ $1 = dom0 ]; then
		dm_config $2 $domid
		set_room $domid $(plan_item $2.json total) >/dev/null
	else
		linux_stub_config $2 $domid >/dev/null
	fi
	timed $3 dmctl start $2.json >/dev/null ||
		{ tail -n 30 dmsup.log; dmctl log -n 40 $2; fail "dmctl start $2 failed"; }
	stub=$(dm_field $2 stub_domid) pid=$(dm_pid $2)
	[ -z "$stub" ] || TB_DOMAINS="$TB_DOMAINS $stub"
}

# The stub may stay dying while its target lives (its ioreq server, t-80).
dead_or_dying() {
	! xl list $1 >/dev/null 2>&1 || xl list $1 | awk 'NR == 2 { exit !($5 ~ /d/) }'
}

# stopped NAME PID|STUB: `dmctl stop NAME` returned and its device model
# (the dom0 QEMU PID, or the stub domain STUB) is gone.
stopped() {
	dmctl stop $1 >/dev/null || return 1
	if [ $(dm_field $1 kind) = dom0 ]; then
		wait_until 30 exited $2
	else
		wait_until 30 dead_or_dying $2
	fi
}

# end_dm NAME DOMID: the domain forgotten by dmsup, its target destroyed.
end_dm() {
	dmctl stop $1 >/dev/null 2>&1
	dmctl undefine $1 >/dev/null 2>&1
	mkhvm --destroy $2 >/dev/null || fail "mkhvm --destroy $2 failed"
	DM_DOMIDS=$(echo $DM_DOMIDS | tr ' ' '\n' | grep -vx $2 | tr '\n' ' ')
}

# stamp: each line of the input, prefixed with the microseconds it came at.
stamp() {
	while IFS= read -r line; do
		now_us
		echo "$NOW $line"
	done
}

# watch_begin NAME: `dmctl status --watch NAME`, stamped, into watch.out;
# returns once its first reply (the current state) is in.
watch_begin() {
	rm -f watch.fifo watch.out
	mkfifo watch.fifo || fail "mkfifo failed"
	stamp <watch.fifo >watch.out &
	stamp_pid=$!
	dmctl status --watch $1 >watch.fifo 2>&1 &
	watch_pid=$!
	wait_until 30 grep -q ': running' watch.out ||
		fail "dmctl status --watch $1 did not say running: $(cat watch.out)"
}

watch_end() {
	[ -z "$watch_pid" ] || { kill $watch_pid 2>/dev/null; wait $watch_pid 2>/dev/null; }
	[ -z "$stamp_pid" ] || wait $stamp_pid 2>/dev/null
	watch_pid= stamp_pid=
}

# crash_after LIST RLIST NAME CMD...: CMD kills NAME's stub domain;
# appends the microseconds from CMD's start to the crashed event to LIST,
# and to CMD's return to RLIST (the event may come before it).
crash_after() {
	local list=$1 rlist=$2 name=$3 t0 tc
	shift 3
	watch_begin $name
	now_us
	t0=$NOW
	"$@" >/dev/null 2>&1
	now_us
	eval "$rlist=\"\$$rlist $((NOW - t0))\""
	wait_until 60 grep -q ': crashed' watch.out ||
		fail "dmsup did not report $name crashed: $(dmctl status $name)"
	tc=$(sed -n 's/^\([0-9]*\) .*: crashed.*/\1/p' watch.out | head -n 1)
	watch_end
	eval "$list=\"\$$list $((tc - t0))\""
}

# qmp_runs LIST CMD...: CMD (one QMP command) Q times, each timed.
qmp_runs() {
	local list=$1 i
	shift
	for i in $(seq $Q); do
		timed $list "$@" >/dev/null || fail "$* failed (number $i)"
	done
}

qmp_ok() { "$@" 2>/dev/null | grep -q '"running"'; }

dmsup_start
d0_start= d0_stop= st_start= st_stop= destroy_crash= quit_crash= destroy_ret= quit_ret=

# (a) and (f), dom0; the first one stays for (d).
for i in $(seq $N); do
	start_dm dom0 b81-d0-$i d0_start
	[ $i = 1 ] && { d0_domid=$domid d0_pid=$pid; continue; }
	timed d0_stop stopped b81-d0-$i $pid || fail "dmctl stop b81-d0-$i failed"
	end_dm b81-d0-$i $domid
done
# (b) and (f), the stub; the first one stays for (d).
for i in $(seq $N); do
	start_dm stubdom-linux b81-st-$i st_start
	[ $i = 1 ] && { st_domid=$domid st_stub=$stub; continue; }
	timed st_stop stopped b81-st-$i $stub || fail "dmctl stop b81-st-$i failed"
	end_dm b81-st-$i $domid
done

# (d)
# (the QMP address from the text status: --json escapes its slashes)
dm_qmp() { dmctl status $1 | awk '$1 == "qmp" { print $2 }'; }
unix=$(dm_qmp b81-d0-1) vchan=$(dm_qmp b81-st-1)
[ -S "$unix" ] || fail "no QMP socket for b81-d0-1: '$unix'"
case $vchan in vchan:*) ;; *) fail "no vchan QMP address for b81-st-1: '$vchan'" ;; esac
dmctl_unix= dmctl_vchan= call_unix= call_vchan=
qmp_runs dmctl_unix dmctl qmp b81-d0-1 query-status
qmp_runs dmctl_vchan dmctl qmp b81-st-1 query-status
kill -9 $DMSUP_PID
wait $DMSUP_PID 2>/dev/null
DMSUP_PID=
# The QEMU and the stub's bridge take the next client once they saw
# dmsup's session end.
wait_until 60 qmp_ok qmp-call -t 10 "$unix" query-status ||
	fail "qmp-call $unix does not answer with dmsup gone"
wait_until 60 qmp_ok qmp-call -t 10 "$vchan" query-status ||
	fail "qmp-call $vchan does not answer with dmsup gone"
qmp_runs call_unix qmp-call -t 10 "$unix" query-status
qmp_runs call_vchan qmp-call -t 10 "$vchan" query-status
dmsup_start
wait_until 60 qmp_ok dmctl qmp b81-d0-1 query-status || fail "dmsup did not adopt b81-d0-1 again"
wait_until 60 qmp_ok dmctl qmp b81-st-1 query-status || fail "dmsup did not adopt b81-st-1 again"
timed d0_stop stopped b81-d0-1 $d0_pid || fail "dmctl stop b81-d0-1 failed"
end_dm b81-d0-1 $d0_domid
timed st_stop stopped b81-st-1 $st_stub || fail "dmctl stop b81-st-1 failed"
end_dm b81-st-1 $st_domid

# (e), each crash on a stub of its own (their starts count in (b)).
for i in $(seq $N); do
	start_dm stubdom-linux b81-xd-$i st_start
	crash_after destroy_crash destroy_ret b81-xd-$i xl destroy $stub
	end_dm b81-xd-$i $domid
done
for i in $(seq $N); do
	start_dm stubdom-linux b81-qq-$i st_start
	crash_after quit_crash quit_ret b81-qq-$i dmctl qmp b81-qq-$i quit
	end_dm b81-qq-$i $domid
done

# (c), b-80's runs if it ran in this boot.
xl_times=
[ -f "$BENCH_FIGURES" ] && . "$BENCH_FIGURES"
[ -n "$xl_times" ] || xl_stub_runs $N 240
xl_us=
for t in $xl_times; do xl_us="$xl_us $((t * 10000))"; done

# shellcheck disable=SC2086
{
	figure "(a) dmctl start -> ready, dom0 QEMU" $d0_start
	figure "(b) dmctl start -> ready, stubdom-linux" $st_start
	figure "(c) xl create, stub override, our image (10 ms res.)" $xl_us
	figure "(d) dmctl qmp query-status, dom0 (unix)" $dmctl_unix
	figure "(d) dmctl qmp query-status, stubdom-linux (vchan)" $dmctl_vchan
	figure "(d) qmp-call query-status, unix (no dmsup)" $call_unix
	figure "(d) qmp-call query-status, vchan (no dmsup)" $call_vchan
	figure "(e) xl destroy STUB -> dmsup event crashed" $destroy_crash
	figure "(e)   xl destroy STUB -> xl returned" $destroy_ret
	figure "(e) QMP quit in the stub -> dmsup event crashed" $quit_crash
	figure "(e)   dmctl qmp quit -> dmctl returned" $quit_ret
	figure "(f) dmctl stop -> dom0 QEMU exited" $d0_stop
	figure "(f) dmctl stop -> stub domain gone or dying" $st_stop
}
table
