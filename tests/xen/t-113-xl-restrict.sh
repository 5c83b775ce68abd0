# A guest created by Debian's real xl with dm_restrict = 1 and the drop-in
# as its device model (issue 17; docs/restrict.md, "Device models from
# xl"): dmsup adopts the QEMU libxl deprivileged and keeps libxl's
# choices: uid base + domid of libxl's range, libxl's chroot,
# -xen-domid-restrict. dmsup's monitor still answers, and status shows
# what /proc says of QEMU ("by": "libxl"). After kill -9 dmsup reaps the
# uid (a process planted outside QEMU too) while the crashed domain is
# still there (on_crash preserve: libxl's own reaper at destroy comes
# later). The same guest without dm_restrict is shown running as root.
. /opt/dmsup/tests/dmsup-lib.sh

base=60000
range_user_add $base

dropin_conf
dmsup_start

xl_guest xl113 "dm_restrict = 1" 'on_crash = "preserve"'
uid=$((base + domid))
[ "$pid" = "$(xenstore-read "/local/domain/$domid/image/device-model-pid")" ] ||
	fail "dmsup's pid for xl113 is '$pid', not libxl's device-model-pid"
note "libxl's QEMU: pid $pid, argv $(tr '\0' ' ' </proc/$pid/cmdline)"
grep -q "^Uid:[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid[[:space:]]*$uid\$" /proc/$pid/status ||
	fail "QEMU does not run as uid $uid: $(grep -E '^(Uid|Gid)' /proc/$pid/status)"
# libxl's chroot, as /proc shows it (/var/run is /run).
root=$(readlink /proc/$pid/root)
[ "$root" = "$(readlink -f /var/run/xen/qemu-root-$domid)" ] ||
	fail "QEMU's root is '$root', not libxl's chroot"
cmd=$(tr '\0' ' ' </proc/$pid/cmdline)
for a in "-xen-domid-restrict" "-runas $uid:$base " "-chroot /var/run/xen/qemu-root-$domid " \
	"socket,id=dmsup-qmp,fd="; do
	case "$cmd" in *"$a"*) ;; *) fail "QEMU's argv lacks '$a': $cmd" ;; esac
done

note "dmsup's monitor answers the restricted QEMU; status shows libxl's restriction"
dmctl qmp xl113 query-status | grep -q '"status"' || fail "dmctl qmp xl113 query-status failed"
json=$(dmctl --json status xl113)
echo "$json" | sed -n '/"restrict"/,/}/p'
# One line, json-c's escaped slashes undone.
flat=$(echo "$json" | tr -d '\n\\')
for want in '"by": *"libxl"' '"enabled": *true' "\"uid\": *$uid[,}]" \
	"\"chroot\": *\"$root\"" '"xen_domid_restrict": *true' '"reaped_by_dmsup": *true'; do
	echo "$flat" | grep -q "$want" || fail "status lacks $want: $json"
done
grep -q "domid $domid (xl113): restricted by libxl: uid $uid" dmsup.log ||
	fail "dmsup.log does not say what libxl restricted"

note "kill -9: dmsup reaps uid $uid before libxl destroys the domain"
plant_uid $uid $base $domid
kill -9 $pid
wait_until 60 dm_state_is xl113 crashed || {
	dmctl status xl113; fail "dmsup does not show xl113 crashed"; }
wait_until 30 no_uid_procs $uid ||
	fail "$(uid_procs $uid) processes of uid $uid left after dmsup's reaper"
grep -q "uid $uid reaped" dmsup.log || fail "dmsup.log does not say uid $uid was reaped"
domain_exists xl113 || fail "xl113 is gone: libxl, not dmsup, may have reaped"
domain_destroy xl113

note "without dm_restrict: status says QEMU runs as root"
xl_guest xl113b
grep -q "^Uid:[[:space:]]*0[[:space:]]" /proc/$pid/status || fail "QEMU of xl113b is not root"
dmctl --json status xl113b | tr -d '\n' |
	grep -q '"restrict": *{ *"enabled": *false, *"by": *"libxl", *"why": *"started by xl: QEMU runs as root' ||
	fail "status of xl113b does not say it runs as root: $(dmctl --json status xl113b)"
domain_destroy xl113b
