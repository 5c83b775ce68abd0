# The stub keeper (dmsup --stub-keeper) for HVM guests made by mkhvm:
#  - Linux kind: the stub runs its QEMU for the guest, the keeper relays
#    the stub's console (xenconsoled leaves it alone); QEMU told to quit over
#    vchan powers the stub off, and the keeper says so and exits 1;
#  - SIGTERM: the keeper destroys the stub and its xenstore state, exits 0;
#  - the stub destroyed by someone else: the keeper says so, exits 1;
#  - a missing kernel: exit 2 with an error line, nothing left behind;
#  - MiniOS kind: the bed's protocol agent, as the stub, reads its dmargs
#    and signals running in dom0's device-model directory, on the console
#    the keeper relays.
. /opt/dmsup/tests/lib.sh

T=${DMSUP_T82_TIMEOUT:-120}
name=t82-guest
stubname=$name-dm
target=
target_vm=
stub=
stub_vm=

# keeper_start LOG ARGS...: runs the keeper in the background, its stdout
# and stderr into LOG; its pid goes to keeper.pid, its exit status (once
# it exits) to keeper.rc.
keeper_start() {
	local log=$1
	shift
	rm -f keeper.pid keeper.rc
	(
		sh -c 'echo $$ >keeper.pid; exec "$@"' sh dmsup --stub-keeper "$@" >"$log" 2>&1
		echo $? >keeper.rc
	) &
	wait_until 10 test -s keeper.pid || fail "the keeper did not start"
}

keeper_exited() {
	test -s keeper.rc
}

# keeper_wait: waits (bounded) for the keeper to exit; prints its status.
keeper_wait() {
	wait_until $T keeper_exited || fail_diag "the keeper did not exit within $T s"
	cat keeper.rc
}

keeper_stop() {
	[ -s keeper.pid ] && ! keeper_exited && kill -TERM "$(cat keeper.pid)" 2>/dev/null &&
		wait_until 60 keeper_exited
}

cleanup() {
	keeper_stop
	[ -n "$stub" ] && xl list "$stub" >/dev/null 2>&1 && mkstub --destroy $stub >/dev/null 2>&1
	[ -n "$target" ] && mkhvm --destroy $target >/dev/null 2>&1
	tb_cleanup
}
trap cleanup EXIT

# What a failure needs to be understood: the keeper's output carries the
# stub's console.
fail_diag() {
	tb_diagnose keeper.out "$target" ${stub:+/local/domain/$stub} \
		${target:+/local/domain/$target /local/domain/0/device-model/$target} \
		$target_vm
	fail "$*"
}

new_target() {
	target=$(mkhvm -n $name) || fail "mkhvm failed"
	target_vm=$(xenstore-read /local/domain/$target/vm) || fail "no vm path for $target"
}

# The arguments libxl gives a qemu-xen stub for mkhvm's guest (mkstub's).
qemu_args() {
	local max vram
	max=$(xenstore-read /local/domain/$target/memory/static-max) || fail "no static-max"
	vram=$(xenstore-read /local/domain/$target/memory/videoram) || fail "no videoram"
	echo "-xen-domid $target -no-shutdown -nodefaults -no-user-config -name $name" \
		"-display none -vnc none -device VGA,vgamem_mb=$((vram / 1024)) -boot order=n" \
		"-net none -machine xenfv,suppress-vmdesc=on -m $(((max - vram) / 1024))"
}

keeper_says() {
	tr -d '\r' <keeper.out | grep -q "$1"
}

stub_known() {
	xenstore-exists /local/domain/$target/image/device-model-domid
}

# The stub may stay "dying" while its target lives (the target's ioreq
# server holds it), but it must not run.
stub_dying_or_gone() {
	! xl list $stub >/dev/null 2>&1 || xl list $stub | awk 'NR == 2 { exit !($5 ~ /d/) }'
}

no_leftovers() {
	local p
	stub_dying_or_gone || fail_diag "stub domain $stub still runs"
	for p in /local/domain/$stub $stub_vm /local/domain/$target/image/device-model-domid \
		$target_vm/image/dm-argv $target_vm/image/dmargs \
		/local/domain/0/device-model/$target; do
		xenstore-exists "$p" && fail_diag "xenstore $p survived the stub"
	done
	return 0
}

# launch_linux: a Linux stub for a fresh target, run until QEMU runs.
launch_linux() {
	new_target
	rm -f "$DMSUP_CONSOLE_DIR/guest-$stubname.log"
	keeper_start keeper.out --kind linux --target $target \
		--kernel /opt/dmsup/guest/vmlinux --ramdisk $DMSUP_STUBDOM_IMAGE_DIR/initrd \
		--memory 192 --name $stubname --bios seabios -- $(qemu_args)
	wait_until $T stub_known || fail_diag "domain $target never got a device-model domain"
	stub=$(xenstore-read /local/domain/$target/image/device-model-domid)
	stub_vm=$(xenstore-read /local/domain/$stub/vm)
	note "keeper $(cat keeper.pid): stub domain $stub ($stub_vm) for domain $target"
	wait_until $T xs_is /local/domain/$stub/device-model/$target/state running ||
		fail_diag "the stub's QEMU did not report running within $T s"
	wait_until 30 keeper_says "stub: qemu running" ||
		fail_diag "the keeper did not relay the stub's 'stub: qemu running'"
}

