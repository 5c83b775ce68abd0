# libqmp-vchan: libqmp's libxenvchan transport, a library of its own so
# that libqmp keeps no Xen dependency. Link order: $(QMP_VCHAN_LIB)
# $(QMP_LIB) ... $(EVENT_LIBS) $(XEN_LIBS).
#
# vchan.o (address parsing, result bookkeeping) needs no Xen: a program
# that uses only it (the unit tests) links without $(XEN_LIBS).

QMP_VCHAN_SRCS := qmp/vchan.c qmp/transport-vchan.c
QMP_VCHAN_OBJS := $(QMP_VCHAN_SRCS:%.c=$(BUILD)/obj/%.o)
QMP_VCHAN_LIB  := $(BUILD)/lib/libqmp-vchan.a

$(BUILD)/obj/qmp/transport-vchan.o: CPPFLAGS += $(XEN_CFLAGS)

$(QMP_VCHAN_LIB): $(QMP_VCHAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

HEADERS += qmp/transport-vchan.h

# qmp-call takes vchan:DOMID:XSPATH too. Its rule is in qmp/module.mk and
# links $^ (qmp-call.o libqmp.a, then this library): libqmp is named once
# more after it, with the Xen libraries.
$(BUILD)/bin/qmp-call: $(QMP_VCHAN_LIB)
$(BUILD)/bin/qmp-call: EVENT_LIBS += $(QMP_LIB) $(XEN_LIBS)

LIBS += $(QMP_VCHAN_LIB)
