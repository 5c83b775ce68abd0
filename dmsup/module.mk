# dmsup: the daemon, dmctl, and the core they share with the tests.

DMSUP_CORE_SRCS := dmsup/log.c dmsup/config.c dmsup/argv.c dmsup/frame.c \
                   dmsup/spawn.c dmsup/logfile.c dmsup/dmplan.c
# The argv builder asks the planner for its -device strings.
DMSUP_CORE_OBJS := $(DMSUP_CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(PLAN_OBJS)
DMSUP_CORE_LIB  := $(BUILD)/lib/libdmsup-core.a

DMSUP_SRCS := dmsup/main.c dmsup/domain.c dmsup/lifecycle.c \
              dmsup/control.c dmsup/commands.c dmsup/persist.c \
              dmsup/dmqmp.c dmsup/xendm.c dmsup/memreq.c dmsup/hotplug.c \
              dmsup/stubdm.c dmsup/ops.c dmsup/ops-pci.c
# The stub keeper (dmsup --stub-keeper) and the builder: dmsup/stubdom.mk.
DMSUP_OBJS := $(DMSUP_SRCS:%.c=$(BUILD)/obj/%.o) $(STUBKEEP_OBJS)

$(DMSUP_CORE_LIB): $(DMSUP_CORE_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# Only xendm.c and stubdm.c talk to Xen (lazily, at run time).
$(BUILD)/obj/dmsup/xendm.o $(BUILD)/obj/dmsup/stubdm.o: CPPFLAGS += $(XEN_CFLAGS)

$(BUILD)/bin/dmsup: $(DMSUP_OBJS) $(DMSUP_CORE_LIB) $(QMP_VCHAN_LIB) \
                    $(QMP_LIB) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS)

$(BUILD)/bin/dmctl: $(BUILD)/obj/dmsup/dmctl.o $(DMSUP_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

BINS += $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl

MAN8 += docs/dmsup.8 docs/dmctl.8
MAN5 += docs/dmsup-config.5

# A short Xen-free demonstration: dmsup supervising a real QEMU.
.PHONY: demo
demo: $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl
	scripts/demo $(BUILD)

