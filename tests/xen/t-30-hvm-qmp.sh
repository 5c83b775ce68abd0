# An HVM guest created with xl gets the real device model (qemu-xen, in
# dom0): libxl reports it running in xenstore, our qmp-call gets
# query-status = running from it over libxl's QMP socket, and xl destroy
# takes the domain, its device model and its xenstore nodes away.
. /opt/dmsup/tests/lib.sh

qmp_call=/opt/dmsup/bin/qmp-call
[ -x "$qmp_call" ] ||
	fail "$qmp_call is missing: this test needs dmsup's qmp-call (build/bin/qmp-call, issue 2)"

# The pid of the device model serving DOMID, if one runs.
dm_pid() {
	local c
	for c in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' <"$c" 2>/dev/null | grep -q -- "xen-qemu-system-i386 -xen-domid $1 " &&
			basename "${c%/cmdline}"
	done
}

no_dm() {
	[ -z "$(dm_pid "$1")" ]
}

hvm_create hvm30
domid=$(xl domid hvm30) || fail "no domid for hvm30"
xs_wait "/local/domain/0/device-model/$domid/state" running 120
[ -n "$(dm_pid "$domid")" ] || fail "no xen-qemu-system-i386 -xen-domid $domid runs"

sock=/run/xen/qmp-libxl-$domid
[ -S "$sock" ] || fail "$sock is not a socket"
out=$(timeout 60 "$qmp_call" "$sock" query-status 2>&1) ||
	fail "qmp-call $sock query-status failed: $out"
note "query-status: $out"
echo "$out" | grep -q '"status" *: *"running"' || fail "query-status did not say running: $out"

domain_destroy hvm30
wait_until 30 no_dm "$domid" || fail "the device model of domain $domid outlived xl destroy"
! xenstore-exists "/local/domain/$domid" || fail "/local/domain/$domid remains after xl destroy"
! xenstore-exists "/local/domain/0/device-model/$domid" ||
	fail "/local/domain/0/device-model/$domid remains after xl destroy"
