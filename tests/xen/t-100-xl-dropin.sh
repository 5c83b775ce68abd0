# dmsup under xl (docs/xl.md): a guest created by Debian's real xl with
# device_model_override = dmsup-qemu-dm gets its device model adopted by
# dmsup. Compared with the same guest under plain xl: QEMU's argv is
# libxl's plus dmsup's monitor only, its environment is dmsup's clean one,
# libxl's log points at dmsup's capped log. dmctl sees it (origin xl);
# xl destroy leaves nothing in dmsup; a kill -9 of dmsup loses nothing;
# with dmsup gone, xl create still works and libxl's log says why.
. /opt/dmsup/tests/dmsup-lib.sh

DROPIN=/opt/dmsup/bin/dmsup-qemu-dm
export DMSUP_QEMU_DM_CONF=$PWD/qemu-dm.conf
printf 'qemu = %s\ncontrol = %s\ntimeout_ms = 10000\n' "$DM_QEMU" \
	"$DMSUP_CONTROL" >"$DMSUP_QEMU_DM_CONF"

# argv_of PID: its argv, one argument a line.
argv_of() {
	tr '\0' '\n' <"/proc/$1/cmdline"
}

# normalize DOMID NAME: an argv with the guest's domid and name replaced,
# so that two guests' argvs compare.
normalize() {
	sed "s/^$1\$/DOMID/; s/\([^0-9]\)$1\([^0-9]\)/\1DOMID\2/g; s/$2/NAME/g"
}

# xl_dm_pid DOMID: the pid libxl wrote for the device model.
xl_dm_pid() {
	xenstore-read "/local/domain/$1/image/device-model-pid"
}

# The same guest under plain xl, for the comparison.
hvm_create plain100
d=$(xl domid plain100)
xs_wait "/local/domain/0/device-model/$d/state" running 120
argv_of "$(xl_dm_pid "$d")" | normalize "$d" plain100 >plain.argv
domain_destroy plain100

dmsup_start
hvm_create xl100 "device_model_override = \"$DROPIN\""
domid=$(xl domid xl100) || fail "no domid for xl100"
xs_wait "/local/domain/0/device-model/$domid/state" running 120
pid=$(xl_dm_pid "$domid")
wait_until 60 sh -c "dmctl status xl100 | grep -q 'state *running'" || {
	dmctl status xl100; cat dmsup.log; fail "dmsup does not show xl100 running"; }
note "$(dmctl status xl100)"
[ "$(dm_pid xl100)" = "$pid" ] ||
	fail "dmsup's pid for xl100 is '$(dm_pid xl100)', libxl's device-model-pid is $pid"
[ "$(dm_field xl100 origin)" = xl ] || fail "origin is '$(dm_field xl100 origin)', expected xl"
[ "$(dm_field xl100 domid)" = "$domid" ] || fail "dmsup's domid for xl100 is not $domid"
dmctl list | grep -q '^xl100 ' || fail "dmctl list does not show xl100: $(dmctl list)"

# The argv: libxl's, then dmsup's monitor (an fd QEMU inherited).
argv_of "$pid" | normalize "$domid" xl100 >ours.argv
head -n "$(wc -l <plain.argv)" ours.argv | diff plain.argv - ||
	fail "QEMU's argv under dmsup-qemu-dm is not libxl's"
tail -n +"$(($(wc -l <plain.argv) + 1))" ours.argv >extra.argv
note "added by dmsup: $(tr '\n' ' ' <extra.argv)"
[ "$(sed -n 1p extra.argv)" = -chardev ] &&
	sed -n 2p extra.argv | grep -q '^socket,id=dmsup-qmp,fd=[0-9]*,server=on,wait=off$' &&
	[ "$(sed -n 3p extra.argv)" = -mon ] &&
	[ "$(sed -n 4p extra.argv)" = chardev=dmsup-qmp,mode=control ] &&
	[ "$(wc -l <extra.argv)" -eq 4 ] || fail "dmsup added more than its monitor: $(cat extra.argv)"

# The environment: dmsup's clean one, nothing of the shell that ran xl.
tr '\0' '\n' <"/proc/$pid/environ" | sort >env
note "environment: $(tr '\n' ' ' <env)"
printf '%s\n' "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	XEN_DOMAIN_ID=$domid XEN_QEMU_CONSOLE_LIMIT=1048576 | sort | diff - env ||
	fail "QEMU's environment is not the clean one"

# libxl's log points at dmsup's; dmsup's monitor answers.
grep -q "supervised by dmsup; QEMU's output is in $DMSUP_LOG_DIR/xl100.log" \
	/var/log/xen/qemu-dm-xl100.log || {
	cat /var/log/xen/qemu-dm-xl100.log; fail "libxl's log has no pointer to dmsup's log"; }
out=$(dmctl qmp xl100 query-status) || fail "dmctl qmp xl100 query-status: $out"
echo "$out" | grep -q '"status": *"running"' || fail "query-status: $out"
# libxl's own monitor is untouched.
out=$(xl qemu-monitor-command xl100 "info version") || fail "xl qemu-monitor-command failed"
note "xl qemu-monitor-command: $out"

# kill -9 dmsup and start it again: the device model is found again.
kill -9 "$DMSUP_PID"
wait "$DMSUP_PID" 2>/dev/null
dmsup_start
wait_until 30 sh -c "dmctl status xl100 | grep -q 'state *running'" ||
	fail "after a dmsup restart xl100 is not running: $(dmctl status xl100)"
[ "$(dm_pid xl100)" = "$pid" ] || fail "after a restart dmsup has pid $(dm_pid xl100), not $pid"
out=$(dmctl qmp xl100 query-status) || fail "no QMP after the restart: $out"

# xl destroy is a stop by the toolstack, and leaves nothing in dmsup.
xl destroy xl100 || fail "xl destroy xl100 failed"
wait_until 30 sh -c "! dmctl status xl100 >/dev/null 2>&1" ||
	fail "dmsup still knows xl100 after xl destroy: $(dmctl status xl100)"
grep -q 'xl100.*stopped by the toolstack' dmsup.log ||
	fail "dmsup's log does not say the toolstack stopped xl100"
left=$(ls "$DMSUP_STATE_DIR" "$DMSUP_RUN_DIR" | grep xl100)
[ -z "$left" ] || fail "state left behind after xl destroy: $left"

# Without dmsup, xl create still works (fail-open) and says why.
kill "$DMSUP_PID"
wait "$DMSUP_PID" 2>/dev/null
DMSUP_PID=
hvm_create xl100b "device_model_override = \"$DROPIN\""
d=$(xl domid xl100b)
xs_wait "/local/domain/0/device-model/$d/state" running 120
grep -q 'warning: dmsup did not adopt domain .* running .* unsupervised' \
	/var/log/xen/qemu-dm-xl100b.log || {
	cat /var/log/xen/qemu-dm-xl100b.log; fail "libxl's log has no warning"; }
note "$(grep warning /var/log/xen/qemu-dm-xl100b.log)"
domain_destroy xl100b
