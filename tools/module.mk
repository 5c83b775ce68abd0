# tools/: small stand-alone front ends.
#   dmsup-plan   prints the plan of a configuration given on its command
#                line (tests and the test bed) -> $(BUILD)/tests/plan/

PLAN_TOOL := $(BUILD)/tests/plan/dmsup-plan

$(PLAN_TOOL): $(BUILD)/obj/tools/dmsup-plan.o $(PLAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

TEST_BINS += $(PLAN_TOOL)
