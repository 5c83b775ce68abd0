# plan/: the memory planner, a library (no include of dmsup/). The daemon
# and dmctl link $(PLAN_OBJS); tools/dmsup-plan is its stand-alone front end.

PLAN_SRCS := plan/plan.c plan/plan-json.c plan/plan-text.c plan/plan-log.c
PLAN_OBJS := $(PLAN_SRCS:%.c=$(BUILD)/obj/%.o)
