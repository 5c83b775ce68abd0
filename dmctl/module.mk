# dmctl/: the CLI. It shares the core library (config, framing, planner
# glue) with the daemon, nothing of the daemon's event loop.

$(BUILD)/bin/dmctl: $(BUILD)/obj/dmctl/dmctl.o $(DMSUP_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

# In sbin: it speaks to a root-only socket; dmctl(8).
SBINS += $(BUILD)/bin/dmctl
