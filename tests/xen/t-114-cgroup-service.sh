# dmsup in a service's cgroup, as systemd places it (issue 17,
# docs/restrict.md "The cgroup"). cgroup v2 keeps processes out of the
# children of a cgroup that holds processes once a controller is enabled
# there (pids made it a thread root; memory is refused), and out of such a
# cgroup itself once a child holds processes: dmsup must not enable one in
# the cgroup it runs in. The kernel's side is shown first, on scratch
# cgroups. Then, with the cgroups systemd would make (this dom0 has no
# systemd):
#  A. systemd 252 with Delegate= (Debian 12): dmsup in the service's own
#     cgroup. Each device model still gets a cgroup (cgroup.kill at its
#     death), without limits, status saying why; the service's
#     subtree_control stays empty, so a restarted dmsup joins it again
#     (what systemd does) and reattaches the device model.
#  B. systemd 254's DelegateSubgroup=supervisor: dmsup in SERVICE/
#     supervisor; the device models' cgroups are its siblings with
#     pids.max and memory.max, across a restart of dmsup too.
. /opt/dmsup/tests/dmsup-lib.sh

cgroot=/sys/fs/cgroup
scratch=$cgroot/t114-kernel
svc_a=$cgroot/t114a.service
svc_b=$cgroot/t114b.service

# A cgroup's processes are killed and it goes, children first.
cg_gone() {
	local d
	for d in $(find "$1" -mindepth 1 -depth -type d 2>/dev/null) "$1"; do
		[ -d "$d" ] || continue
		echo 1 >"$d/cgroup.kill" 2>/dev/null
		wait_until 10 rmdir "$d"
	done
}
t114_cleanup() {
	range_users_cleanup
	cg_gone "$scratch"
	cg_gone "$svc_a"
	cg_gone "$svc_b"
}

base=60000
range_user_add $base
trap t114_cleanup EXIT
for c in pids memory; do
	grep -qw $c $cgroot/cgroup.controllers || fail "dom0's cgroup2 offers no $c"
done
# The root may give controllers whatever it holds (as t-107 uses).
echo "+pids +memory" >$cgroot/cgroup.subtree_control

# in_cgroup CG CMD...: CMD run in cgroup CG (the shell joins, then execs).
in_cgroup() {
	local cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}
# dmsup_in CG: dmsup_start, with dmsup in cgroup CG.
dmsup_in() {
	# Not through in_cgroup: $! must be dmsup's pid, not a subshell's.
	sh -c 'echo $$ >"$0/cgroup.procs" && exec dmsup -f' "$1" >>dmsup.log 2>&1 &
	DMSUP_PID=$!
	wait_until 30 dmctl list || { cat dmsup.log; fail "dmsup in $1 did not answer within 30 s"; }
	grep -qx "0::${1#$cgroot}" /proc/$DMSUP_PID/cgroup ||
		fail "dmsup is in $(cat /proc/$DMSUP_PID/cgroup), not $1"
}
dmsup_restart_in() {
	kill $DMSUP_PID && wait $DMSUP_PID
	dmsup_in "$1"
}

note "the kernel: a controller enabled beside processes bars its children"
mkdir $scratch $scratch/child
in_cgroup $scratch sleep 1000 &
wait_until 10 grep -q . $scratch/cgroup.procs || fail "no process joined $scratch"
echo +pids >$scratch/cgroup.subtree_control ||
	fail "+pids in a cgroup with processes and an empty child was refused"
if in_cgroup $scratch/child true 2>/dev/null; then
	fail "a process joined $scratch/child, its parent holding processes and +pids"
fi
note "joining $scratch/child: refused (as a device model's cgroup was, before)"
cg_gone $scratch

# start_dm NAME: the device model of a new mkhvm domain NAME, restricted
# with a memory limit; its domid, pid and cgroup in $domid, $pid, $cg.
start_dm() {
	mkhvm_dom $1
	domid=$DOMID
	dm_config $1 $domid '"restrict": {"memory_mib": 256}'
	set_room $domid $(($(plan_item $1.json total) + 256))
	dmctl start $1.json || { cat dmsup.log; fail "dmctl start $1 failed"; }
	pid=$(dm_pid $1)
	[ -n "$pid" ] || fail "$1: no device model pid"
	cg=$(dmctl --json status $1 | sed -n 's/.*"cgroup": *"\([^"]*\)".*/\1/p' | sed 's,\\/,/,g')
	grep -qx "$pid" "$cg/cgroup.procs" 2>/dev/null || fail "$1: pid $pid is not in its cgroup '$cg'"
}
# kill_dm NAME: kill -9 of its QEMU leaves no process of its uid, and no
# cgroup.
kill_dm() {
	local uid=$((base + domid))
	kill -9 $pid
	wait_until 60 dm_state_is $1 crashed || { dmctl status $1; fail "$1 not crashed after kill -9"; }
	wait_until 30 no_uid_procs $uid || fail "$(uid_procs $uid) processes of uid $uid left"
	wait_until 30 [ ! -d "$cg" ] || fail "$cg is still there after the death"
}

note "A: dmsup in the service's cgroup (systemd 252, Delegate=)"
mkdir $svc_a
dmsup_in $svc_a
start_dm t114a
case "$cg" in $svc_a/dmsup-????????-t114a) ;; *) fail "the cgroup is '$cg', not under $svc_a" ;; esac
missing=$(dmctl --json status t114a | sed -n '/"missing"/,/]/p' | sed 's,\\/,/,g')
for c in pids memory; do
	echo "$missing" | grep -q "\"cgroup $c limit ($svc_a holds processes" ||
		fail "status does not say why there is no $c limit: $missing"
done
[ -z "$(cat $svc_a/cgroup.subtree_control)" ] ||
	fail "$svc_a enables '$(cat $svc_a/cgroup.subtree_control)' beside its processes"
note "a restart of dmsup, as systemd does it: the new dmsup joins $svc_a"
dmsup_restart_in $svc_a
[ "$(dm_pid t114a)" = "$pid" ] || fail "the restarted dmsup did not reattach pid $pid"
kill_dm t114a

note "B: dmsup in SERVICE/supervisor (systemd 254, DelegateSubgroup=supervisor)"
mkdir $svc_b
echo "+pids +memory" >$svc_b/cgroup.subtree_control
mkdir $svc_b/supervisor
kill $DMSUP_PID && wait $DMSUP_PID
dmsup_in $svc_b/supervisor
start_dm t114b
case "$cg" in $svc_b/dmsup-????????-t114b) ;; *) fail "the cgroup is '$cg', not beside $svc_b/supervisor" ;; esac
[ "$(cat $cg/pids.max)" = 256 ] || fail "pids.max is '$(cat $cg/pids.max)', not restrict.nproc's 256"
[ "$(cat $cg/memory.max)" = $((256 << 20)) ] || fail "memory.max is '$(cat $cg/memory.max)'"
dmctl --json status t114b | grep -q '"cgroup (\|"cgroup [a-z]* limit' && {
	dmctl --json status t114b; fail "status names a cgroup feature missing"; }
dmsup_restart_in $svc_b/supervisor
[ "$(dm_pid t114b)" = "$pid" ] || fail "the restarted dmsup did not reattach pid $pid"
[ "$(cat $cg/pids.max)" = 256 ] || fail "pids.max after the restart is '$(cat $cg/pids.max)'"
kill_dm t114b
