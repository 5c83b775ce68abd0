# Local tests of dmsup: real dmsup, dmctl and QEMU processes, no Xen.

DMSUP_LOCAL := supervise isolation reattach badinput docs help xen hotplug qmpops adopt \
               files hostile hello
DMSUP_LOCAL_DIR := $(BUILD)/tests/local/dmsup
LOCAL_TESTS += $(DMSUP_LOCAL:%=$(DMSUP_LOCAL_DIR)/test-%)
TEST_BINS += $(DMSUP_LOCAL_DIR)/standin

$(DMSUP_LOCAL_DIR)/test-%: $(BUILD)/obj/tests/local/dmsup/test-%.o \
		$(BUILD)/obj/tests/local/dmsup/harness.o $(DMSUP_CORE_LIB) \
		| $(DMSUP_LOCAL_DIR)/standin $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl \
		  $(BUILD)/bin/dmsup-qemu-dm $(BUILD)/bin/dmsup-log \
		  $(BUILD)/bin/dmsup-restrict-exec
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(EVENT_LIBS) $(CHECK_LIBS) $(XLU_LIBS)

$(DMSUP_LOCAL_DIR)/standin: $(BUILD)/obj/tests/local/dmsup/standin.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^

# The docs test reads the man pages from the source tree.
$(BUILD)/obj/tests/local/dmsup/test-docs.o: CPPFLAGS += -DSRCDIR='"$(CURDIR)"'

# systemd's readiness and dmctl's bash completion, on lines of their own
# (the list above changes in other branches too). The completion test
# sources contrib/bash-completion/dmctl from the source tree.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-notify $(DMSUP_LOCAL_DIR)/test-completion
$(BUILD)/obj/tests/local/dmsup/test-completion.o: \
	CPPFLAGS += -DSRCDIR='"$(CURDIR)"'

# The daemon's QMP layer alone against a real QEMU: its objects, libqmp
# (with the vchan transport it can also take) and QEMU's starter.
DMQMP_OBJS := $(BUILD)/obj/dmsup/kind/dmqmp.o \
              $(BUILD)/obj/dmsup/kind/dmqmp-cmd.o \
              $(BUILD)/obj/dmsup/kind/dmqmp-event.o \
              $(BUILD)/obj/dmsup/kind/dmqmp-link.o
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-dmqmp-qemu

$(DMSUP_LOCAL_DIR)/test-dmqmp-qemu: \
		$(BUILD)/obj/tests/local/dmsup/test-dmqmp-qemu.o $(DMQMP_OBJS) \
		$(BUILD)/obj/tests/local/qmp/qemu-proc.o $(QMP_VCHAN_LIB) $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CHECK_LIBS) $(XEN_LIBS) $(XLU_LIBS)

# A QMP connection QEMU drops is reconnected (dmsup/kind/dmqmp-link.c);
# QEMU's end is dropped by tests/local/qmp/qmp-drop.c.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-qmplink
$(DMSUP_LOCAL_DIR)/test-qmplink: $(BUILD)/obj/tests/local/qmp/qmp-drop.o

# xl.cfg import (dmctl import-xl, start --xl, plan --xl), on a line of its
# own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-xlimport

# Runtime files apart from the definitions (dmsup -r), on a line of its
# own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-rundir

# CD-ROM change (dmctl cd-insert, cd-eject), on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-cdrom

# SIGHUP's reload, on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-reload

# Hardening (issue 12): faults and hostile inputs, on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-harden

# Domids bound at start (start --domid), on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-domid

# Deprivileged device models (issue 17), on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-restrict

# pci-detach waits for DEVICE_DELETED, on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-pcidetach

# save --file and start --restore on a real QEMU, on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-restore
# save --file - and start --restore - (streams), on a line of its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-savestream

# The exec trampoline's own program (dmsup-restrict-exec), on a line of
# its own.
LOCAL_TESTS += $(DMSUP_LOCAL_DIR)/test-tramp
