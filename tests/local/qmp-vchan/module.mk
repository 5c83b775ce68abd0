# Local tests of qmp-call's vchan: addresses (no Xen needed).

QMP_VCHAN_LOCAL_TESTS := $(BUILD)/tests/local/qmp-vchan/test-qmp-call-vchan

$(BUILD)/obj/tests/local/qmp-vchan/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(QMP_VCHAN_LOCAL_TESTS): $(BUILD)/tests/local/qmp-vchan/%: \
		$(BUILD)/obj/tests/local/qmp-vchan/%.o | $(BUILD)/bin/qmp-call
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(CHECK_LIBS)

LOCAL_TESTS += $(QMP_VCHAN_LOCAL_TESTS)
