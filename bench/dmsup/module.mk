# dmsup benchmarks: figures only (make bench).

BENCHES += $(BUILD)/bench/dmsup/bench-dmsup

$(BUILD)/bench/dmsup/bench-dmsup: $(BUILD)/obj/bench/dmsup/bench-dmsup.o \
		$(BUILD)/obj/tests/local/dmsup/harness.o $(DMSUP_CORE_LIB) \
		| $(BUILD)/tests/local/dmsup/standin $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(EVENT_LIBS) $(CHECK_LIBS) $(XLU_LIBS)

# The registry's lookups in-process: the daemon's objects but its main.
BENCHES += $(BUILD)/bench/dmsup/bench-lookup
BENCH_LOOKUP_OBJS := $(filter-out $(BUILD)/obj/dmsup/main.o,$(DMSUP_OBJS))

$(BUILD)/bench/dmsup/bench-lookup: $(BUILD)/obj/bench/dmsup/bench-lookup.o \
		$(BENCH_LOOKUP_OBJS) $(DMSUP_CORE_LIB) $(QMP_VCHAN_LIB) \
		$(QMP_LIB) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS) $(XLU_LIBS)

# The exec trampoline of a restricted start: dmsup --restrict-exec vs
# dmsup-restrict-exec (libc only), on a line of its own.
BENCHES += $(BUILD)/bench/dmsup/bench-tramp
$(BUILD)/bench/dmsup/bench-tramp: $(BUILD)/obj/bench/dmsup/bench-tramp.o \
		| $(BUILD)/bin/dmsup $(BUILD)/bin/dmsup-restrict-exec
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^
