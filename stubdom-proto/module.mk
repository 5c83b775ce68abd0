# stubdom-proto: the toolstack <-> stub-domain protocols (a library), and
# the stub-side protocol agent that the Xen test bed runs inside a domU.

STUBDOM_PROTO_SRCS := stubdom-proto/xs.c stubdom-proto/xs-real.c \
                      stubdom-proto/setup.c stubdom-proto/handshake.c \
                      stubdom-proto/pvdev.c
STUBDOM_PROTO_LIB  := $(BUILD)/lib/libstubdom-proto.a
# What a program linking the library needs after it.
STUBDOM_PROTO_LIBS := $(EVENT_LIBS) $(XEN_LIBS)

$(BUILD)/obj/stubdom-proto/xs-real.o: CPPFLAGS += $(XEN_CFLAGS)

$(STUBDOM_PROTO_LIB): $(STUBDOM_PROTO_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

HEADERS += stubdom-proto/xs.h stubdom-proto/setup.h stubdom-proto/handshake.h \
           stubdom-proto/pvdev.h
LIBS += $(STUBDOM_PROTO_LIB)

# The stub-side protocol agent runs inside a test-bed domU, whose
# initramfs gets every program in $(BUILD)/tests/xen/guest/ as /usr/bin/*.
# The bed's dom0 and guest have libxenstore but not libevent: libevent is
# linked in statically. libxenstore must stay dynamic: statically linked,
# its reader thread gets a 16 KiB stack (it finds glibc's minimum through
# dlsym) and every request after the first watch fails with EINVAL.
MINIOS_AGENT := $(BUILD)/tests/xen/guest/minios-agent
STUBDOM_TOOL_LIBS := -Wl,-Bstatic -levent_core -Wl,-Bdynamic \
                     -lxenstore -lpthread

# The protocol side (agent.o) is also linked into a unit test.
MINIOS_AGENT_OBJ := $(BUILD)/obj/stubdom-proto/agent/agent.o

$(BUILD)/obj/stubdom-proto/agent/minios-agent.o: CPPFLAGS += $(XEN_CFLAGS)

$(MINIOS_AGENT): $(BUILD)/obj/stubdom-proto/agent/minios-agent.o \
		$(MINIOS_AGENT_OBJ) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(STUBDOM_TOOL_LIBS)

TEST_BINS += $(MINIOS_AGENT)

# The toolstack side from the command line, for the test bed's dom0
# (until dmsup drives the handshake), linked as the agent is.
STUBDOM_HS_DRIVE := $(BUILD)/tests/xen/stubdom-hs-drive

$(STUBDOM_HS_DRIVE): $(BUILD)/obj/stubdom-proto/tools/hs-drive.o $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(STUBDOM_TOOL_LIBS)

TEST_BINS += $(STUBDOM_HS_DRIVE)

# A guest-side permission probe (shell, uses the guest's xenstore tools).
DM_GUEST_PROBE := $(BUILD)/tests/xen/guest/dm-guest-probe

$(DM_GUEST_PROBE): stubdom-proto/agent/dm-guest-probe
	@mkdir -p $(@D)
	install -m 0755 $< $@

TEST_BINS += $(DM_GUEST_PROBE)
