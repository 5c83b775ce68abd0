# dmsup/stubdom.mk: the Linux stub-domain builder and its image.
#   STUBDOM_OBJS     the builder's objects, for the daemon to link (with
#                    $(XEN_LIBS))
#   mkstub           its test front end -> $(BUILD)/tests/xen/mkstub
#                    (dom0: /opt/dmsup/tests)
#   stubdom-image    scripts/stubdom/build -> $(BUILD)/stubdom/{vmlinuz,initrd}
#                    (dom0: /opt/dmsup/stubdom); the test bed builds it.

#   STUBKEEP_OBJS    the keeper (dmsup --stub-keeper: stubkeep.c, its
#                    console stubcons.c) and the builder, linked into dmsup
#                    (dmsup/module.mk), with $(STUBDOM_PROTO_LIB) after them
#   tests/unit/stubkeep  its unit tests (tests/unit/stubkeep/module.mk)

STUBDOM_OBJS := $(BUILD)/obj/dmsup/stubdom-build.o
STUBKEEP_OBJS := $(BUILD)/obj/dmsup/stubkeep.o $(BUILD)/obj/dmsup/stubcons.o \
                 $(STUBDOM_OBJS)

$(STUBKEEP_OBJS) $(BUILD)/obj/dmsup/stubdom-mkstub.o: CPPFLAGS += $(XEN_CFLAGS)

# The builder writes the MiniOS layout with stubdom-proto's writer.
TEST_BINS += $(BUILD)/tests/xen/mkstub
$(BUILD)/tests/xen/mkstub: $(BUILD)/obj/dmsup/stubdom-mkstub.o $(STUBDOM_OBJS) \
                           $(BUILD)/obj/tests/xen/progs/tbprog.o \
                           $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS)

# A diagnostic for the stub image (scripts/stubdom/build ships it).
STUBDOM_PROBE := $(BUILD)/stubdom-progs/dm-probe
$(BUILD)/obj/dmsup/stubdom-probe.o: CPPFLAGS += $(XEN_CFLAGS)
$(STUBDOM_PROBE): $(BUILD)/obj/dmsup/stubdom-probe.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ -lxendevicemodel -lxenctrl
TEST_BINS += $(STUBDOM_PROBE)

.PHONY: stubdom-image
stubdom-image: $(STUBDOM_PROBE) $(BUILD)/bin/qmp-vchan-bridge
	scripts/stubdom/build -b $(BUILD)
testbed: stubdom-image
