# dmsup --restrict-adopted (issue 17; docs/restrict.md, "Device models
# from xl"): a guest created by Debian's xl without dm_restrict, through
# the drop-in, runs its QEMU as libxl's range user + domid with
# -xen-domid-restrict, which dmsup-qemu-dm appends after dmsup's monitor;
# xl create still works (libxl waits on xenstore, which QEMU wrote before
# dropping its privileges), dmctl qmp answers, status says "by": "dmsup",
# and after kill -9 the reaper leaves no process of the uid. A guest with
# dm_restrict = 1 keeps libxl's choices: nothing is added.
. /opt/dmsup/tests/dmsup-lib.sh

base=60000
range_user_add $base

dropin_conf
dmsup -f --restrict-adopted >>dmsup.log 2>&1 &
DMSUP_PID=$!
wait_until 30 dmctl list || { cat dmsup.log; fail "dmsup --restrict-adopted did not answer"; }

xl_guest xl117 'on_crash = "preserve"'
uid=$((base + domid))
cmd=$(tr '\0' ' ' </proc/$pid/cmdline)
note "QEMU: pid $pid, argv $cmd"
grep -q "^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid\$" /proc/$pid/status ||
	fail "QEMU does not run as uid $uid: $(grep -E '^(Uid|Gid)' /proc/$pid/status)"
case "$cmd" in *"id=dmsup-qmp,"*" -runas $uid:$base -xen-domid-restrict "*) ;; *)
	fail "QEMU's argv lacks -runas $uid:$base -xen-domid-restrict after dmsup's monitor" ;;
esac
xs_is /local/domain/0/device-model/$domid/state running || fail "device-model/$domid/state is not running"
dmctl qmp xl117 query-status | grep -q '"running"' || fail "dmctl qmp xl117 query-status does not say running"
flat=$(dmctl --json status xl117 | tr -d '\n\\')
for want in '"by": *"dmsup"' '"enabled": *true' "\"uid\": *$uid[,}]" \
	'"xen_domid_restrict": *true' '"reaped_by_dmsup": *true'; do
	echo "$flat" | grep -q "$want" || fail "status lacks $want: $flat"
done
grep -q "domid $domid (xl117): --restrict-adopted: QEMU runs as $uid:$base" dmsup.log ||
	fail "dmsup.log does not say what it added"
grep -q "domid $domid (xl117): restricted by dmsup: uid $uid" dmsup.log ||
	fail "dmsup.log does not say what /proc showed"

note "kill -9: the reaper leaves no process of uid $uid"
plant_uid $uid $base $domid
kill -9 $pid
wait_until 60 dm_state_is xl117 crashed || { dmctl status xl117; fail "xl117 not crashed"; }
wait_until 30 no_uid_procs $uid || fail "$(uid_procs $uid) processes of uid $uid left"
domain_destroy xl117

note "with dm_restrict = 1, libxl's choices stand"
xl_guest xl117b "dm_restrict = 1"
cmd=$(tr '\0' ' ' </proc/$pid/cmdline)
[ "$(echo "$cmd" | grep -o -- '-runas' | wc -l)" = 1 ] || fail "QEMU of xl117b has -runas twice: $cmd"
dmctl --json status xl117b | tr -d '\n' | grep -q '"by": *"libxl"' ||
	fail "status of xl117b does not say libxl: $(dmctl --json status xl117b)"
domain_destroy xl117b
