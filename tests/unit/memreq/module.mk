# Runtime page requests (dmsup/ops/memreq.c) over the in-memory xenstore
# (its files named here: tests/unit/proto/module.mk is read after this).

MEMREQ_TEST := $(BUILD)/tests/unit/memreq/test-memreq

$(BUILD)/obj/tests/unit/memreq/%.o: CPPFLAGS += $(CHECK_CFLAGS)

$(MEMREQ_TEST): $(BUILD)/obj/tests/unit/memreq/test-memreq.o \
		$(BUILD)/obj/dmsup/ops/memreq.o \
		$(BUILD)/obj/tests/unit/proto/xs-mem.o \
		$(BUILD)/obj/tests/unit/proto/helpers.o \
		$(DMSUP_CORE_LIB) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(STUBDOM_PROTO_LIBS) $(CHECK_LIBS) $(XLU_LIBS)

UNIT_TESTS += $(MEMREQ_TEST)
