# Unit tests of dmsup-qemu-dm's pure parts (dropin/dropin.c).
DROPIN_TEST := $(BUILD)/tests/unit/dropin/test-dropin
$(BUILD)/obj/tests/unit/dropin/%.o: CPPFLAGS += $(CHECK_CFLAGS)
$(DROPIN_TEST): $(BUILD)/obj/tests/unit/dropin/test-dropin.o \
		$(BUILD)/obj/tests/unit/dmsup/run.o $(DROPIN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS)
UNIT_TESTS += $(DROPIN_TEST)
