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

# The man page and the static library are installed from here (the top
# Makefile knows MAN5/MAN8 and headers only).
LIBDIR ?= $(PREFIX)/lib

.PHONY: install-qmp
install: install-qmp
install-qmp: $(QMP_LIB) $(BUILD)/bin/qmp-call
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(LIBDIR)
	install -m 0644 docs/qmp-call.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(QMP_LIB) $(DESTDIR)$(LIBDIR)/
