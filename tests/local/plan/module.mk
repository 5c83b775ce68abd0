# Local test of the memory planner: its plans against the RAM blocks a real
# QEMU 7.2 (qemu-system-x86_64, TCG) allocates for the same devices.

PLAN_LOCAL_TESTS := $(BUILD)/tests/local/plan/test-plan-qemu

$(BUILD)/obj/tests/local/plan/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(PLAN_LOCAL_TESTS): $(BUILD)/tests/local/plan/%: $(BUILD)/obj/tests/local/plan/%.o $(PLAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS)

LOCAL_TESTS += $(PLAN_LOCAL_TESTS)
