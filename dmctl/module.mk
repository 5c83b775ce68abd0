# dmctl/: the CLI. It shares the core library (config, framing, planner
# glue) with the daemon, nothing of the daemon's event loop.

# xl.cfg import (dmctl/xlcfg.c): libxlutil parses, libxenlight's disk
# type carries a parsed disk; both loaded on first use (dmsup/xlu-dl.c).
DMCTL_XLCFG_OBJ := $(BUILD)/obj/dmctl/xlcfg.o
$(DMCTL_XLCFG_OBJ): CPPFLAGS += $(XLU_CFLAGS)

# libdmsup's objects are linked in (its blocking call carries dmctl's
# requests): an installed dmctl needs no path to the build tree.
$(BUILD)/bin/dmctl: $(BUILD)/obj/dmctl/dmctl.o $(BUILD)/obj/dmctl/stream.o \
		$(DMCTL_XLCFG_OBJ) \
		$(LIBDMSUP_OBJS) $(DMSUP_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XENSTORE_LIBS)

# In sbin: it speaks to a root-only socket; dmctl(8).
SBINS += $(BUILD)/bin/dmctl

# The importer alone, on xl.cfg texts (tests/unit/dmctl).
UNIT_TESTS += $(BUILD)/tests/unit/dmctl/test-xlcfg
$(BUILD)/obj/tests/unit/dmctl/%.o: CPPFLAGS += $(CHECK_CFLAGS)
$(BUILD)/tests/unit/dmctl/test-xlcfg: $(BUILD)/obj/tests/unit/dmctl/test-xlcfg.o \
		$(DMCTL_XLCFG_OBJ) $(DMSUP_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CHECK_LIBS)
