# Unit tests of the stub keeper (dmsup --stub-keeper): its console ring
# arithmetic, how it judges the stub's state, its command line. What needs
# Xen (building, mapping, event channels) is tested in the test bed
# (tests/xen/t-82-stub-keeper.sh).

STUBKEEP_UNIT_TESTS := $(BUILD)/tests/unit/stubkeep/test-stubkeep

$(BUILD)/obj/tests/unit/stubkeep/%.o: CPPFLAGS += $(CHECK_CFLAGS) $(XEN_CFLAGS)

$(STUBKEEP_UNIT_TESTS): $(BUILD)/tests/unit/stubkeep/%: \
		$(BUILD)/obj/tests/unit/stubkeep/%.o $(STUBKEEP_OBJS) \
		$(BUILD)/obj/dmsup/unixsock.o $(LIBDMSUP_FRAME_OBJ) \
		$(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS) $(XEN_LIBS)

UNIT_TESTS += $(STUBKEEP_UNIT_TESTS)
