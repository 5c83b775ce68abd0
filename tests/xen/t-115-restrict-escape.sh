# What a restricted dom0 device model can still reach (issue 17,
# docs/restrict.md), tried as an attacker who runs code in it would:
#  - a program dropped into QEMU's private /tmp cannot run (noexec), and
#    QEMU's root holds no dom0 file: not /etc/shadow, not dmsup's state
#    dir, no /dev, /proc, /sys or shell;
#  - the same uid in dom0's own namespace cannot read a root-only file or the
#    state dir, nor open /dev/xen/privcmd or /dev/xen/evtchn, nor make a
#    device node;
#  - QEMU's own privcmd and evtchn fds (taken with pidfd_getfd, fdprobe)
#    map its guest's memory but not another domain's, make no hypercall,
#    bind no event channel of another domain (-xen-domid-restrict), where
#    a fresh fd of root's does all three;
#  - dmctl save still works (dmsup opens the file, QEMU gets an fd; its
#    RLIMIT_FSIZE of 0 is lifted for the save only, else SIGXFSZ killed
#    it);
#  - the same domid used again REUSE times (default 100): each new
#    domain's device model runs as base + domid, alternately stopped and
#    killed -9, and leaves no process of the uid and no cgroup.
# dmsup-test-timeout: 900
. /opt/dmsup/tests/dmsup-lib.sh

REUSE=${REUSE:-100}
base=60000
range_user_add $base
mkhvm_dom t115-other
other=$DOMID
name=t115-escape
mkhvm_dom $name
domid=$DOMID
uid=$((base + domid))
dmsup_start
dm_config $name $domid
set_room $domid $(($(plan_item $name.json total) + 256))
dmctl start $name.json || { cat dmsup.log; fail "dmctl start failed"; }
pid=$(dm_pid $name)
grep -q "^Uid:[[:space:]]*$uid[[:space:]]" /proc/$pid/status || fail "QEMU does not run as uid $uid"

note "a program dropped into QEMU's /tmp, run in its root as uid $uid"
cp /bin/busybox /proc/$pid/root/tmp/bb || fail "busybox does not fit in QEMU's /tmp"
out=$(nsenter -t $pid -m -r -S $uid -G $base /tmp/bb true 2>&1) &&
	fail "a program in QEMU's /tmp ran (its tmpfs should be noexec)"
case "$out" in *"Permission denied"*) ;; *) fail "exec in QEMU's /tmp gave: $out" ;; esac
rm -f /proc/$pid/root/tmp/bb
note "what QEMU's root holds of dom0: $(ls -A /proc/$pid/root | tr '\n' ' ')"
for f in /etc/shadow /etc/passwd "$DMSUP_STATE_DIR" /dev/xen/privcmd /proc/1 /sys /bin/sh; do
	[ -e "/proc/$pid/root$f" ] && fail "QEMU's root has $f"
done

note "uid $uid in dom0's own namespace"
echo "dmtest$domid:x:$uid:$base::/:/bin/sh" >>/etc/passwd
as_uid() {
	su dmtest$domid -c "$1" 2>&1
}
# This dom0 has no /etc/shadow: a root-only file of the same mode.
echo secret >shadow && chmod 0600 shadow
for f in $PWD/shadow "$DMSUP_STATE_DIR/$name.json" /dev/xen/privcmd /dev/xen/evtchn; do
	out=$(as_uid "cat $f")
	case "$out" in *"Permission denied"*) ;; *) fail "uid $uid: cat $f gave: $out" ;; esac
done
# In a directory the uid may write: only the device node is refused.
mkdir -m 0777 udir
out=$(as_uid "mknod $PWD/udir/mem c 1 1")
case "$out" in *"Operation not permitted"*) ;; *) fail "uid $uid: mknod gave: $out" ;; esac

note "QEMU's own privcmd and evtchn fds (-xen-domid-restrict)"
fds() {
	local f
	for f in /proc/$pid/fd/*; do
		[ "$(readlink $f)" = "$1" ] && echo ${f##*/}
	done
}
pfds=$(fds /dev/xen/privcmd)
efds=$(fds /dev/xen/evtchn)
[ -n "$pfds" ] && [ -n "$efds" ] || fail "QEMU has no privcmd ($pfds) or evtchn ($efds) fd"
fresh=$(fdprobe --fresh privcmd $other)
echo "$fresh" | grep -qx "map $other: ok" && echo "$fresh" | grep -qx "hypercall: ok" ||
	fail "root's fresh privcmd fd cannot map domain $other: $fresh"
