# Unit tests of the Xen-free part of libqmp-vchan (qmp/vchan.c). They
# link no Xen library: the transport proper is tested in the test bed.

QMP_VCHAN_UNIT_TESTS := $(BUILD)/tests/unit/qmp-vchan/test-qmp-vchan

$(BUILD)/obj/tests/unit/qmp-vchan/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(QMP_VCHAN_UNIT_TESTS): $(BUILD)/tests/unit/qmp-vchan/%: \
		$(BUILD)/obj/tests/unit/qmp-vchan/%.o $(QMP_VCHAN_LIB) $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS)

UNIT_TESTS += $(QMP_VCHAN_UNIT_TESTS)
