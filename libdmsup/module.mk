# libdmsup/: the client library of the control socket (libdmsup(3)), a
# shared library; its framing (frame.c) is also the daemon's and dmctl's.

LIBDMSUP_FRAME_OBJ := $(BUILD)/obj/libdmsup/frame.o
LIBDMSUP_SRCS := libdmsup/client.c libdmsup/requests.c libdmsup/call.c libdmsup/callfd.c \
                 libdmsup/reply.c libdmsup/page.c
LIBDMSUP_OBJS := $(LIBDMSUP_SRCS:%.c=$(BUILD)/obj/%.o) $(LIBDMSUP_FRAME_OBJ)
LIBDMSUP_SOVER := 0
LIBDMSUP_SONAME := libdmsup.so.$(LIBDMSUP_SOVER)
LIBDMSUP_REAL := $(BUILD)/lib/$(LIBDMSUP_SONAME).1.0
# What links it in the tree: the SONAME's link beside the real file.
LIBDMSUP_SO := $(BUILD)/lib/$(LIBDMSUP_SONAME)
LIBDMSUP_LINK := -L$(BUILD)/lib -l:$(LIBDMSUP_SONAME) -Wl,-rpath,$(CURDIR)/$(BUILD)/lib
XENSTORE_CFLAGS := $(call pc_cflags,xenstore)
XENSTORE_LIBS := $(call pc_libs,xenstore)

$(LIBDMSUP_OBJS): CFLAGS += -fvisibility=hidden
$(BUILD)/obj/libdmsup/page.o: CPPFLAGS += $(XENSTORE_CFLAGS)

$(LIBDMSUP_REAL): $(LIBDMSUP_OBJS) libdmsup/libdmsup.map
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(LIBDMSUP_SONAME) \
		-Wl,--version-script=libdmsup/libdmsup.map -Wl,-z,defs \
		-o $@ $(LIBDMSUP_OBJS) $(EVENT_LIBS) $(XENSTORE_LIBS)

$(LIBDMSUP_SO): $(LIBDMSUP_REAL)
	ln -sf $(notdir $<) $@

$(BUILD)/lib/dmsup.pc: libdmsup/dmsup.pc.in VERSION
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    $< > $@

installable: $(LIBDMSUP_SO) $(BUILD)/lib/dmsup.pc
all: $(LIBDMSUP_SO) $(BUILD)/lib/dmsup.pc

MAN3 += docs/libdmsup.3

# <dmsup/libdmsup.h>, libdmsup.so.0 and its development link, dmsup.pc.
.PHONY: install-libdmsup
install: install-libdmsup
install-libdmsup: $(LIBDMSUP_SO) $(BUILD)/lib/dmsup.pc
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/dmsup
	install -m 0644 $(LIBDMSUP_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBDMSUP_REAL)) $(DESTDIR)$(LIBDIR)/$(LIBDMSUP_SONAME)
	ln -sf $(LIBDMSUP_SONAME) $(DESTDIR)$(LIBDIR)/libdmsup.so
	install -m 0644 libdmsup/libdmsup.h $(DESTDIR)$(INCLUDEDIR)/dmsup/
	install -m 0644 $(BUILD)/lib/dmsup.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
