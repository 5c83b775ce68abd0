# tests/xen/progs: programs of the Xen test bed.
#   dom0 programs  -> $(BUILD)/tests/xen/<name>        (dom0: /opt/dmsup/tests)
#   guest programs -> $(BUILD)/tests/xen/guest/<name>  (guest initramfs: /usr/bin)
# vchan-peer runs on both sides, so it is built into both places.

XPROGS_DIR := tests/xen/progs
XPROGS_OBJ := $(BUILD)/obj/$(XPROGS_DIR)
XPROGS_LIB := $(XPROGS_OBJ)/tbprog.o

$(XPROGS_OBJ)/%.o: CPPFLAGS += $(XEN_CFLAGS)

XPROGS_DOM0 := $(BUILD)/tests/xen/mkhvm $(BUILD)/tests/xen/vchan-peer \
               $(BUILD)/tests/xen/xcsave $(BUILD)/tests/xen/fdprobe \
               $(BUILD)/tests/xen/xfer
XPROGS_GUEST := $(BUILD)/tests/xen/guest/xs-guest \
                $(BUILD)/tests/xen/guest/vchan-peer
TEST_BINS += $(XPROGS_DOM0) $(XPROGS_GUEST)

$(BUILD)/tests/xen/mkhvm: $(addprefix $(XPROGS_OBJ)/,mkhvm.o mkhvm-build.o \
                          mkhvm-xs.o mkhvm-pv.o) $(XPROGS_LIB)
$(BUILD)/tests/xen/xcsave: $(addprefix $(XPROGS_OBJ)/,xcsave.o mkhvm-build.o \
                           mkhvm-xs.o mkhvm-pv.o) $(XPROGS_LIB)
$(BUILD)/tests/xen/vchan-peer: $(XPROGS_OBJ)/vchan-peer.o $(XPROGS_LIB)
$(BUILD)/tests/xen/fdprobe: $(XPROGS_OBJ)/fdprobe.o $(XPROGS_LIB)
$(BUILD)/tests/xen/xfer: $(XPROGS_OBJ)/xfer.o $(XPROGS_LIB)
$(BUILD)/tests/xen/guest/vchan-peer: $(XPROGS_OBJ)/vchan-peer.o $(XPROGS_LIB)
$(BUILD)/tests/xen/guest/xs-guest: $(XPROGS_OBJ)/xs-guest.o $(XPROGS_LIB)

$(XPROGS_DOM0) $(XPROGS_GUEST):
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS)

# mkstub: builds a Linux stub domain with stubkeep's builder, without
# libxl or dmsup (t-80); it writes the MiniOS layout with stubdom-proto.
TEST_BINS += $(BUILD)/tests/xen/mkstub
$(XPROGS_OBJ)/mkstub.o: CPPFLAGS += $(XEN_CFLAGS)
$(BUILD)/tests/xen/mkstub: $(XPROGS_OBJ)/mkstub.o $(STUBDOM_OBJS) \
                           $(XPROGS_LIB) $(STUBDOM_PROTO_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS)
