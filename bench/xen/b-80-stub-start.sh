# Benchmark (bed, run by run-bench): time from start to device model ready
# for the same HVM guest (64 MiB, stdvga 16 MiB, no disk, boot n):
#   (a) QEMU in dom0 for a domain made by mkhvm: QEMU started -> its
#       /local/domain/0/device-model/T/state = running;
#   (b) dmsup's stub keeper for a domain made by mkhvm: keeper started ->
#       /local/domain/S/device-model/T/state = running (stub built, booted,
#       its QEMU running);
#   (c) xl create with device_model_stubdomain_override=1 and our stub image
#       (stubdomain_kernel/ramdisk/memory) -> the stub's state = running
#       (this one includes building the guest itself; mkhvm's share is
#       printed separately for comparison).
# Median of 3 each (the keeper: of 6). Prints "bench: ..." lines; asserts nothing about speed.
. /opt/dmsup/tests/lib.sh
. /opt/dmsup/bench/bench-lib.sh
cd /tmp || exit 1

name=b80-guest
kernel=$STUB_KERNEL initrd=$STUB_INITRD
T=180
target= qpid= kpid_file=/tmp/b80-keeper.pid

b80_cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
	[ -s $kpid_file ] && kill -TERM "$(cat $kpid_file)" 2>/dev/null &&
		wait_until 60 test -s /tmp/b80-keeper.rc
	[ -n "$target" ] && mkhvm --destroy "$target" >/dev/null 2>&1
	tb_cleanup
}
trap b80_cleanup EXIT

new_target() {
	local t0=$(now_cs)
	target=$(mkhvm -n $name -m 64 --videoram 16) || fail "mkhvm failed"
	mk_times="$mk_times $(($(now_cs) - t0))"
}

end_target() {
	mkhvm --destroy "$target" >/dev/null || fail "mkhvm --destroy $target failed"
	target=
}

# (a) dom0 QEMU
times= mk_times=
for i in 1 2 3; do
	new_target
	t0=$(now_cs)
	/usr/libexec/xen-qemu-system-i386 -xen-domid $target -no-shutdown \
		-nodefaults -no-user-config -name $name -display none -vnc none \
		-device VGA,vgamem_mb=16 -machine xenfv -m 48 >/tmp/b80-qemu.log 2>&1 &
	qpid=$!
	wait_until $T xs_is /local/domain/0/device-model/$target/state running ||
		fail "dom0 QEMU for $target not running: $(tail -n 5 /tmp/b80-qemu.log)"
	t=$(($(now_cs) - t0))
	times="$times $t"
	kill "$qpid" && wait "$qpid" 2>/dev/null
	qpid=
	end_target
done
# shellcheck disable=SC2086
say "(a) dom0 QEMU started -> device model running: median $(secs $(median $times)) (of 3:$times cs)"

# (b) the stub keeper: start -> running; then its stop, by SIGTERM (runs
# 1-3) or by QEMU quitting inside the stub (runs 4-6), -> keeper exited.
keeper_run() {
	new_target
	rm -f $kpid_file /tmp/b80-keeper.rc
	t0=$(now_cs)
	(
		sh -c 'echo $$ >'$kpid_file'; exec "$@"' sh dmsup --stub-keeper --kind linux \
			--target $target --kernel $kernel --ramdisk $initrd --memory 192 \
			-- -xen-domid $target -no-shutdown -nodefaults -no-user-config \
			-name $name -display none -vnc none -device VGA,vgamem_mb=16 \
			-boot order=n -net none -machine xenfv,suppress-vmdesc=on -m 48 \
			>/tmp/b80-keeper.out 2>&1
		echo $? >/tmp/b80-keeper.rc
	) &
	wait_until $T xenstore-exists /local/domain/$target/image/device-model-domid ||
		fail "the keeper built no stub: $(tail -n 5 /tmp/b80-keeper.out)"
	stub=$(xenstore-read /local/domain/$target/image/device-model-domid)
	wait_until $T xs_is /local/domain/$stub/device-model/$target/state running ||
		fail "the keeper's stub $stub not running: $(tail -n 5 /tmp/b80-keeper.out)"
	t=$(($(now_cs) - t0))
	times="$times $t"
	b=$(tr -d '\r' </tmp/b80-keeper.out | sed -n 's/.*built and unpaused in \([0-9]*\) ms.*/\1/p')
	builds="$builds ${b:-?}"
	t0=$(now_cs)
	if [ "$1" = quit ]; then
		qmp-call -t 60 vchan:$stub:/local/domain/$stub/device-model/$target/qmp-vchan quit >/dev/null 2>&1
	else
		kill -TERM "$(cat $kpid_file)"
	fi
	wait_until 60 test -s /tmp/b80-keeper.rc || fail "the keeper did not stop"
	stops="$stops $(($(now_cs) - t0))"
	rm -f $kpid_file
	end_target
}
times= builds= stops=
for i in 1 2 3; do keeper_run term; done
term_stops=$stops stops=
for i in 1 2 3; do keeper_run quit; done
# shellcheck disable=SC2086
say "(b) stub keeper started -> stub's device model running: median $(secs $(median $times)) (of 6:$times cs; build + unpause, ms:$builds)"
# shellcheck disable=SC2086
say "    SIGTERM -> keeper exited (stub destroyed): median $(secs $(median $term_stops)) (of 3:$term_stops cs)"
# shellcheck disable=SC2086
say "    QMP quit -> stub powered off -> keeper exited: median $(secs $(median $stops)) (of 3:$stops cs)"
# shellcheck disable=SC2086
say "    mkhvm (the guest's own build, not in (a) and (b)): median $(secs $(median $mk_times))"

# (c) xl create with libxl's stub domain and our image (b-81 reports it
# again beside dmsup's figures).
xl_stub_runs 3 $T
# shellcheck disable=SC2086
[ -n "$xl_times" ] &&
	say "(c) xl create (stub domain, our image) -> stub's device model running: median $(secs $(median $xl_times)) (of 3:$xl_times cs)"
exit 0