for fd in $pfds; do
	out=$(fdprobe $pid $fd $domid $other 0) || fail "fdprobe $pid $fd failed: $out"
	note "privcmd fd $fd: $(echo $out)"
	echo "$out" | grep -qx "map $domid: ok" || fail "QEMU's fd $fd cannot map its own guest: $out"
	for d in $other 0; do
		echo "$out" | grep -qx "map $d: Operation not permitted" ||
			fail "QEMU's fd $fd maps domain $d: $out"
	done
	echo "$out" | grep -qx "hypercall: Operation not permitted" || fail "QEMU's fd $fd makes hypercalls: $out"
done
fresh=$(fdprobe --fresh evtchn $other)
case "$fresh" in "bind $other: Permission denied") fail "root's fresh evtchn fd is refused: $fresh" ;; esac
for fd in $efds; do
	out=$(fdprobe $pid $fd $other 0) || fail "fdprobe $pid $fd failed: $out"
	note "evtchn fd $fd: $(echo $out)"
	for d in $other 0; do
		echo "$out" | grep -qx "bind $d: Permission denied" ||
			fail "QEMU's evtchn fd $fd is not refused domain $d: $out"
	done
done

note "dmctl save of the restricted device model"
dmctl save $name --file $PWD/dm.save || {
	tail -n 30 "$DMSUP_LOG_DIR/$name.log"; fail "dmctl save failed"; }
[ "$(head -c 12 dm.save)" = "DMSUP-SAVE 1" ] || fail "dm.save has no dmsup save header"
note "dm.save: $(stat -c %s dm.save) bytes"
grep -q "Max file size *0 *0" /proc/$pid/limits ||
	fail "RLIMIT_FSIZE is not 0 again after the save: $(grep 'file size' /proc/$pid/limits)"
dmctl qmp $name cont >/dev/null || fail "QEMU does not go on after the save"
dmctl stop $name || fail "dmctl stop failed"
wait_until 30 no_uid_procs $uid || fail "$(uid_procs $uid) processes of uid $uid after the stop"
mkhvm --destroy $domid >/dev/null || fail "mkhvm --destroy $domid failed"

note "domid $domid used again $REUSE times"
t0=$(date +%s)
i=0
while [ $i -lt $REUSE ]; do
	i=$((i + 1))
	mkhvm -n $name -m 64 --videoram 16 --domid $domid >/dev/null ||
		fail "round $i: mkhvm --domid $domid failed"
	eval "$(xcinfo $domid)" && xcinfo --set-max-pages $domid \
		$((tot_pages + $(plan_item $name.json total) + 256)) >/dev/null ||
		fail "round $i: no room in domain $domid"
	dmctl start $name >/dev/null || { tail -n 20 dmsup.log; fail "round $i: dmctl start failed"; }
	pid=$(dm_pid $name)
	grep -q "^Uid:[[:space:]]*$uid[[:space:]]" /proc/$pid/status ||
		fail "round $i: QEMU (pid '$pid') does not run as uid $uid"
	cg=$(dmctl --json status $name | sed -n 's/.*"cgroup": *"\([^"]*\)".*/\1/p' | sed 's,\\/,/,g')
	if [ $((i % 2)) = 0 ]; then
		dmctl stop $name >/dev/null || fail "round $i: dmctl stop failed"
	else
		kill -9 $pid
		wait_until 60 dm_state_is $name crashed || fail "round $i: not crashed after kill -9"
	fi
	wait_until 30 no_uid_procs $uid || fail "round $i: $(uid_procs $uid) processes of uid $uid left"
	[ -z "$cg" ] || wait_until 30 [ ! -d "$cg" ] || fail "round $i: $cg is still there"
	mkhvm --destroy $domid >/dev/null || fail "round $i: mkhvm --destroy $domid failed"
done
note "$REUSE rounds in $(($(date +%s) - t0)) s"
if ls /sys/fs/cgroup | grep -q -- "-$name\$"; then
	fail "a cgroup of $name is left: $(ls /sys/fs/cgroup)"
fi
