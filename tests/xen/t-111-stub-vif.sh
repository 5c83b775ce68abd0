# A stubdom-linux guest's NIC is on the network (issue 15): the tick.img
# guest of t-103 with one e1000 NIC on a bridge this test makes in dom0,
# boot "n". The keeper attaches the NIC to the stub as its PV vif 0
# (netback in dom0, vif<stub>.0 put on the bridge by the hotplug hook);
# in the stub dm-launch bridges netfront's eth to the tap the stub's QEMU
# opens. SeaBIOS runs the NIC's iPXE ROM, which sends DHCP requests: the
# guest's frames come out of vif<stub>.0 in dom0 (its rx_packets rise, and
# dom0's bridge learns the guest's MAC on that port; the stub sends none
# of its own). After stop no vif node and no vif interface is left. A NIC
# whose bridge dom0 lacks fails the start with a line naming the domain,
# the vif and the step, and leaves nothing.
. /opt/dmsup/tests/dmsup-lib.sh

BR=brt111
vif_cleanup() {
	dm_cleanup
	ip link set dev $BR down 2>/dev/null
	brctl delbr $BR 2>/dev/null
}
trap vif_cleanup EXIT

# vif_diagnose NAME DOMID STUB: what a NIC that does not work needs (the
# stub's own lines last: the bed shows a failed test's last lines).
vif_diagnose() {
	echo "--- xl dmesg (d$2)"
	xl dmesg | grep "(d$2)" | tail -n 5
	echo "--- backend/vif"
	xenstore-ls -f /local/domain/0/backend/vif 2>&1 | grep -e /state -e hotplug -e error | head -n 10
	echo "--- ports of $BR: $(ls /sys/class/net/$BR/brif); vif$3.0 rx_packets $(rx_of vif$3.0)"
	echo "--- dmctl log"
	dmctl log -n 400 "$1" | grep -v -e '^\[ ' -e '^(XEN)' | tail -n 25
}

# rx_of IF: packets dom0 received on IF (from the stub: the guest's).
rx_of() {
	cat /sys/class/net/$1/statistics/rx_packets 2>/dev/null || echo 0
}

# guest_sent IF: dom0 received frames on IF.
guest_sent() {
	[ "$(rx_of $1)" -gt 0 ]
}

# learned BRIDGE MAC: the bridge has seen frames from MAC on a port (its
# forwarding database: 16-byte entries, the MAC first).
learned() {
	od -An -v -tx1 -w16 /sys/class/net/$1/brforward |
		grep -q "^ $(echo $2 | tr ':' ' ')"
}

# vif_config NAME DOMID IMAGE MAC BRIDGE: NAME.json, the tick guest under
# stubdom-linux with one e1000 NIC on BRIDGE.
vif_config() {
	echo "{\"name\": \"$1\", \"domid\": $2, \"kind\": \"stubdom-linux\",
	  \"stubdom_kernel\": \"$DMSUP_GUEST_DIR/vmlinux\", \"ready_timeout\": 240,
	  \"memory\": 64, \"vga\": \"std\", \"videoram\": 16, \"boot\": \"n\",
	  \"disks\": [{\"path\": \"$3\", \"format\": \"raw\", \"vdev\": \"hda\"}],
	  \"nics\": [{\"model\": \"e1000\", \"mac\": \"$4\", \"bridge\": \"$5\"}]}" >$1.json
}

brctl addbr $BR || fail "brctl addbr $BR failed"
ip link set dev $BR up || fail "cannot bring $BR up"
dmsup_start

name=t111-stub
img=$PWD/$name.img
mac=00:16:3e:11:01:00
cp /opt/dmsup/tests/tick.img $img
mkhvm_dom $name
domid=$DOMID
vif_config $name $domid $img $mac $BR
set_room $domid $(($(plan_item $name.json total) + 256))