end_target() {
	mkhvm --destroy $target || fail "mkhvm --destroy $target failed"
	target=
	stub=
}

note "1. Linux kind: the stub runs QEMU, the keeper relays its console"
launch_linux
keeper_says "^dmsup-stub: stub domain $stub ($stubname) serves domain $target" ||
	fail_diag "no 'serves domain' line"
keeper_says "xen-qemu-system-i386 .*-xen-domid $target " ||
	fail_diag "the stub's QEMU was not started for domain $target"
xs_is /local/domain/$stub/console/type dmsup || fail_diag "console/type is not dmsup"
# xenconsoled attaches only to type "xenconsoled" (or none): it has no log.
log=$DMSUP_CONSOLE_DIR/guest-$stubname.log
[ ! -s "$log" ] || fail_diag "xenconsoled logged the stub's console too: $(head -n 3 "$log")"
tr -d '\r' <keeper.out | grep -E "^dmsup-stub:|^stub:" | head -n 12

note "QEMU quits inside the stub: the stub powers off, the keeper exits 1"
out=$(qmp-call -t 60 vchan:$stub:/local/domain/$stub/device-model/$target/qmp-vchan quit 2>&1) ||
	note "qmp-call quit: $out (QEMU may close before it answers)"
rc=$(keeper_wait)
[ "$rc" = 1 ] || fail_diag "the keeper exited with $rc, expected 1"
keeper_says "stub: device model exited" || fail_diag "the stub did not say its QEMU exited"
keeper_says "^dmsup-stub: stub domain $stub shut down (poweroff)" ||
	fail_diag "the keeper did not say the stub shut down"
no_leftovers
tr -d '\r' <keeper.out | tail -n 3
end_target

note "2. SIGTERM: the keeper destroys the stub and exits 0"
launch_linux
kill -TERM "$(cat keeper.pid)"
rc=$(keeper_wait)
[ "$rc" = 0 ] || fail_diag "the keeper exited with $rc after SIGTERM, expected 0"
keeper_says "^dmsup-stub: stub domain $stub destroyed on request" ||
	fail_diag "the keeper did not say it destroyed the stub"
no_leftovers
stubid=$stub
end_target
stub_gone() {
	! xl list $stubid >/dev/null 2>&1
}
wait_until 30 stub_gone || fail "stub domain $stubid still exists 30 s after its target went"

note "3. the stub destroyed behind the keeper's back: exit 1, 'was destroyed'"
launch_linux
xl destroy $stub || fail_diag "xl destroy $stub failed"
rc=$(keeper_wait)
[ "$rc" = 1 ] || fail_diag "the keeper exited with $rc after its stub was destroyed, expected 1"
keeper_says "^dmsup-stub: stub domain $stub was destroyed" ||
	fail_diag "the keeper did not say its stub was destroyed"
no_leftovers
end_target

note "4. a missing kernel: exit 2, an error, nothing left behind"
new_target
before=$(xl list | wc -l)
rc=0
timeout 60 dmsup --stub-keeper --kind linux --target $target --kernel /nonexistent/vmlinux \
	--memory 192 -- -xen-domid $target >keeper.out 2>&1 || rc=$?
cat keeper.out
[ $rc = 2 ] || fail_diag "the keeper exited with $rc, expected 2"
keeper_says "^dmsup-stub: error: .*/nonexistent/vmlinux" || fail_diag "no error line naming the kernel"
[ "$(xl list | wc -l)" = "$before" ] || fail_diag "a domain was left behind"
stub_known && fail_diag "domain $target names a device-model domain"
end_target

note "5. MiniOS kind: the protocol agent reads its dmargs and signals running"
new_target
keeper_start keeper.out --kind minios --target $target \
	--kernel $DMSUP_GUEST_DIR/vmlinux --ramdisk $DMSUP_GUEST_DIR/initrd \
	--cmdline 'console=hvc0 quiet dmsup.run="minios-agent"' --memory 128 \
	--name t82-minios-dm -- -xen-domid $target -nodefaults -m 48
wait_until $T stub_known || fail_diag "domain $target never got a device-model domain"
stub=$(xenstore-read /local/domain/$target/image/device-model-domid)
stub_vm=$(xenstore-read /local/domain/$stub/vm)
wait_until $T xs_is /local/domain/0/device-model/$target/state running ||
	fail_diag "the MiniOS stub did not signal running within $T s"
wait_until 30 keeper_says "minios-agent: dmargs: -xen-domid $target -nodefaults -m 48" ||
	fail_diag "the keeper did not relay the agent's dmargs line"
tr -d '\r' <keeper.out | grep -E "^dmsup-stub:|^minios-agent:"
kill -TERM "$(cat keeper.pid)"
rc=$(keeper_wait)
[ "$rc" = 0 ] || fail_diag "the keeper exited with $rc after SIGTERM, expected 0"
no_leftovers
end_target
