# stubkeep/: the stub keeper process (dmsup --stub-keeper), its console
# relay and the Linux stub-domain builder, and the stub image.
#   STUBDOM_OBJS     the builder's objects (also linked by the test bed's
#                    mkstub, tests/xen/progs/module.mk), with $(XEN_LIBS)
#   STUBKEEP_OBJS    keeper + console relay + builder, linked into dmsup
#                    (dmsup/module.mk), with $(STUBDOM_PROTO_LIB) after them
#   stubdom-image    scripts/stubdom/build -> $(BUILD)/stubdom/{vmlinuz,initrd}
#                    (dom0: /opt/dmsup/stubdom); the test bed builds it.
#   tests/unit/stubkeep  its unit tests (tests/unit/stubkeep/module.mk)

STUBDOM_OBJS := $(BUILD)/obj/stubkeep/stubdom-build.o
STUBKEEP_OBJS := $(BUILD)/obj/stubkeep/stubkeep.o \
                 $(BUILD)/obj/stubkeep/stubcons.o \
                 $(BUILD)/obj/stubkeep/stubvbd.o \
                 $(BUILD)/obj/stubkeep/stubvif.o \
                 $(BUILD)/obj/stubkeep/stubset.o \
                 $(BUILD)/obj/stubkeep/stubloop.o $(STUBDOM_OBJS)

$(STUBKEEP_OBJS): CPPFLAGS += $(XEN_CFLAGS)

.PHONY: stubdom-image
stubdom-image: $(STUBDOM_PROBE) $(BUILD)/bin/qmp-vchan-bridge
	scripts/stubdom/build -b $(BUILD)
testbed: stubdom-image
