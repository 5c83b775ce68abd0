# The memory planner (issue 6). The daemon links $(PLAN_OBJS) into dmctl
# and dmsup; dmsup-plan is a standalone front end for tests and the test
# bed: it prints the plan of a configuration given on its command line.

PLAN_SRCS := dmsup/plan.c dmsup/plan-json.c dmsup/plan-text.c dmsup/plan-log.c
PLAN_OBJS := $(PLAN_SRCS:%.c=$(BUILD)/obj/%.o)
PLAN_TOOL := $(BUILD)/tests/plan/dmsup-plan

$(PLAN_TOOL): $(BUILD)/obj/dmsup/plan-tool.o $(PLAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

TEST_BINS += $(PLAN_TOOL)
