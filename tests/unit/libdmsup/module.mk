# libdmsup's pure parts: the page answer's value, the reply accessors.
UNIT_TESTS += $(BUILD)/tests/unit/libdmsup/test-libdmsup-pure
$(BUILD)/obj/tests/unit/libdmsup/%.o: CPPFLAGS += $(CHECK_CFLAGS)
$(BUILD)/tests/unit/libdmsup/test-libdmsup-pure: \
		$(BUILD)/obj/tests/unit/libdmsup/test-libdmsup-pure.o \
		$(BUILD)/obj/tests/unit/dmsup/run.o $(LIBDMSUP_SO)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBDMSUP_LINK) $(EVENT_LIBS) \
		$(CHECK_LIBS)
