# The stub-domain side of the Linux stub-domain protocol: qmp-vchan-bridge
# serves QEMU's QMP socket over libxenvchan (docs/qmp-vchan.md). It runs
# inside a stub domain (the stub image and the test bed's guest take it
# from $(BUILD)/tests/xen/guest/) and can run in dom0 ($(BUILD)/bin).
# The test bed's guest also gets a qmp-call, to be the client in a domU.

LINUX_AGENT_OBJS := $(BUILD)/obj/stubdom-proto/linux-agent/vchan-bridge.o \
                    $(BUILD)/obj/stubdom-proto/linux-agent/qmp-vchan-bridge.o

$(BUILD)/obj/stubdom-proto/linux-agent/%.o: CPPFLAGS += $(XEN_CFLAGS)

$(BUILD)/bin/qmp-vchan-bridge: $(LINUX_AGENT_OBJS) $(QMP_VCHAN_LIB) $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS)

$(BUILD)/tests/xen/guest/qmp-vchan-bridge: $(BUILD)/bin/qmp-vchan-bridge
	@mkdir -p $(@D)
	cp $< $@

$(BUILD)/tests/xen/guest/qmp-call: $(BUILD)/bin/qmp-call
	@mkdir -p $(@D)
	cp $< $@

# In sbin, its page in section 8: a server that needs Xen's grant and
# event-channel devices, so root.
SBINS     += $(BUILD)/bin/qmp-vchan-bridge
MAN8      += docs/qmp-vchan-bridge.8
TEST_BINS += $(BUILD)/tests/xen/guest/qmp-vchan-bridge \
             $(BUILD)/tests/xen/guest/qmp-call

# The guest half of tests/xen/t-70-qmp-vchan.sh.
$(BUILD)/tests/xen/guest/qmp-vchan-client: tests/xen/guest/qmp-vchan-client.sh
	@mkdir -p $(@D)
	install -m 0755 $< $@

TEST_BINS += $(BUILD)/tests/xen/guest/qmp-vchan-client
