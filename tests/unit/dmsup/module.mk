# Unit tests of dmsup's core (in-process, no QEMU).

DMSUP_UNIT := config logfile frame lifecycle stubkind pciopt dmqmp-event devspec
UNIT_TESTS += $(DMSUP_UNIT:%=$(BUILD)/tests/unit/dmsup/test-%)

$(BUILD)/tests/unit/dmsup/test-%: $(BUILD)/obj/tests/unit/dmsup/test-%.o \
		$(BUILD)/obj/tests/unit/dmsup/run.o $(DMSUP_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(EVENT_LIBS) $(CHECK_LIBS) $(XLU_LIBS)

# The table of commands: the core library alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-cmdtab

# The lifecycle table with recording entry actions in place of domain.c's.
$(BUILD)/tests/unit/dmsup/test-lifecycle: $(BUILD)/obj/dmsup/lifecycle.o \
		$(BUILD)/obj/dmsup/observe.o

# The passthrough address parser is pure: its object alone.
$(BUILD)/tests/unit/dmsup/test-pciopt: $(BUILD)/obj/dmsup/ops/ops-pci.o

# The event hub of the daemon's QMP layer knows no QMP: its object alone.
$(BUILD)/tests/unit/dmsup/test-dmqmp-event: $(BUILD)/obj/dmsup/kind/dmqmp-event.o

# The log's start header is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-loghead
$(BUILD)/tests/unit/dmsup/test-loghead: $(BUILD)/obj/dmsup/loghead.o

# The strict xenstore value parser is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-xsval
$(BUILD)/tests/unit/dmsup/test-xsval: $(BUILD)/obj/dmsup/kind/xsval.o

# The .run check is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-runfile
$(BUILD)/tests/unit/dmsup/test-runfile: $(BUILD)/obj/dmsup/runfile.o

# The QMP link's state machine is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-dmqmp-link
$(BUILD)/tests/unit/dmsup/test-dmqmp-link: $(BUILD)/obj/dmsup/kind/dmqmp-link.o

# The targets' watch over the in-memory xenstore.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-guestwatch
$(BUILD)/tests/unit/dmsup/test-guestwatch: \
		$(BUILD)/obj/dmsup/kind/guestwatch.o \
		$(BUILD)/obj/tests/unit/proto/xs-mem.o $(STUBDOM_PROTO_LIB)

# The serial pty read from query-chardev is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-serialtty
$(BUILD)/tests/unit/dmsup/test-serialtty: $(BUILD)/obj/dmsup/kind/serialtty.o

# The restrict policy's pure part (in the core library), on a line of its
# own.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-restrict
# The device model's cgroup: its names and its base (in the core library).
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-cgroup

# pci-attach's host checks under Xen: a sysfs tree the test makes (and
# libxenctrl linked, never called).
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-pcixen
$(BUILD)/tests/unit/dmsup/test-pcixen: \
		$(BUILD)/obj/tests/unit/dmsup/test-pcixen.o \
		$(BUILD)/obj/tests/unit/dmsup/run.o \
		$(BUILD)/obj/dmsup/ops/ops-pci-xen.o $(BUILD)/obj/dmsup/ops/ops-pci.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(CHECK_LIBS) $(XEN_LIBS) $(XLU_LIBS)

# The device-model save file: the core library alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-savefile

# Its sync off the loop: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-savesync
$(BUILD)/tests/unit/dmsup/test-savesync: $(BUILD)/obj/dmsup/savesync.o

# The restore's state machine: its object and a fake QMP layer (the test's).
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-dmrestore
$(BUILD)/tests/unit/dmsup/test-dmrestore: $(BUILD)/obj/dmsup/kind/dmrestore.o

# The user lookups' cache is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-usercache
$(BUILD)/tests/unit/dmsup/test-usercache: $(BUILD)/obj/dmsup/usercache.o

# The domain registry's index is pure: its object alone.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-domindex
$(BUILD)/tests/unit/dmsup/test-domindex: $(BUILD)/obj/dmsup/domindex.o

# A Linux stub's save, the daemon's side, against a scripted keeper.
UNIT_TESTS += $(BUILD)/tests/unit/dmsup/test-stubreq
$(BUILD)/tests/unit/dmsup/test-stubreq: $(BUILD)/obj/dmsup/kind/stubreq.o \
		$(BUILD)/obj/dmsup/unixsock.o $(LIBDMSUP_FRAME_OBJ)
