# mkhvm, the test toolstack, creates a paused HVM domain with no device
# model and the xenstore layout libxl would give it, and destroys it
# cleanly again.
. /opt/dmsup/tests/lib.sh

name=t50-mkhvm
mem=64
videoram=16
vcpus=2
domid=
cleanup() {
	[ -n "$domid" ] && mkhvm --destroy $domid >/dev/null 2>&1
	tb_cleanup
}
trap cleanup EXIT

domid=$(mkhvm -n $name -m $mem --videoram $videoram -c $vcpus) || fail "mkhvm failed"
note "mkhvm created domain $domid"
[ "$(xl domid $name 2>&1)" = "$domid" ] || fail "xl does not know $name as domain $domid"

note "xl shows it paused, with its vCPUs and the memory the builder populated"
xl list
set -- $(xl list | awk -v n=$name '$1 == n')
[ "$2" = "$domid" ] || fail "xl list has no line for $name"
case $5 in
*p*) ;;
*) fail "domain $domid is in state '$5', not paused" ;;
esac
# xl list counts online vCPUs: only the boot vCPU is, until the guest runs.
nvcpus=$(xl vcpu-list $name | awk 'NR > 1' | wc -l)
[ "$nvcpus" = $vcpus ] || fail "domain $domid has $nvcpus vCPUs, expected $vcpus"
# RAM without the videoram, less the legacy VGA hole (128 KiB) that only the
# device model fills: so between one MiB under and exactly that.
ram=$((mem - videoram))
[ "$3" -le $ram ] && [ "$3" -ge $((ram - 1)) ] ||
	fail "xl list shows $3 MiB for domain $domid, expected about $ram MiB"

note "no device model exists for it"
! xenstore-read /local/domain/0/device-model/$domid >/dev/null 2>&1 ||
	fail "/local/domain/0/device-model/$domid exists"
for p in /proc/[0-9]*; do
	tr '\0' ' ' <$p/cmdline 2>/dev/null | grep -q -- "-xen-domid $domid " &&
		fail "a device model runs for domain $domid: $(tr '\0' ' ' <$p/cmdline)"
done

note "its xenstore skeleton is the one libxl writes for an HVM guest"
xenstore-ls -f -p /local/domain/$domid
base=/local/domain/$domid
vm=$(xenstore-read $base/vm) || fail "$base/vm is missing"
expect() {
	got=$(xenstore-read "$1" 2>&1)
	[ "$got" = "$2" ] || fail "$1 is '$got', expected '$2'"
}
expect $base/name $name
expect $base/domid $domid
expect $vm/name $name
expect $base/hvmloader/bios seabios
expect $base/platform/device-model qemu_xen
expect $base/memory/static-max $((mem * 1024))
expect $base/memory/videoram $((videoram * 1024))
expect $base/cpu/1/availability online
expect /libxl/$domid/type hvm
xenstore-read $base/store/port >/dev/null || fail "$base/store/port is missing"
# The guest may read its home but not write it; data/ is its own.
expect_perms() {
	got=$(xenstore-ls -p "$(dirname $1)" | sed -n "s/^$(basename $1) = .*(\(.*\))\$/\1/p")
	[ "$got" = "$2" ] || fail "$1 has permissions '$got', expected '$2'"
}
expect_perms $base/hvmloader "n0,r$domid"
expect_perms $base/data "n$domid"

note "destroying it removes the domain and its xenstore nodes"
mkhvm --destroy $domid || fail "mkhvm --destroy $domid failed"
gone=$domid
domid=
! domain_exists $name || fail "$name is still in xl list after mkhvm --destroy"
for p in $base $vm /libxl/$gone; do
	! xenstore-read $p >/dev/null 2>&1 || fail "$p still exists after mkhvm --destroy"
done

note "xl destroy copes with an mkhvm domain too (run-suite's safety net relies on it)"
domid=$(mkhvm -n $name) || fail "mkhvm failed the second time"
vm=$(xenstore-read /local/domain/$domid/vm) || fail "/local/domain/$domid/vm is missing"
domain_destroy $name
gone=$domid
domid=
for p in /local/domain/$gone $vm /libxl/$gone; do
	! xenstore-read $p >/dev/null 2>&1 || fail "$p still exists after xl destroy"
done
