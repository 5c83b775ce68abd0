# Unit tests of the memory planner (dmsup/plan*.c): the tables against the
# ROM files installed here, the rules, the JSON form, the log scanner.

PLAN_UNIT_TESTS := $(BUILD)/tests/unit/plan/test-plan \
                   $(BUILD)/tests/unit/plan/test-plan-json \
                   $(BUILD)/tests/unit/plan/test-plan-log

$(BUILD)/obj/tests/unit/plan/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(PLAN_UNIT_TESTS): $(BUILD)/tests/unit/plan/%: $(BUILD)/obj/tests/unit/plan/%.o $(PLAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS)

UNIT_TESTS += $(PLAN_UNIT_TESTS)
