# A deprivileged dom0 device model (issue 17, docs/restrict.md): with the
# host set up as for libxl's dm_restrict (a user xen-qemuuser-range-base),
# dmsup's default (restrict mode auto) runs QEMU as base + domid with
# -xen-domid-restrict, in its chroot, with no_new_privs, in a mount
# namespace of its own whose root is a read-only tmpfs with a private
# /tmp (dom0's chroot directory holds only rom/, empty); the guest's
# firmware runs, dmctl qmp answers; QEMU is in its cgroup v2 with
# pids.max and memory.max, a fork bomb inside is capped by it; after
# kill -9 cgroup.kill and the reaper leave no process of that uid (also
# one planted outside QEMU's process group and cgroup), the cgroup goes.
. /opt/dmsup/tests/dmsup-lib.sh

base=60000
range_user_add $base

name=t107-restrict
mkhvm_dom $name
domid=$DOMID
uid=$((base + domid))
dmsup_start
dm_config $name $domid '"restrict": {"memory_mib": 256}'
set_room $domid $(($(plan_item $name.json total) + 256))

note "dmctl start: QEMU runs as uid $uid (range base $base + domid $domid)"
dmctl start $name.json || { cat dmsup.log "$DMSUP_LOG_DIR/$name.log"; fail "dmctl start failed"; }
pid=$(dm_pid $name)
[ -n "$pid" ] && ! exited $pid || fail "no live device model after start (pid '$pid')"
grep -q "^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid\$" /proc/$pid/status ||
	fail "QEMU does not run as uid $uid: $(grep -E '^(Uid|Gid)' /proc/$pid/status)"
grep -q "^NoNewPrivs:[[:space:]]*1" /proc/$pid/status || fail "QEMU has no no_new_privs"
root=$(readlink /proc/$pid/root)
[ "$root" = "$DMSUP_RUN_DIR/$name.root" ] || fail "QEMU's root is '$root', not its chroot"
# dom0's side: only the empty rom/ that the trampoline binds into
# QEMU's tmpfs root (NIC hotplugs put their ROMs there).
[ "$(ls -A "$root")" = rom ] && [ -z "$(ls -A "$root/rom")" ] ||
	fail "the chroot $root holds '$(ls -A "$root" | tr '\n' ' ')', not an empty rom/ alone"
[ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
	fail "QEMU shares dom0's mount namespace"
[ "$(stat -f -c %T /proc/$pid/root)" = tmpfs ] && [ "$(stat -f -c %T /proc/$pid/root/tmp)" = tmpfs ] ||
	fail "QEMU's / or /tmp is not a tmpfs: $(cat /proc/$pid/mountinfo)"
[ "$(ls -A /proc/$pid/root | tr '\n' ' ')" = "rom tmp " ] ||
	fail "QEMU's / holds '$(ls -A /proc/$pid/root | tr '\n' ' ')', not rom and tmp"
grep -q ' / ro,' /proc/$pid/mountinfo || fail "QEMU's / is not read-only: $(cat /proc/$pid/mountinfo)"
dmctl --json status $name | grep -q '"mount_ns": *true' || {
	dmctl --json status $name; fail "status does not say mount_ns true"; }
dmctl --json status $name | grep -qE '"(mount namespace|private /tmp)' && {
	dmctl --json status $name; fail "status names the mount namespace missing"; }
cmd=$(tr '\0' ' ' </proc/$pid/cmdline)
for a in "-xen-domid $domid " "-xen-domid-restrict" "-runas $uid:$base " "-chroot $root " \
	"socket,id=dmsup-qmp,fd=4,"; do
	case "$cmd" in *"$a"*) ;; *) fail "QEMU's argv lacks '$a': $cmd" ;; esac
done
# Debian's qemu-system-xen is built without seccomp: no -sandbox, and
# status names it among what is missing.
case "$cmd" in *"-sandbox "*) ;; *)
	dmctl --json status $name | grep -q '"sandbox (this QEMU is built without seccomp)"' ||
		fail "no -sandbox and status does not name it missing" ;;
esac
grep -q "Max core file size *0 *0" /proc/$pid/limits || fail "RLIMIT_CORE is not 0"
dmctl --json status $name | grep -q '"uid": *'$uid || {
	dmctl --json status $name; fail "status does not show restrict uid $uid"; }
dmctl --json status $name | sed -n '/"restrict"/,/]/p'

note "QEMU is in its cgroup, with its pids and memory limits"
cg=$(dmctl --json status $name | sed -n 's/.*"cgroup": *"\([^"]*\)".*/\1/p' | sed 's,\\/,/,g')
case "$cg" in /sys/fs/cgroup/dmsup-????????-$name) ;; *)
	dmctl --json status $name; fail "status has no cgroup /sys/fs/cgroup/dmsup-HASH-$name: '$cg'" ;;
