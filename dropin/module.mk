# dropin/: dmsup-qemu-dm, the program libxl runs as its device model
# (device_model_override in xl.cfg); installed into $(LIBEXECDIR). Small:
# json-c only, no libevent, no Xen library.

DROPIN_OBJS := $(BUILD)/obj/dropin/dropin.o
DROPIN_BIN  := $(BUILD)/bin/dmsup-qemu-dm

$(DROPIN_BIN): $(BUILD)/obj/dropin/dmsup-qemu-dm.o $(DROPIN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(call pc_libs,json-c)

LIBEXECS += $(DROPIN_BIN)
MAN8 += docs/dmsup-qemu-dm.8
