# The Xen test bed (docs/testbed.md): `make check-xen` builds the image from
# Debian packages plus everything `all` built, boots it and runs the in-dom0
# suite; `make check-xen T="t-10-xenstore ..."` runs only those tests and
# V=1 traces them (sh -x).
TESTBED_RUN_FLAGS = $(if $(filter 1,$(V)),-v)

.PHONY: testbed
testbed: all
	scripts/testbed/build -b $(BUILD)

check-xen: testbed
	scripts/testbed/run -b $(BUILD) $(TESTBED_RUN_FLAGS) $(T)
