# The stub-side probe: a diagnostic that runs inside the Linux stub image
# (scripts/stubdom/build ships it) and reports what the stub may do.
STUBDOM_PROBE := $(BUILD)/stubdom-progs/dm-probe
$(BUILD)/obj/stubdom-proto/probe/dm-probe.o: CPPFLAGS += $(XEN_CFLAGS)
$(STUBDOM_PROBE): $(BUILD)/obj/stubdom-proto/probe/dm-probe.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lxendevicemodel -lxenctrl
TEST_BINS += $(STUBDOM_PROBE)
