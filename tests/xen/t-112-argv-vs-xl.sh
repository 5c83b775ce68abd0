# dmsup's QEMU argv against libxl's for the same xl.cfg (issue 15, test 3;
# the table is in docs/devices.md): a guest with a qcow2 disk, an ISO in a
# CD drive, an e1000 and an rtl8139 on a bridge, stdvga with 16 MiB and a
# serial pty. Debian's real xl creates it (a recorder as
# device_model_override keeps libxl's argv), then dmsup starts the same
# file (dmctl start --xl) for a domain of the test toolstack. Both argvs,
# with the domid and name replaced, are the same option by option but for
# what the table explains: the monitors (libxl's two QMP sockets, dmsup's
# one pre-bound socket) and the taps' script (libxl runs vif-bridge itself
# after QEMU started; dmsup's QEMU runs dmsup-vif-bridge). Both taps end up
# on the bridge either way.
. /opt/dmsup/tests/dmsup-lib.sh

BR=tbr112
brctl addbr $BR || fail "cannot create bridge $BR"
ip link set $BR up
t112_cleanup() {
	dm_cleanup
	ip link set $BR down 2>/dev/null
	brctl delbr $BR 2>/dev/null
}
trap 't112_cleanup; tb_cleanup' EXIT

# The recorder: QEMU's argv, one argument a line, in argv.PID; then QEMU.
printf '#!/bin/sh\nfor a; do printf "%%s\\n" "$a"; done >%s/argv.$$\nexec %s "$@"\n' \
	"$PWD" "$DM_QEMU" >recorder
chmod +x recorder
# libxl's hotplug script for both vifs: what Xen's vif-bridge does (the
# bed has no /etc/xen/scripts): the interface up and on the backend's
# bridge, the PV one's hotplug-status connected.
cat >vif-hotplug <<'EOT'
#!/bin/sh
case $1 in online|add) ;; *) exit 0 ;; esac
# For the tap (type_if=tap) libxl names it in INTERFACE; vif is the PV one.
dev=${INTERFACE:-$vif}
br=$(xenstore-read "$XENBUS_PATH/bridge") || exit 1
ip link set dev "$dev" up || exit 1
[ -e "/sys/class/net/$dev/brport" ] || brctl addif "$br" "$dev" || exit 1
[ "$1" != online ] || xenstore-write "$XENBUS_PATH/hotplug-status" connected
EOT
chmod +x vif-hotplug
cp /opt/dmsup/tests/tick.qcow2 disk.qcow2
dd if=/dev/zero of=cd.iso bs=1k count=64 2>/dev/null

rich_config() {
	cat <<EOT
name = "$1"
type = "hvm"
memory = 64
vcpus = 1
vga = "stdvga"
videoram = 16
serial = "pty"
vnc = 0
boot = "c"
disk = [ "format=qcow2,vdev=hda,access=rw,target=$PWD/disk.qcow2",
         "format=raw,vdev=hdc,access=ro,devtype=cdrom,target=$PWD/cd.iso" ]
vif = [ "model=e1000,bridge=$BR,mac=00:16:3e:11:22:01,script=$PWD/vif-hotplug",
        "model=rtl8139,bridge=$BR,mac=00:16:3e:11:22:02,script=$PWD/vif-hotplug" ]
device_model_version = "qemu-xen"
device_model_override = "$PWD/recorder"
EOT
}

# take_argv FILE DOMID NAME: the one recorded argv, normalized, as FILE.
take_argv() {
	local f n=0
	for f in argv.*; do [ -f "$f" ] && n=$((n + 1)); done
	[ $n -eq 1 ] || fail "expected one recorded argv, found $n: $(ls argv.* 2>&1)"
	# The domid is in -xen-domid's value, the QMP paths and the taps' names.
	awk -v d="$2" 'p && $0 == d { $0 = "DOMID" } { p = $0 == "-xen-domid"; print }' argv.* |
		sed "s/-$2,/-DOMID,/g; s/vif$2\./vifDOMID./g; s/$3/NAME/g" >"$1"
	rm -f argv.*
}

# on_bridge IFACE: it is a port of $BR.
on_bridge() {
	[ "$(basename "$(readlink /sys/class/net/$1/master 2>/dev/null)")" = $BR ]
}

rich_config xl112 >xl112.cfg
TB_DOMAINS=xl112
xl create -p xl112.cfg || fail "xl create xl112 failed"
d=$(xl domid xl112) || fail "no domid for xl112"
xs_wait "/local/domain/0/device-model/$d/state" running 120
take_argv xl.argv "$d" xl112
for i in 0 1; do
	on_bridge vif$d.$i-emu || fail "libxl did not put vif$d.$i-emu on $BR"
done
domain_destroy xl112

dmsup_start
rich_config ds112 >ds112.cfg
domid=$(mkhvm -n ds112 -m 64 --videoram 16) || fail "mkhvm -n ds112 failed"
DM_DOMIDS=$domid
set_room $domid $(($(dmctl plan --xl ds112.cfg |
	awk '$1 == "total" { print $2; exit }') + 256))
dmctl start --xl ds112.cfg --domid $domid 2>import.err ||
	{ cat import.err; dmctl log -n 20 ds112; fail "dmctl start --xl ds112.cfg failed"; }
note "import-xl said: $(tr '\n' ';' <import.err)"
take_argv ds.argv "$domid" ds112
for i in 0 1; do
	on_bridge vif$domid.$i-emu || fail "dmsup-vif-bridge did not put vif$domid.$i-emu on $BR"
done

# What is left once the explained differences are set apart must be equal.
for a in xl ds; do
	awk -v mon=$a.mon '
		$0 == "-mon" { print >mon; getline v; print v >mon; next }
		$0 == "-chardev" { getline v
			if (v ~ /^socket,/) { print >mon; print v >mon } else { print; print v }
			next }
		{ print }' $a.argv | sed 's/^\(type=tap,.*\),script=[^,]*,/\1,script=SCRIPT,/' >$a.rest
done
note "libxl's argv, normalized: $(tr '\n' ' ' <xl.argv)"
diff xl.rest ds.rest || fail "dmsup's argv differs from libxl's in more than the monitors and the taps' script (above)"
note "the same: $(grep -c . xl.rest) arguments"
note "monitors, libxl: $(tr '\n' ' ' <xl.mon)"
note "monitors, dmsup: $(tr '\n' ' ' <ds.mon)"
[ "$(grep -c '^socket,' xl.mon)" = 2 ] &&
	grep -q '^socket,id=libxl-cmd,path=/var/run/xen/qmp-libxl-DOMID,server=on,wait=off$' xl.mon &&
	grep -q '^socket,id=libxenstat-cmd,path=/var/run/xen/qmp-libxenstat-DOMID,server=on,wait=off$' xl.mon ||
	fail "libxl's monitors are not the two the table names"
[ "$(grep -c '^socket,' ds.mon)" = 1 ] &&
	grep -q '^socket,id=dmsup-qmp,fd=[0-9]*,server=on,wait=off$' ds.mon ||
	fail "dmsup's monitor is not its one pre-bound socket"
xs=$(grep -o ',script=[^,]*' xl.argv | sed 's/^,//' | sort -u)
ours=$(grep -o ',script=[^,]*' ds.argv | sed 's/^,//' | sort -u)
note "taps: libxl $xs, dmsup $ours"
[ "$xs" = script=no ] || fail "libxl's taps have $xs"
case $ours in script=/*/dmsup-vif-bridge) ;; *) fail "dmsup's taps have $ours" ;; esac
dmctl stop ds112 || fail "dmctl stop ds112 failed"