esac
grep -qx "$pid" "$cg/cgroup.procs" || fail "pid $pid is not in $cg/cgroup.procs"
[ "$(cat /proc/$pid/cgroup)" = "0::/${cg#/sys/fs/cgroup/}" ] ||
	fail "/proc/$pid/cgroup is '$(cat /proc/$pid/cgroup)'"
[ "$(cat "$cg/pids.max")" = 256 ] || fail "pids.max is '$(cat "$cg/pids.max")', not 256"
[ "$(cat "$cg/memory.max")" = $((256 << 20)) ] ||
	fail "memory.max is '$(cat "$cg/memory.max")', not 256 MiB"
dmctl --json status $name | grep -q '"cgroup (' && {
	dmctl --json status $name; fail "status names a cgroup feature missing"; }
dmctl status $name | grep -q "^cgroup  *$cg\$" || {
	dmctl status $name; fail "dmctl status does not show the cgroup"; }

note "dmctl qmp answers, xenstore says running, the guest's firmware runs"
dmctl qmp $name query-status | grep -q running ||
	fail "QMP query-status through dmctl does not say running"
xs_is /local/domain/0/device-model/$domid/state running ||
	fail "device-model/$domid/state is not running"
xl unpause $domid || fail "xl unpause $domid failed"
firmware_ran() {
	xl dmesg | grep -q "(d$domid) Invoking SeaBIOS"
}
wait_until 120 firmware_ran || {
	xl dmesg | grep "(d$domid)" | tail -n 20
	fail "hvmloader did not hand over to SeaBIOS within 120 s"
}
dmctl qmp $name query-status | grep -q running ||
	fail "QMP query-status does not say running with the guest unpaused"

echo "dmtest$domid:x:$uid:$base::/:/bin/sh" >>/etc/passwd
note "a fork bomb of uid $uid in the cgroup is capped at pids.max"
# Root puts the shell in the cgroup (as a QEMU child would be), then it
# becomes the uid: without RLIMIT_NPROC, only pids.max stops it.
sh -c "echo \$\$ >$cg/cgroup.procs && exec su dmtest$domid -c \
	'i=0; while [ \$i -lt 400 ]; do sleep 1000 & i=\$((i + 1)); done; exec sleep 1000'" \
	</dev/null >/dev/null 2>&1 &
capped() {
	grep -q "^max [1-9]" "$cg/pids.events"
}
wait_until 120 capped || fail "the fork bomb never hit pids.max ($(cat "$cg/pids.current") tasks)"
tasks=$(cat "$cg/pids.current")
[ "$tasks" -ge 200 ] && [ "$tasks" -le 256 ] || fail "pids.current is $tasks, not up to 256"
note "in the cgroup: $(cat "$cg/pids.current") tasks, $(cat "$cg/pids.events")"
exited $pid && fail "QEMU died under the fork bomb"
dmctl qmp $name query-status | grep -q running || fail "QMP does not answer beside the fork bomb"

note "kill -9: cgroup.kill and the reaper leave 0 processes of uid $uid"
# One more process of the uid, outside QEMU's process group and cgroup.
su dmtest$domid -c 'exec sleep 1000' </dev/null >/dev/null 2>&1 &
planted=$!
# su execs the shell, the shell execs sleep: the same pid, once the uid's.
planted_runs() {
	grep -q "^Uid:[[:space:]]*$uid[[:space:]]" /proc/$planted/status
}
wait_until 30 planted_runs || fail "the planted process of uid $uid did not start"
grep -q "^0::/\$" /proc/$planted/cgroup || fail "the planted process is in a cgroup of its own"
note "processes of uid $uid before: $(uid_procs $uid)"
kill -9 $pid
crashed() {
	dmctl status $name | grep -q "^state  *crashed\$"
}
wait_until 60 crashed || { dmctl status $name; fail "not crashed within 60 s of kill -9"; }
wait_until 30 no_uid_procs $uid || {
	ps 2>/dev/null | head -n 40
	fail "$(uid_procs $uid) processes of uid $uid left after the reaper"
}
dmctl --json status $name | grep -q '"reaper": *"done"' || {
	dmctl --json status $name; fail "status does not say reaper done"; }
grep "uid $uid reaped" dmsup.log || fail "dmsup.log does not say the uid was reaped"
wait_until 30 [ ! -d "$cg" ] || fail "$cg is still there after the death"
dmctl status $name | grep -q "^cgroup  *none\$" || {
	dmctl status $name; fail "dmctl status still shows a cgroup"; }
