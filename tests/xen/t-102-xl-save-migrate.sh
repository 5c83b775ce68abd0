# dmsup under xl, for the toolstack's own operations: a guest booting from
# its disk (a boot sector that prints "tick NNNN" to port 0xe9) created by
# Debian's real xl through dmsup-qemu-dm; xl cd-eject/cd-insert and xl
# qemu-monitor-command work on libxl's own QMP; xl save ends the device
# model as a stop (nothing left in dmsup), xl restore gives a device
# model dmsup adopts, and the guest carries on counting; so does a
# localhost xl migrate.
. /opt/dmsup/tests/dmsup-lib.sh

DROPIN=/opt/dmsup/bin/dmsup-qemu-dm
export DMSUP_QEMU_DM_CONF=$PWD/qemu-dm.conf
printf 'qemu = %s\ncontrol = %s\ntimeout_ms = 10000\n' "$DM_QEMU" \
	"$DMSUP_CONTROL" >"$DMSUP_QEMU_DM_CONF"

dd if=/dev/zero of=cd1.iso bs=1k count=64 2>/dev/null
dd if=/dev/zero of=cd2.iso bs=1k count=128 2>/dev/null
TICK_CD=$PWD/cd1.iso tick_config xl104 "device_model_override = \"$DROPIN\""
TB_DOMAINS="xl104"

# supervised DOMID: a running device model of that domid in dmsup.
supervised() {
	dmctl --json list 2>/dev/null | tr -d ' \n' | grep -q "\"domid\":$1,[^}]*\"state\":\"running\""
}

dmsup_start
xl create xl104.cfg || fail "xl create xl104 failed"
domid=$(xl domid xl104)
wait_until 60 supervised "$domid" || fail "dmsup does not supervise domain $domid: $(dmctl list)"
wait_until 120 ticking_past "$domid" 2 || {
	xl dmesg | grep "(d$domid)" | tail -n 5; fail "xl104 does not tick"; }
note "xl104 (domid $domid) booted from its disk, tick $(tick_of "$domid")"

# The CD: libxl's QMP, untouched by dmsup.
xl cd-eject xl104 hdc || fail "xl cd-eject failed"
xl cd-insert xl104 hdc "$PWD/cd2.iso" || fail "xl cd-insert failed"
out=$(xl qemu-monitor-command xl104 "info block") || fail "xl qemu-monitor-command failed"
# libxl names the drive ide-<devid> and passes the new medium as an fdset.
note "info block: $(echo "$out" | grep '^ide-5632')"
echo "$out" | grep -q '^ide-5632 .*: /dev/fdset/' || fail "no medium after xl cd-insert: $out"
out=$(dmctl qmp xl104 query-block) || fail "dmctl qmp query-block: $out"
echo "$out" | grep -q '"inserted"' || fail "dmsup's monitor sees no medium: $out"

# xl save: a stop by the toolstack, nothing left in dmsup.
saved=$(tick_of "$domid")
xl save xl104 "$PWD/xl104.save" || fail "xl save failed"
wait_until 30 sh -c "! dmctl status xl104 >/dev/null 2>&1" ||
	fail "dmsup still knows xl104 after xl save: $(dmctl status xl104)"
grep -q "domid $domid (xl104): stopped by the toolstack" dmsup.log ||
	fail "dmsup did not see xl save's end of the device model as a stop"

# xl restore: a new domain, its device model adopted, the count goes on.
xl restore "$PWD/xl104.save" || fail "xl restore failed"
domid=$(xl domid xl104)
wait_until 60 supervised "$domid" || fail "dmsup does not supervise the restored domain $domid"
wait_until 60 ticking_past "$domid" 0 || fail "the restored xl104 does not tick"
first=$(xl dmesg | sed -n "s/.*(d$domid) tick \([0-9]*\).*/\1/p" | head -n 1)
note "saved at tick $saved, restored domain $domid goes on at tick $first"
[ "$((1$first - 10000))" -ge "$saved" ] || fail "the restored guest started again from $first (saved at $saved)"

# xl migrate to this host: the receiving device model is supervised.
printf '#!/bin/sh\nshift\nexec "$@"\n' >fakessh
chmod +x fakessh
before=$(tick_of "$domid")
xl migrate -s "$PWD/fakessh" xl104 localhost || fail "xl migrate failed"
domid=$(xl domid xl104)
wait_until 60 supervised "$domid" || fail "dmsup does not supervise the migrated domain $domid: $(dmctl list)"
wait_until 60 ticking_past "$domid" "$before" || fail "the migrated xl104 does not go on"
note "migrated to domain $domid: $(dmctl list | grep " $domid ")"
domain_destroy xl104
wait_until 30 sh -c "! dmctl list | grep -q ' $domid '" ||
	fail "dmsup still lists domain $domid after xl destroy"
