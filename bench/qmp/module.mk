# libqmp benchmark against a real QEMU (make bench). Prints, never asserts.

QMP_BENCH := $(BUILD)/bench/qmp/qmp-bench

$(QMP_BENCH): $(BUILD)/obj/bench/qmp/qmp-bench.o $(QEMU_PROC_OBJ) $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

BENCHES += $(QMP_BENCH)

# Soak: N real QEMU starts met as early as possible (`qmp-soak N`).
QMP_SOAK := $(BUILD)/bench/qmp/qmp-soak

$(QMP_SOAK): $(BUILD)/obj/bench/qmp/qmp-soak.o $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

BENCHES += $(QMP_SOAK)
