# Local tests of dmsup: real dmsup, dmctl and QEMU processes, no Xen.

DMSUP_LOCAL := supervise isolation reattach badinput docs help xen hotplug qmpops
DMSUP_LOCAL_DIR := $(BUILD)/tests/local/dmsup
LOCAL_TESTS += $(DMSUP_LOCAL:%=$(DMSUP_LOCAL_DIR)/test-%)
TEST_BINS += $(DMSUP_LOCAL_DIR)/standin

$(DMSUP_LOCAL_DIR)/test-%: $(BUILD)/obj/tests/local/dmsup/test-%.o \
		$(BUILD)/obj/tests/local/dmsup/harness.o $(DMSUP_CORE_LIB) \
		| $(DMSUP_LOCAL_DIR)/standin $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(EVENT_LIBS) $(CHECK_LIBS)

$(DMSUP_LOCAL_DIR)/standin: $(BUILD)/obj/tests/local/dmsup/standin.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

# The docs test reads the man pages from the source tree.
$(BUILD)/obj/tests/local/dmsup/test-docs.o: CPPFLAGS += -DSRCDIR='"$(CURDIR)"'
