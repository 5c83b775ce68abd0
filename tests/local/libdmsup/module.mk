# libdmsup against the real dmsup (tests/local/dmsup's harness), linked
# with the shared library as a toolstack would.
LOCAL_TESTS += $(BUILD)/tests/local/libdmsup/test-libdmsup

$(BUILD)/tests/local/libdmsup/test-libdmsup: \
		$(BUILD)/obj/tests/local/libdmsup/test-libdmsup.o \
		$(BUILD)/obj/tests/local/dmsup/harness.o $(DMSUP_CORE_LIB) \
		$(LIBDMSUP_SO) \
		| $(BUILD)/tests/local/dmsup/standin $(BUILD)/bin/dmsup \
		  $(BUILD)/bin/dmctl $(BUILD)/bin/dmsup-qemu-dm
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LIBDMSUP_LINK) \
		$(EVENT_LIBS) $(CHECK_LIBS) $(XLU_LIBS)
$(BUILD)/obj/tests/local/libdmsup/%.o: CPPFLAGS += $(CHECK_CFLAGS)
