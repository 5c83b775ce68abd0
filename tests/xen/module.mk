# The Xen test bed (docs/testbed.md): `make check-xen` builds the image from
# Debian packages plus everything `all` built, boots it and runs the in-dom0
# suite; `make check-xen T="t-10-xenstore ..."` runs only those tests and
# V=1 traces them (sh -x).
TESTBED_RUN_FLAGS = $(if $(filter 1,$(V)),-v)

.PHONY: testbed
testbed: all
	DMSUP_LIBEXECDIR=$(LIBEXECDIR) STUBDOM_DIR=$(STUBDOM_DIR) scripts/testbed/build -b $(BUILD)

check-xen: testbed
	scripts/testbed/run -b $(BUILD) $(TESTBED_RUN_FLAGS) $(T)

# A guest moved between two beds at once, joined by a network (issue 16,
# test 3; docs/testbed.md): about 60 s, part of make check.
.PHONY: check-xen-migrate
check-xen-migrate: testbed
	scripts/testbed/run-pair -b $(BUILD) $(TESTBED_RUN_FLAGS) \
		m-10-migrate-send m-10-migrate-recv

# The sessions part of the qmp-vchan tests runs on both sides of the
# bridge: dom0 gets it with the other tests/xen/*.sh (as
# /opt/dmsup/tests/qmp-vchan-sessions.sh), the guest from here (in
# /usr/bin, for tests/xen/guest/qmp-vchan-client.sh).
$(BUILD)/tests/xen/guest/qmp-vchan-sessions: tests/xen/qmp-vchan-sessions.sh
	@mkdir -p $(@D)
	install -m 0755 $< $@

TEST_BINS += $(BUILD)/tests/xen/guest/qmp-vchan-sessions

# A guest disk that shows progress (tests/xen/disk/tick.S): a boot sector
# printing "tick NNNN" to port 0xe9 each second, in a 1 MiB raw image
# (dom0: /opt/dmsup/tests/tick.img).
$(BUILD)/obj/tests/xen/disk/tick.o: tests/xen/disk/tick.S
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<
$(BUILD)/tests/xen/tick.img: $(BUILD)/obj/tests/xen/disk/tick.o
	@mkdir -p $(@D)
	ld -m elf_x86_64 -Ttext 0x7c00 --oformat binary -o $@.tmp $<
	test "$$(stat -c %s $@.tmp)" -eq 512
	truncate -s 1M $@.tmp && mv $@.tmp $@
TEST_BINS += $(BUILD)/tests/xen/tick.img

# The same disk as qcow2 (t-112: xl's and dmsup's argv for a qcow2 disk).
$(BUILD)/tests/xen/tick.qcow2: $(BUILD)/tests/xen/tick.img
	qemu-img convert -f raw -O qcow2 $< $@.tmp && mv $@.tmp $@
TEST_BINS += $(BUILD)/tests/xen/tick.qcow2
