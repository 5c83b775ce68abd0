# dmsup/: the daemon, and the core it shares with dmctl and the tests.
#   dmsup/       main, domain registry, lifecycle, persistence, spawn, logs,
#                config and argv
#   dmsup/ctl/   the control socket, its command handlers; the framing and
#                the table of commands (both also dmctl's)
#   dmsup/kind/  one ops table per kind, the daemon's QMP layer, planner glue
#   dmsup/ops/   runtime operations and the per-domain operation queue

DMSUP_CORE_SRCS := dmsup/log.c dmsup/config.c dmsup/argv.c libdmsup/frame.c \
                   dmsup/ctl/cmdtab.c \
                   dmsup/spawn.c dmsup/logfile.c dmsup/kind/dmplan.c \
                   dmsup/safefile.c dmsup/devspec.c
# The restrict policy (pure: unit tests link it), on a line of its own.
DMSUP_CORE_SRCS += dmsup/restrict.c
# What libxl's dm_restrict did to a device model adopted from xl (/proc).
DMSUP_CORE_SRCS += dmsup/restrict-seen.c
# The device model's cgroup v2 (its parsing is unit-tested).
DMSUP_CORE_SRCS += dmsup/cgroup.c
# The device-model save file (save --file, start --restore; dmctl's plan
# --restore checks it too).
DMSUP_CORE_SRCS += dmsup/savefile.c dmsup/savestream.c
# libxlutil on first use (devspec.c, dmctl's xl.cfg import).
DMSUP_CORE_SRCS += dmsup/xlu-dl.c
# The argv builder asks the planner for its -device strings.
DMSUP_CORE_OBJS := $(DMSUP_CORE_SRCS:%.c=$(BUILD)/obj/%.o) $(PLAN_OBJS)
DMSUP_CORE_LIB  := $(BUILD)/lib/libdmsup-core.a

DMSUP_SRCS := dmsup/main.c dmsup/domain.c dmsup/lifecycle.c dmsup/persist.c \
              dmsup/runfile.c \
              dmsup/observe.c dmsup/unixsock.c \
              dmsup/ctl/control.c dmsup/ctl/commands.c dmsup/ctl/cmd-restore.c dmsup/ctl/notify.c \
              dmsup/ctl/adopt.c dmsup/ctl/adopt-restrict.c \
              dmsup/ctl/reqcheck.c \
              dmsup/kind/dmqmp.c dmsup/kind/dmqmp-cmd.c dmsup/kind/dmqmp-event.c \
              dmsup/kind/dmqmp-link.c \
              dmsup/kind/xendm.c dmsup/kind/stubdm.c \
              dmsup/kind/kind.c dmsup/kind/dom0.c dmsup/kind/stub.c \
              dmsup/kind/xl.c dmsup/kind/xsval.c \
              dmsup/ops/memreq.c dmsup/ops/hotplug.c dmsup/ops/ops.c \
              dmsup/ops/ops-pci.c
# systemd's readiness notification, on a line of its own (the list above
# changes in other branches too).
DMSUP_SRCS += dmsup/notify.c
# Children reaped through their pidfds (no SIGCHLD handler).
DMSUP_SRCS += dmsup/zombie.c
# Runtime files apart from the definitions (-r).
DMSUP_SRCS += dmsup/rundir.c
# SIGHUP's reload of the definitions.
DMSUP_SRCS += dmsup/reload.c
# The registry's index by name and by domid, on a line of its own.
DMSUP_SRCS += dmsup/domindex.c
# The start header of a device model's log, on a line of its own too.
DMSUP_SRCS += dmsup/loghead.c
# Its fdatasync, off the loop.
DMSUP_SRCS += dmsup/savesync.c
# The restore of device state into a QEMU started -incoming defer.
DMSUP_SRCS += dmsup/kind/dmrestore.c
# A Linux stub's save through its keeper's console 1.
DMSUP_SRCS += dmsup/kind/stubreq.c
# CD-ROM change (dmctl cd-insert, cd-eject).
DMSUP_SRCS += dmsup/ops/ops-cd.c
# The targets' own lifecycle (@releaseDomain), on a line of its own too.
DMSUP_SRCS += dmsup/kind/guestwatch.c dmsup/kind/guestwatch-domain.c
# pci-attach's host device checks under Xen (pciback, assignment).
DMSUP_SRCS += dmsup/ops/ops-pci-xen.c
$(BUILD)/obj/dmsup/ops/ops-pci-xen.o: CPPFLAGS += $(XEN_CFLAGS)
# pci-detach waits for QEMU's DEVICE_DELETED.
DMSUP_SRCS += dmsup/ops/pcidel.c
# The guest's serial pty from query-chardev (serial/0/tty).
DMSUP_SRCS += dmsup/kind/serialtty.c
# File descriptors against RLIMIT_NOFILE.
DMSUP_SRCS += dmsup/fdlimit.c
# Deprivileged device models (issue 17): the run's glue and the reaper.
DMSUP_SRCS += dmsup/usercache.c
DMSUP_SRCS += dmsup/restrict-run.c dmsup/restrict-rom.c dmsup/reaper.c
# Its cgroup v2 (the run's side of cgroup.c).
DMSUP_SRCS += dmsup/restrict-cg.c
# Its mount namespace: a tmpfs root and /tmp (the trampoline's, probed).
DMSUP_SRCS += dmsup/restrict-ns.c
# The trampoline (dmsup --restrict-exec; dmsup-restrict-exec below).
DMSUP_SRCS += dmsup/restrict-exec.c
# The control socket from systemd (dmsup.socket, socket activation).
DMSUP_SRCS += dmsup/listenfd.c
# The stub keeper (dmsup --stub-keeper) and the builder: stubkeep/module.mk.
DMSUP_OBJS := $(DMSUP_SRCS:%.c=$(BUILD)/obj/%.o) $(STUBKEEP_OBJS)

