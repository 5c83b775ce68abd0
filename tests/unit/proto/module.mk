# Unit tests of stubdom-proto, over the in-memory xenstore (tests only).

PROTO_TEST_SUPPORT := $(BUILD)/obj/tests/unit/proto/xs-mem.o \
                      $(BUILD)/obj/tests/unit/proto/helpers.o
PROTO_TESTS := $(addprefix $(BUILD)/tests/unit/proto/,test-xs test-setup test-handshake test-pvdev)

$(BUILD)/obj/tests/unit/proto/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(PROTO_TESTS): $(BUILD)/tests/unit/proto/%: $(BUILD)/obj/tests/unit/proto/%.o \
		$(PROTO_TEST_SUPPORT) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(STUBDOM_PROTO_LIBS) $(CHECK_LIBS)

UNIT_TESTS += $(PROTO_TESTS)

# The handshake against the stub-side agent that the test bed runs.
PROTO_AGENT_TEST := $(BUILD)/tests/unit/proto/test-agent

$(PROTO_AGENT_TEST): $(BUILD)/obj/tests/unit/proto/test-agent.o \
		$(MINIOS_AGENT_OBJ) $(PROTO_TEST_SUPPORT) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(STUBDOM_PROTO_LIBS) $(CHECK_LIBS)

UNIT_TESTS += $(PROTO_AGENT_TEST)
