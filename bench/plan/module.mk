# Memory planner benchmark (make bench): plan_compute and the log scanner.

PLAN_BENCH := $(BUILD)/bench/plan/plan-bench

$(PLAN_BENCH): $(BUILD)/obj/bench/plan/plan-bench.o $(PLAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

BENCHES += $(PLAN_BENCH)
