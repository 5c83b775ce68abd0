# The memory planner against a real hypervisor (issue 6). For each device
# model configuration below, on a paused HVM domain from mkhvm (the test
# toolstack, no device model):
#  1. the toolstack's role: max_pages = tot_pages (the guest memory the
#     builder populated) + the plan's target_pages, set exactly with
#     `xcinfo --set-max-pages` (xc_domain_setmaxmem in KiB, which Xen turns
#     back into pages with no slack; `xl mem-max` would add libxl's 1 MiB);
#  2. qemu-system-xen started as the plan assumes (-nodefaults -net none, the
#     -device strings from `dmsup-plan --devices`, VGA first, cwd /) reaches
#     device-model/<domid>/state = running, and tot_pages grew by exactly
#     target_pages (measured before any unpause, so the firmware has not
#     run); its `-trace xen_ram_alloc` lines add up to the plan, item by
#     item;
#  3. on a fresh domain with max_pages one ROM short (target_pages minus the
#     plan's last item, a ROM), QEMU exits with "failed to populate ram",
#     `dmsup-plan --scan-log` on its log names the failing allocation with
#     exactly that ROM's pages and, given the plan and the page counts read
#     before the start, a shortfall of exactly those pages; what QEMU
#     populated before it stays in the guest.
. /opt/dmsup/tests/lib.sh

QEMU=/usr/libexec/xen-qemu-system-i386
mem=64
domid=
qpid=
# The firmware directories of the QEMU binary actually run, in its order.
fwpath=$($QEMU -L help | tr '\n' ':')
fwpath=${fwpath%:}

exited() {
	[ ! -e /proc/$1 ] || grep -q '^State:[[:space:]]*Z' /proc/$1/status
}
stop_qemu() {
	[ -n "$qpid" ] || return 0
	kill $qpid 2>/dev/null
	if ! wait_until 30 exited $qpid; then
		kill -9 $qpid 2>/dev/null
	fi
	wait $qpid 2>/dev/null
	qpid=
}
destroy_domain() {
	[ -n "$domid" ] || return 0
	mkhvm --destroy $domid >/dev/null 2>&1 || fail "mkhvm --destroy $domid failed"
	domid=
}
cleanup() {
	stop_qemu
	destroy_domain
	tb_cleanup
}
trap cleanup EXIT

# json_num KEY: the number of "KEY": in plan.json (dmsup-plan's pretty form,
# one key a line).
json_num() {
	sed -n "s/^ *\"$1\":\([0-9]*\),*\$/\1/p" plan.json
}
# item_pages: the pages of the plan's items, in order, one a line.
item_pages() {
	sed -n 's/^ *"pages":\([0-9]*\),*$/\1/p' plan.json
}
# xc_read DOMID: sets max_pages and tot_pages.
xc_read() {
	eval "$(xcinfo $1)" || fail "xcinfo $1 failed"
}
# new_domain NAME VIDEORAM: a paused HVM domain; sets domid and tot0.
new_domain() {
	domid=$(mkhvm -n $1 -m $mem --videoram $2) || fail "mkhvm failed"
	xc_read $domid
	tot0=$tot_pages
	note "domain $domid: max_pages $max_pages, tot_pages $tot0 (mkhvm -m $mem --videoram $2)"
}
set_max() {
	xcinfo --set-max-pages $domid $1 >/dev/null || fail "setting max_pages of $domid to $1 failed"
}
# start_qemu VIDEORAM LOG: the device model as the plan assumes it, tracing
# every allocation it populates.
start_qemu() {
	local args='' d
	for d in $devices; do
		args="$args -device $d"
	done
	# shellcheck disable=SC2086
	(cd / && exec $QEMU -xen-domid $domid -no-shutdown -nodefaults \
		-no-user-config -name plan$domid -display none -vnc none \
		-trace xen_ram_alloc $args -net none \
		-machine xenfv -m $((mem - $1))) >"$2" 2>&1 &
	qpid=$!
}
running() {
	xs_is /local/domain/0/device-model/$domid/state running
}

# check NAME VIDEORAM PLAN-ARGS...
check() {
	local name=$1 v=$2 target items last traced
	shift 2
	dmsup-plan --json --firmware-path "$fwpath" --memory $mem --videoram $v "$@" >plan.json ||
		fail "dmsup-plan $* failed"
	devices=$(dmsup-plan --devices --firmware-path "$fwpath" --memory $mem --videoram $v "$@") ||
		fail "dmsup-plan --devices $* failed"
	target=$(json_num target_pages)
	items=$(item_pages | wc -l)
	last=$(item_pages | tail -n 1)
	[ -n "$target" ] && [ "$items" -ge 1 ] && [ -n "$last" ] || fail "cannot read plan.json"
	note "$name: plan $target pages in $items items ($(item_pages | tr '\n' ' ')), devices: $(echo $devices)"

	new_domain $name $v
	set_max $((tot0 + target))
	start_qemu $v $name.log
	if ! wait_until 90 running; then
		cat $name.log
		fail "$name: the device model did not reach running within 90 s with max_pages = tot_pages + plan"
	fi
	xc_read $domid
	note "$name: MEASURED before $tot0, after $tot_pages, populated $((tot_pages - tot0)) pages, plan $target"
	[ $((tot_pages - tot0)) -eq "$target" ] ||
		fail "$name: QEMU populated $((tot_pages - tot0)) pages, the plan says $target"
	note "$name: QEMU traced: $(grep -m1 xen_ram_alloc $name.log)"
	dmsup-plan --scan-log $name.log >scan.txt
	grep -qx "failed: no" scan.txt || fail "$name: the scanner saw a failure: $(cat scan.txt)"
	traced=$(sed -n 's/^traced requests: \([0-9]*\), \([0-9]*\) pages$/\1 \2/p' scan.txt)
	[ "$traced" = "$items $target" ] ||
		fail "$name: QEMU traced $traced (requests pages), the plan has $items items, $target pages: $(cat scan.txt)"
	stop_qemu
	destroy_domain

	new_domain $name-short $v
	max0=$((tot0 + target - last))
	set_max $max0
	start_qemu $v $name-short.log
	wait_until 90 exited $qpid || fail "$name-short: QEMU still runs with max_pages one ROM short"
	wait $qpid
	note "$name-short: QEMU exited with status $?"
	qpid=
	grep 'failed to populate ram' $name-short.log ||
		fail "$name-short: no populate failure in QEMU's log: $(cat $name-short.log)"
	dmsup-plan --scan-log $name-short.log --need $target --max-pages $max0 \
		--tot-pages $tot0 >scan.txt
	cat scan.txt
	grep -qx "failed: yes" scan.txt || fail "$name-short: the scanner saw no failure"
	grep -q "^failed at: 0x[0-9a-f]*, $last pages\$" scan.txt ||
		fail "$name-short: the scanner did not report the failing $last pages"
	grep -qx "shortfall: $last pages" scan.txt ||
		fail "$name-short: the shortfall is not the missing $last pages"
	xc_read $domid
	note "$name-short: MEASURED after the failure tot_pages $tot_pages (+$((tot_pages - tot0)))"
	[ $((tot_pages - tot0)) -eq $((target - last)) ] ||
		fail "$name-short: $((tot_pages - tot0)) pages stayed populated, expected $((target - last))"
	destroy_domain
}

check stdvga 16 --vga stdvga
check e1000x2 16 --vga stdvga --nic e1000 --nic e1000
check cirrus-rtl 8 --vga cirrus --nic rtl8139
