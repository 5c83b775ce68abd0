# Unit tests of libqmp: the framing alone, and the client against an
# in-process peer on a socketpair.

QMP_UNIT_TESTS := $(BUILD)/tests/unit/qmp/test-qmp-parser \
                  $(BUILD)/tests/unit/qmp/test-qmp-client \
                  $(BUILD)/tests/unit/qmp/test-qmp-transport

$(BUILD)/obj/tests/unit/qmp/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(QMP_UNIT_TESTS): $(BUILD)/tests/unit/qmp/%: $(BUILD)/obj/tests/unit/qmp/%.o $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS)

UNIT_TESTS += $(QMP_UNIT_TESTS)
