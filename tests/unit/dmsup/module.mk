# Unit tests of dmsup's core (in-process, no QEMU).

DMSUP_UNIT := config logfile frame
UNIT_TESTS += $(DMSUP_UNIT:%=$(BUILD)/tests/unit/dmsup/test-%)

$(BUILD)/tests/unit/dmsup/test-%: $(BUILD)/obj/tests/unit/dmsup/test-%.o \
		$(BUILD)/obj/tests/unit/dmsup/run.o $(DMSUP_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CHECK_LIBS)