# xl's disk specs are parsed by libxlutil (devspec.c), which the core
# library loads on first use (xlu-dl.c) by the soname of the libxlutil it
# was built against; the daemon links it all the same, so the package's
# shlibs dependencies name it.
XLU_CFLAGS := $(call pc_cflags,xlutil xenlight)
XLU_LIBS   := $(call pc_libs,xlutil xenlight)
XLU_SONAME := $(shell objdump -p $(shell $(PKG_CONFIG) --variable=libdir \
	xlutil)/libxlutil.so 2>/dev/null | awk '$$1 == "SONAME" {print $$2}')
ifeq ($(XLU_SONAME),)
$(error libxlutil.so's soname not found (objdump -p in pkg-config's libdir \
	for xlutil): is libxen-dev installed?)
endif
$(BUILD)/obj/dmsup/xlu-dl.o: CPPFLAGS += $(XLU_CFLAGS) \
	-DXLU_SONAME='"$(XLU_SONAME)"'
$(BUILD)/obj/dmsup/devspec.o: CPPFLAGS += $(XLU_CFLAGS) \
	-DDMSUP_VIF_SCRIPT='"$(LIBEXECDIR)/dmsup-vif-bridge"'
$(BUILD)/obj/dmsup/config.o: CPPFLAGS += \
	-DDMSUP_VIF_SCRIPT='"$(LIBEXECDIR)/dmsup-vif-bridge"'

$(DMSUP_CORE_LIB): $(DMSUP_CORE_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# Only xendm.c and stubdm.c talk to Xen (lazily, at run time).
$(BUILD)/obj/dmsup/kind/xendm.o $(BUILD)/obj/dmsup/kind/stubdm.o \
$(BUILD)/obj/dmsup/kind/xl.o: \
	CPPFLAGS += $(XEN_CFLAGS)

$(BUILD)/bin/dmsup: $(DMSUP_OBJS) $(DMSUP_CORE_LIB) $(QMP_VCHAN_LIB) \
                    $(QMP_LIB) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS) $(XLU_LIBS)

SBINS += $(BUILD)/bin/dmsup

# dmsup-log, the log helper beside every device model: libc only.
$(BUILD)/bin/dmsup-log: $(BUILD)/obj/dmsup/loghelper.o \
                        $(BUILD)/obj/dmsup/helper.o \
                        $(BUILD)/obj/dmsup/logfile.o $(BUILD)/obj/dmsup/safefile.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^
LIBEXECS += $(BUILD)/bin/dmsup-log
$(BUILD)/obj/dmsup/main.o: CPPFLAGS += \
	-DDMSUP_LOG_HELPER='"$(LIBEXECDIR)/dmsup-log"'

MAN8 += docs/dmsup.8 docs/dmctl.8 docs/dmsup-log.8

# dmsup-restrict-exec, the trampoline exec'd by every restricted start
# before QEMU: libc only, like dmsup-log.
DMSUP_TRAMP_OBJS := $(BUILD)/obj/dmsup/restrict-exec.o \
                    $(BUILD)/obj/dmsup/restrict-ns.o
$(BUILD)/bin/dmsup-restrict-exec: $(BUILD)/obj/dmsup/restrictexec.o \
                                  $(BUILD)/obj/dmsup/helper.o \
                                  $(DMSUP_TRAMP_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^
LIBEXECS += $(BUILD)/bin/dmsup-restrict-exec
$(BUILD)/obj/dmsup/main.o: CPPFLAGS += \
	-DDMSUP_RESTRICT_EXEC='"$(LIBEXECDIR)/dmsup-restrict-exec"'
MAN8 += docs/dmsup-restrict-exec.8
MAN5 += docs/dmsup-config.5

# A short Xen-free demonstration: dmsup supervising a real QEMU.
.PHONY: demo
demo: $(BUILD)/bin/dmsup $(BUILD)/bin/dmctl
	scripts/demo $(BUILD)

