# dmsup benchmarks: figures only (make bench).

BENCHES += $(BUILD)/bench/dmsup/bench-dmsup

$(BUILD)/bench/dmsup/bench-dmsup: $(BUILD)/obj/bench/dmsup/bench-dmsup.o \
		$(BUILD)/obj/tests/local/dmsup/harness.o $(DMSUP_CORE_LIB) \
		| $(BUILD)/tests/local/dmsup/standin $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(EVENT_LIBS) $(CHECK_LIBS) $(XLU_LIBS)
