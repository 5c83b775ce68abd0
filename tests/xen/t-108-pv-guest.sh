# A Linux guest's own PV devices under the dom0 kind (issue 15, test 2).
# The test toolstack (mkhvm --qdisk, --vif) writes the guest's vbd xvda,
# served by the device model's qdisk backend (the QEMU dmsup runs in dom0),
# and its vif, served by netback in dom0; the test does what Xen's
# vif-bridge hotplug script does (vif<domid>.0 on a bridge, hotplug-status
# connected). QEMU boots the bed's own kernel with a tiny initramfs
# (scripts/testbed/hvm-guest-init) that reports each disk and NIC with its
# driver on hvc0. PV-on-HVM Linux unplugs the emulated IDE disk and e1000
# and sees xvda (blkfront, "vbd") and a netfront eth ("vif"), with every
# end Connected (4); with xen_emul_unplug=never it sees the emulated ones
# (sd on ata, e1000). After stop and destroy nothing is left in xenstore.
# See docs/devices.md. Each guest takes 1-1.5 min under the bed's TCG (most
# of it the firmware loading the kernel through fw_cfg), hence:
# dmsup-test-timeout: 600
. /opt/dmsup/tests/dmsup-lib.sh

BR=tbr108
KERNEL=$DMSUP_GUEST_DIR/vmlinuz
INITRD=$DMSUP_GUEST_DIR/hvm-initrd
# Quiet, and no probing of what the guest does not have: TCG is slow.
APPEND="console=hvc0 quiet loglevel=3 panic=-1 i8042.noaux i8042.nokbd i8042.nopnp mitigations=off"
VBD=51712 # xvda

pv_cleanup() {
	dm_cleanup
	ip link set "$BR" down 2>/dev/null
	brctl delbr "$BR" 2>/dev/null
}
trap pv_cleanup EXIT

# pv_config NAME DOMID IMAGE APPEND: NAME.json, a dom0 device model with
# the image as its emulated IDE disk xvda, an e1000 (its tap
# vif<domid>.0-emu; the bed has no installed dmsup-vif-bridge, so the test
# bridges it), and QEMU's direct kernel boot.
pv_config() {
	echo "{\"name\": \"$1\", \"domid\": $2, \"qemu\": \"$DM_QEMU\",
	  \"memory\": 128, \"vga\": \"std\", \"videoram\": 16, \"boot\": \"c\",
	  \"disks\": [{\"path\": \"$3\", \"format\": \"raw\", \"vdev\": \"xvda\"}],
	  \"nics\": [{\"model\": \"e1000\", \"bridge\": \"$BR\", \"script\": \"no\"}],
	  \"extra_args\": [\"-kernel\", \"$KERNEL\", \"-initrd\", \"$INITRD\",
	    \"-append\", \"$4\"]}" >"$1.json"
}

# bridge_add IFACE: on the bridge, up (once it exists).
bridge_add() {
	wait_until 30 ip link show "$1" >/dev/null 2>&1 || fail "no interface $1"
	brctl addif "$BR" "$1" || fail "brctl addif $BR $1 failed"
	ip link set "$1" up || fail "ip link set $1 up failed"
}

# vif_hotplug DOMID: what vif-bridge does once netback made the vif.
vif_hotplug() {
	bridge_add vif$1.0
	xenstore-write /local/domain/0/backend/vif/$1/0/hotplug-status connected ||
		fail "writing hotplug-status failed"
}

pv_diagnose() {
	echo "--- guest console"
	tail -n 30 "$(guest_log "$1")"
	echo "--- xl dmesg (d$2)"
	xl dmesg | grep "(d$2)" | tail -n 10
	echo "--- dmctl log"
	dmctl log -n 30 "$1"
	echo "--- backends"
	xenstore-ls -f /local/domain/0/backend 2>&1 | grep "/$2/" | head -n 60
	echo "--- frontends"
	xenstore-ls -f /local/domain/$2/device 2>&1 | head -n 40
}

reported() {
	grep -q '@@HVM done@@' "$(guest_log "$1")"
}

shut_down() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 { exit !($5 ~ /s/) }'
}

reported_or_down() {
	reported "$1" || shut_down "$2"
}

