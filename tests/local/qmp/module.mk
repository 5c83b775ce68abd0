# Local tests of libqmp and qmp-call against real qemu-system-x86_64.
# qemu-proc.o (start/wait/stop a QEMU) is shared with bench/qmp.

QEMU_PROC_OBJ   := $(BUILD)/obj/tests/local/qmp/qemu-proc.o
QMP_LOCAL_TESTS := $(BUILD)/tests/local/qmp/test-qmp-qemu \
                   $(BUILD)/tests/local/qmp/test-qmp-call

$(BUILD)/obj/tests/local/qmp/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(QMP_LOCAL_TESTS): $(BUILD)/tests/local/qmp/%: \
		$(BUILD)/obj/tests/local/qmp/%.o $(QEMU_PROC_OBJ) $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(EVENT_LIBS)

# qmp-call's tests run the installed-to-be binary.
$(BUILD)/tests/local/qmp/test-qmp-call: | $(BUILD)/bin/qmp-call

LOCAL_TESTS += $(QMP_LOCAL_TESTS)
