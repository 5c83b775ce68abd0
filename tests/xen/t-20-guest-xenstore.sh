# A PV guest reads and writes its own xenstore nodes through libxenstore
# (xs-guest in the guest), and cannot write a node that dom0 made read-only
# for it: the write fails with EACCES and the node keeps dom0's value.
. /opt/dmsup/tests/lib.sh

name=t20-xs
guest_create $name "xs-guest 120"
domid=$(xl domid $name) || fail "no domid for $name"
base=/local/domain/$domid
note "guest $name is domain $domid"

# What dom0 places for the guest: a read-only node, then (last, because the
# guest waits for it) a value the guest cannot know in advance.
token="dom0-token-$$-$(cut -d' ' -f1 /proc/uptime)"
xenstore-write $base/data/readonly dom0-value || fail "cannot write $base/data/readonly"
xenstore-chmod $base/data/readonly n0 r$domid || fail "cannot chmod $base/data/readonly"
xenstore-write $base/data/from-dom0 "$token" || fail "cannot write $base/data/from-dom0"

rc=$(guest_wait $name 240)
guest_output $name
[ "$rc" = 0 ] || fail "xs-guest exited with status $rc"

# expect REL VALUE WHY: the guest's node REL holds VALUE.
expect() {
	got=$(xenstore-read $base/$1 2>&1)
	[ "$got" = "$2" ] || fail "$3: $base/$1 is '$got', expected '$2'"
}
expect data/echo "$token" "the guest did not read the value dom0 placed"
expect data/guest-wrote "written-by-domain-$domid" "the guest did not write under its own domid"
expect data/readonly-write EACCES "the guest's write to a read-only node did not fail with EACCES"
expect data/readonly dom0-value "the read-only node changed"

domain_destroy $name
