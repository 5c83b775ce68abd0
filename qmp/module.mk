# libqmp: the QMP client library, and the qmp-call tool on top of it.

QMP_SRCS := qmp/qmp.c qmp/state.c qmp/parser.c qmp/transport-unix.c
QMP_OBJS := $(QMP_SRCS:%.c=$(BUILD)/obj/%.o)
QMP_LIB  := $(BUILD)/lib/libqmp.a

$(QMP_LIB): $(QMP_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

HEADERS += qmp/qmp.h qmp/transport.h

$(BUILD)/bin/qmp-call: $(BUILD)/obj/qmp/tools/qmp-call.o $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS)

BINS += $(BUILD)/bin/qmp-call

LIBS += $(QMP_LIB)
MAN1 += docs/qmp-call.1
