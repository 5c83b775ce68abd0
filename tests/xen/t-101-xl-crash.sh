# dmsup under xl, when QEMU dies: a kill -9 of the device model of a guest
# created by Debian's real xl is reported by dmsup, the domain is marked
# crashed (on_dm_crash crash-domain), and xl applies the guest's on_crash:
# "destroy" (the domain goes) and "restart" (a new domain, whose new
# device model dmsup adopts). QEMU's output under a flood stays capped.
. /opt/dmsup/tests/dmsup-lib.sh

DROPIN=/opt/dmsup/bin/dmsup-qemu-dm
export DMSUP_QEMU_DM_CONF=$PWD/qemu-dm.conf
printf 'qemu = %s\ncontrol = %s\ntimeout_ms = 10000\n' "$DM_QEMU" \
	"$DMSUP_CONTROL" >"$DMSUP_QEMU_DM_CONF"

dmsup_start

# on_crash = destroy: dmsup reports, marks crashed; xl destroys it.
xl_guest xl101 'on_crash = "destroy"'
kill -9 "$pid"
wait_until 30 dm_state_is xl101 crashed ||
	fail "dmsup does not show xl101 crashed: $(dmctl status xl101)"
note "$(dmctl status xl101)"
xs_is "/local/domain/0/dmsup/$domid/state" crashed ||
	fail "/local/domain/0/dmsup/$domid/state is not crashed"
grep -q "domid $domid (xl101): domain marked crashed" dmsup.log ||
	fail "dmsup did not mark domain $domid crashed"
wait_until 60 domain_gone xl101 ||
	fail "xl did not apply on_crash=destroy: $(xl list)"
grep -q 'crash' /var/log/xen/xl-xl101.log && note "$(tail -n 3 /var/log/xen/xl-xl101.log)"

# on_crash = restart: a new domain of the same name, adopted again.
xl_guest xl102 'on_crash = "restart"'
old_domid=$domid old_pid=$pid
kill -9 "$pid"
new_domid_of_xl102() {
	d=$(xl domid xl102 2>/dev/null) && [ "$d" != "$old_domid" ]
}
wait_until 120 new_domid_of_xl102 || fail "xl did not restart xl102: $(xl list)"
# Whatever domain xl102 is now, dmsup supervises its device model.
follows_xl() {
	d=$(xl domid xl102 2>/dev/null) &&
		dmctl --json status xl102 | grep -q "\"domid\": *$d," &&
		dm_state_is xl102 running
}
wait_until 120 follows_xl ||
	fail "dmsup does not supervise the restarted xl102 (domid $(xl domid xl102)): $(dmctl status xl102)"
domid=$(xl domid xl102)
pid=$(dm_pid xl102)
[ "$pid" != "$old_pid" ] || fail "the restarted xl102 has the old pid"
note "restarted: domid $old_domid -> $domid, pid $old_pid -> $pid"
domain_destroy xl102

# A flood on QEMU's stderr stays within log_files x log_size (4 x 2 MiB).
cat >flood-qemu <<EOS
#!/bin/sh
yes 'flooding the log of a device model, line after line, 64 bytes' |
	head -c 20000000 >&2
exec $DM_QEMU "\$@"
EOS
chmod +x flood-qemu
printf 'qemu = %s\ncontrol = %s\ntimeout_ms = 10000\n' "$PWD/flood-qemu" \
	"$DMSUP_CONTROL" >"$DMSUP_QEMU_DM_CONF"
xl_guest xl103
total=$(cat "$DMSUP_LOG_DIR"/xl103.log* | wc -c)
note "20000000 bytes written, $total kept in $(ls "$DMSUP_LOG_DIR" | grep -c xl103) files"
[ "$total" -le $((4 * 2 * 1048576 + 65536)) ] ||
	fail "the logs of xl103 hold $total bytes, more than the cap"
domain_destroy xl103
