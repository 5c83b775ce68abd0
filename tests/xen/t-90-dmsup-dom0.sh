# dmsup supervises a dom0 device model for a real HVM domain: it plans the
# pages QEMU will populate, starts QEMU the way libxl does once the
# toolstack made room, reports ready only when QMP answers AND xenstore
# says running, the guest's firmware runs, the guest's serial pty is in
# xenstore as libxl writes it (serial/0/tty), and a stop leaves nothing of
# the device model behind, in the process table or in xenstore.
. /opt/dmsup/tests/dmsup-lib.sh

name=t90-dmsup
mkhvm_dom $name
domid=$DOMID
dmsup_start
dm_config $name $domid '"serial": "pty"'

note "the plan of a stdvga with 16 MiB videoram and no NIC"
dmctl plan $name.json || fail "dmctl plan failed"
need=$(plan_item $name.json total)
[ "$(plan_item $name.json vga.vram)" = 4096 ] ||
	fail "the plan's vga.vram is not 4096 pages (16 MiB)"
dmctl plan --json $name.json | grep -q "\"target_pages\": *$need[,}]" ||
	fail "dmctl plan --json does not show target_pages $need"
# The toolstack's share: the plan, and the 1 MiB (256 pages) libxl keeps on
# top of every HVM guest, which hvmloader uses for pages of its own once
# the guest runs (t-91 shows the plan alone is enough for QEMU).
set_room $domid $((need + 256))

note "dmctl start returns once the device model is ready"
dmctl start $name.json || { cat dmsup.log; fail "dmctl start failed"; }
pid=$(dm_pid $name)
[ -n "$pid" ] && ! exited $pid || fail "no live device model after start (pid '$pid')"
dmctl qmp $name query-status | grep -q running ||
	fail "QMP query-status through dmctl does not say running"
xs_is /local/domain/0/device-model/$domid/state running ||
	fail "device-model/$domid/state is not running"
xs_is /local/domain/$domid/image/device-model-pid $pid ||
	fail "image/device-model-pid is not $pid"
tr '\0' ' ' </proc/$pid/cmdline | grep -q -- "-xen-domid $domid .*-m 48 " ||
	fail "QEMU's argv lacks -xen-domid $domid or -m 48: $(tr '\0' ' ' </proc/$pid/cmdline)"
tr '\0' '\n' </proc/$pid/environ | grep -qx "XEN_DOMAIN_ID=$domid" ||
	fail "QEMU's environment lacks XEN_DOMAIN_ID=$domid"

note "serial pty: /local/domain/$domid/serial/0/tty names QEMU's pty"
tty_node=/local/domain/$domid/serial/0/tty
wait_until 30 xenstore-exists $tty_node || {
	grep serial dmsup.log
	fail "$tty_node not written within 30 s of the start"
}
tty=$(xenstore-read $tty_node)
case $tty in
/dev/pts/[0-9]*) ;;
*) fail "$tty_node is '$tty', not /dev/pts/N" ;;
esac
[ -c "$tty" ] || fail "$tty_node names $tty, which is not a character device"
# (json-c may write a slash as \/)
dmctl qmp $name query-chardev | sed 's#\\/#/#g' | grep -q "pty:$tty" ||
	fail "QEMU's query-chardev does not name pty:$tty"
note "serial0 is $tty"

note "unpaused, the guest's firmware runs"
xl unpause $domid || fail "xl unpause $domid failed"
firmware_ran() {
	xl dmesg | grep -q "(d$domid) Invoking SeaBIOS"
}
wait_until 120 firmware_ran || {
	xl dmesg | grep "(d$domid)" | tail -n 20
	fail "hvmloader did not hand over to SeaBIOS within 120 s"
}
xl dmesg | grep "(d$domid)" | grep -i seabios | head -n 3

note "dmctl stop: QEMU gone, device-model/$domid gone from xenstore"
dmctl stop $name || fail "dmctl stop failed"
wait_until 30 exited $pid || fail "QEMU pid $pid still runs after dmctl stop"
! xenstore-exists /local/domain/0/device-model/$domid ||
	fail "/local/domain/0/device-model/$domid is still in xenstore"
! xenstore-exists /local/domain/$domid/image/device-model-pid ||
	fail "image/device-model-pid is still in xenstore"
! xenstore-exists $tty_node || fail "$tty_node is still in xenstore"
[ -z "$(qemu_for $domid)" ] || fail "a QEMU for domain $domid still runs"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=