# pv_boot NAME [APPEND-EXTRA]: a guest with its PV vbd and vif and the
# same disk and NIC emulated, booted until it reported; sets domid, img,
# report (its @@HVM lines).
pv_boot() {
	local t0
	img=$PWD/$1.img
	# xenconsoled appends: an earlier guest of this name's lines would
	# pass for this one's report.
	rm -f "$(guest_log "$1")"
	dd if=/dev/zero of="$img" bs=1M count=8 2>/dev/null || fail "no image"
	domid=$(mkhvm -n "$1" -m 128 --videoram 16 --qdisk "$img,vdev=xvda" \
		--vif "$BR") || fail "mkhvm -n $1 --qdisk --vif failed"
	DM_DOMIDS="$DM_DOMIDS $domid"
	pv_config "$1" $domid "$img" "$APPEND${2:+ $2}"
	set_room $domid $(($(plan_item "$1".json total) + 256))
	vif_hotplug $domid
	t0=$(date +%s)
	dmctl start "$1".json || { pv_diagnose "$1" $domid; fail "dmctl start $1 failed"; }
	bridge_add vif$domid.0-emu
	xl unpause $domid || fail "xl unpause $domid failed"
	# A guest that went down (a triple fault) will never report.
	wait_until 300 reported_or_down "$1" $domid || { pv_diagnose "$1" $domid; fail "guest $1 did not report within 300 s"; }
	reported "$1" || { pv_diagnose "$1" $domid; fail "guest $1 shut down before it reported: $(xl list $domid | tail -n 1)"; }
	report=$(grep '^@@HVM' "$(guest_log "$1")" | tr -d '\r')
	note "$1: reported $(($(date +%s) - t0)) s after dmctl start (TCG):"
	echo "$report" | sed 's/^/    /'
}

# pv_stop NAME: the guest powers off when asked (as xl shutdown asks), then
# its device model stops and the domain goes; nothing of it is left.
pv_stop() {
	xenstore-write /local/domain/$domid/control/shutdown poweroff
	wait_until 120 shut_down $domid || { pv_diagnose "$1" $domid; fail "domain $domid did not power off"; }
	grep -q '@@HVM poweroff@@' "$(guest_log "$1")" || fail "the guest's init did not power off"
	dmctl stop "$1" || fail "dmctl stop $1 failed"
	mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
	DM_DOMIDS=
	for p in /local/domain/0/backend/qdisk/$domid /local/domain/0/backend/vif/$domid \
		/local/domain/$domid /libxl/$domid; do
		! xenstore-exists "$p" || fail "$p is still in xenstore: $(xenstore-ls -f "$p" | head -n 5)"
	done
	wait_until 30 sh -c "! ip link show vif$domid.0 >/dev/null 2>&1" || fail "vif$domid.0 is still there"
}

has() {
	echo "$report" | grep -q "$1"
}

brctl addbr "$BR" || fail "cannot create bridge $BR"
ip link set "$BR" up
dmsup_start

note "PV drivers: xvda from the dom0 QEMU's qdisk, a netfront eth on $BR"
name=t108-pv
pv_boot $name
has "@@HVM disk xvda driver=vbd dev=/sys/devices/vbd-$VBD@@" || fail "the guest has no PV xvda: $report"
! has '@@HVM disk sd' || fail "the emulated disk is still plugged: $report"
has '@@HVM net eth[0-9]* driver=vif dev=/sys/devices/vif-0@@' || fail "the guest has no netfront eth: $report"
! has 'driver=e1000' || fail "the emulated NIC is still plugged: $report"
be=/local/domain/0/backend/qdisk/$domid/$VBD
wait_until 30 xs_is $be/state 4 || { pv_diagnose $name $domid; fail "$be/state is not 4 (Connected)"; }
xs_is /local/domain/$domid/device/vbd/$VBD/state 4 || fail "the guest's vbd $VBD is not connected"
note "qdisk: $(xenstore-read $be/params), $(xenstore-read $be/sectors) sectors, served by QEMU pid $(dm_pid $name)"
be=/local/domain/0/backend/vif/$domid/0
wait_until 30 xs_is $be/state 4 || { pv_diagnose $name $domid; fail "$be/state is not 4 (Connected)"; }
xs_is /local/domain/$domid/device/vif/0/state 4 || fail "the guest's vif 0 is not connected"
[ "$(basename "$(readlink /sys/class/net/vif$domid.0/master)")" = "$BR" ] ||
	fail "vif$domid.0 is not on $BR: $(brctl show)"
note "vif$domid.0 on $BR, mac $(xenstore-read $be/mac)"
pv_stop $name

note "xen_emul_unplug=never: the emulated disk (sd on ata) and the e1000"
name=t108-emu
pv_boot $name xen_emul_unplug=never
has '@@HVM disk sda driver=sd dev=/sys/devices/pci[^ ]*/ata[0-9]*/' || fail "the guest has no emulated sda on ata: $report"
! has 'driver=vbd' || fail "the guest has a PV disk despite xen_emul_unplug=never: $report"
has '@@HVM net eth[0-9]* driver=e1000 ' || fail "the guest has no e1000: $report"
! has 'driver=vif' || fail "the guest has a netfront despite xen_emul_unplug=never: $report"
pv_stop $name