note "start: the NIC is the stub's vif 0, dom0's end on $BR"
dmctl start $name.json || { vif_diagnose $name $domid x; fail "dmctl start $name failed"; }
stub=$(dm_field $name stub_domid)
[ -n "$stub" ] || fail "no stub_domid in dmctl status --json"
be=/local/domain/0/backend/vif/$stub/0
xs_is $be/state 4 || { vif_diagnose $name $domid $stub; fail "$be/state is not 4 (Connected)"; }
xs_is /local/domain/$stub/device/vif/0/state 4 || fail "the stub's vif 0 is not connected"
xs_is $be/hotplug-status connected || fail "$be/hotplug-status is not connected"
xs_is /local/domain/$stub/device/vif/0/mac $mac || fail "the stub's vif 0 does not have the NIC's MAC $mac"
[ -e /sys/class/net/$BR/brif/vif$stub.0 ] || { vif_diagnose $name $domid $stub; fail "vif$stub.0 is not on $BR"; }
grep -q up /sys/class/net/vif$stub.0/operstate || note "vif$stub.0 operstate: $(cat /sys/class/net/vif$stub.0/operstate)"
note "vif: vif$stub.0 on $BR, mac $(xenstore-read $be/mac), rx_packets $(rx_of vif$stub.0) before the guest runs"

dmctl log -n 400 $name >log.out
grep -q "^stub: NIC net0: tap vif$domid.0-emu bridged to eth0 (vif 0)" log.out ||
	{ vif_diagnose $name $domid $stub; fail "the stub's log does not say the tap is bridged to vif 0"; }
grep -q "xen-qemu-system-i386 .*-device e1000,id=nic0,netdev=net0,mac=$mac -netdev type=tap,id=net0,ifname=vif$domid.0-emu,br=$BR,script=no,downscript=no" log.out ||
	fail "the stub's QEMU does not have the NIC: $(grep xen-qemu-system-i386 log.out)"
grep -q "has its NICs: vif$stub.0 on $BR ($mac)" log.out || fail "the keeper does not say the stub has its NIC"
# The keeper bridged the vif with CAP_NET_ADMIN, the one it kept.
privs=$(keeper_privs $domid)
[ "$privs" = "0000000000001000 0000000000001000 1" ] ||
	fail "the stub keeper's CapEff, CapBnd and NoNewPrivs are '$privs', not CAP_NET_ADMIN alone"

note "the guest's iPXE sends DHCP: its frames leave by vif$stub.0"
xl unpause $domid || fail "xl unpause $domid failed"
wait_until 240 guest_sent vif$stub.0 || { vif_diagnose $name $domid $stub; fail "dom0 received nothing on vif$stub.0 within 240 s"; }
wait_until 60 learned $BR $mac || { vif_diagnose $name $domid $stub; fail "$BR never saw a frame from the guest's $mac"; }
note "vif$stub.0: rx_packets $(rx_of vif$stub.0), $BR learned $mac; guest: $(xl dmesg | grep "(d$domid)" | grep -i -m1 -e ipxe -e "Booting from" | sed 's/.*(d[0-9]*) //')"

note "stop: the stub's vif and its interface go"
dmctl stop $name || fail "dmctl stop $name failed"
! xenstore-exists /local/domain/0/backend/vif/$stub || fail "backend/vif/$stub is still in xenstore"
! xenstore-exists /local/domain/$stub || fail "/local/domain/$stub is still in xenstore"
wait_until 60 sh -c "[ ! -e /sys/class/net/vif$stub.0 ]" || fail "vif$stub.0 is still there"
[ -z "$(ls /sys/class/net/$BR/brif)" ] || fail "ports left on $BR: $(ls /sys/class/net/$BR/brif)"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=

note "a NIC on a bridge dom0 lacks: the start fails naming the vif and the step"
name=t111-nobridge
mkhvm_dom $name
domid=$DOMID
vif_config $name $domid $img 00:16:3e:11:01:01 brt111x
set_room $domid $(($(plan_item $name.json total) + 256))
! dmctl start $name.json >start.out 2>&1 || fail "dmctl start $name succeeded without bridge brt111x"
dmctl log -n 400 $name >log.out
grep -q "error: domain $domid: vif 0: hotplug failed: vif[0-9]*\.0: no bridge brt111x in dom0" log.out ||
	fail "the keeper does not name the vif and the missing bridge: $(grep -e error start.out log.out | tail -n 3)"
note "refused: $(grep -o "error: domain $domid: vif 0: .*" log.out | head -n 1)"
wait_until 60 sh -c "[ -z \"\$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)\" ]" ||
	fail "backend/vif nodes left: $(xenstore-list /local/domain/0/backend/vif)"
[ -z "$(ls -d /sys/class/net/vif* 2>/dev/null)" ] || fail "vif interfaces left: $(ls -d /sys/class/net/vif*)"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
DM_DOMIDS=
