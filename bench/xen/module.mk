# Benchmarks inside the Xen test bed: `make bench-xen` boots the bed and
# prints the xenstore round-trip floor and the time xl takes to bring an HVM
# guest's device model up (bench/xen/run-bench). xs-roundtrip runs in dom0,
# so it is built with the test-bed programs (build/tests/xen/).
# `make bench-xen B="b-81-dmsup-stub"` runs only the named bench/xen scripts.
$(BUILD)/obj/bench/xen/xs-roundtrip.o: CPPFLAGS += $(XEN_CFLAGS)

$(BUILD)/tests/xen/xs-roundtrip: $(BUILD)/obj/bench/xen/xs-roundtrip.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS)

TEST_BINS += $(BUILD)/tests/xen/xs-roundtrip

.PHONY: bench-xen
bench-xen: testbed
	scripts/testbed/run -b $(BUILD) -B $(B)
