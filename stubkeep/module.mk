# stubkeep/: the stub keeper process (dmsup --stub-keeper), its console
# relay and the Linux stub-domain builder, and the stub image.
#   STUBDOM_OBJS     the builder's objects (also linked by the test bed's
#                    mkstub, tests/xen/progs/module.mk), with $(XEN_LIBS)
#   STUBKEEP_OBJS    keeper + console relay + builder, linked into dmsup
#                    (dmsup/module.mk), with $(STUBDOM_PROTO_LIB) after them
#   stubdom-image    scripts/stubdom/build -> $(BUILD)/stubdom/{vmlinuz,initrd}
#                    (`make stubdom` too); the test bed builds it.
#   install-stubdom  the image into $(STUBDOM_DIR) (the package
#                    dmsup-stubdom; the test bed's dom0 the same way);
#                    part of `make install` once the image is built.
#   tests/unit/stubkeep  its unit tests (tests/unit/stubkeep/module.mk)

STUBDOM_OBJS := $(BUILD)/obj/stubkeep/stubdom-build.o
STUBKEEP_OBJS := $(BUILD)/obj/stubkeep/stubkeep.o \
                 $(BUILD)/obj/stubkeep/stubcons.o \
                 $(BUILD)/obj/stubkeep/stubxcons.o \
                 $(BUILD)/obj/stubkeep/stubctl.o \
                 $(BUILD)/obj/stubkeep/stubreap.o \
                 $(BUILD)/obj/stubkeep/stubvbd.o \
                 $(BUILD)/obj/stubkeep/stubvif.o \
                 $(BUILD)/obj/stubkeep/stubset.o \
                 $(BUILD)/obj/stubkeep/stubpriv.o \
                 $(BUILD)/obj/stubkeep/stubloop.o $(STUBDOM_OBJS)

$(STUBKEEP_OBJS): CPPFLAGS += $(XEN_CFLAGS)

.PHONY: stubdom stubdom-image install-stubdom
stubdom: stubdom-image
stubdom-image: $(STUBDOM_PROBE) $(BUILD)/bin/qmp-vchan-bridge
	scripts/stubdom/build -b $(BUILD)

# The image is built from Debian packages (apt-get download): a plain
# `make install` needs no network, so it installs the image only if
# `make stubdom` made it; `make install-stubdom` alone insists on it.
STUBDOM_IMAGE := $(BUILD)/stubdom/vmlinuz $(BUILD)/stubdom/initrd
install: install-stubdom-if-built
.PHONY: install-stubdom-if-built
install-stubdom-if-built:
	@if [ -f $(BUILD)/stubdom/vmlinuz ] && [ -f $(BUILD)/stubdom/initrd ]; then \
		echo "install: the stub image into $(DESTDIR)$(STUBDOM_DIR)"; \
		$(call install_files,0644,$(STUBDOM_DIR),$(STUBDOM_IMAGE)); \
	else echo "install: no stub image in $(BUILD)/stubdom (make stubdom builds it): not installed"; fi
install-stubdom:
	@for f in $(STUBDOM_IMAGE); do [ -f $$f ] || \
		{ echo "install-stubdom: $$f: missing; make stubdom builds it"; exit 1; }; done
	$(call install_files,0644,$(STUBDOM_DIR),$(STUBDOM_IMAGE))
testbed: stubdom-image
