# dmsup — top-level build. GNU make + pkg-config.
#
# Each directory adds its own targets in a `module.mk` fragment, so that the
# parts of the tree can grow without touching this file. Fragments append to:
#   BINS          programs installed into $(BINDIR)      (build/bin/...)
#   LIBEXECS      programs installed into $(LIBEXECDIR)  (build/bin/...)
#   TEST_BINS     programs built for tests only         (build/tests/...)
#   UNIT_TESTS    Check programs run by `make check-unit`
#   LOCAL_TESTS   Check programs run by `make check-local`
#   MAN8 MAN5     man pages installed under $(MANDIR)
#   HEADERS       public headers installed under $(INCLUDEDIR)/<dir>/
#   BENCHES       programs run by `make bench`

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/dmsup
MANDIR     ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
DESTDIR    ?=

CC      ?= cc
PKG_CONFIG ?= pkg-config

# SANITIZE=1 builds everything with ASan+UBSan into a separate tree, so a
# sanitizer build never mixes objects with a normal one.
ifeq ($(SANITIZE),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD   ?= build
SANFLAGS :=
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wcast-align -Wwrite-strings \
        -Wvla -Wnull-dereference -Wundef -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -fPIC $(WARN) $(SANFLAGS)
CPPFLAGS += -D_GNU_SOURCE -I. -I$(BUILD)/gen
LDFLAGS += $(SANFLAGS)

pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1))

EVENT_CFLAGS := $(call pc_cflags,libevent json-c)
EVENT_LIBS   := $(call pc_libs,libevent json-c)
CHECK_CFLAGS := $(call pc_cflags,check)
CHECK_LIBS   := $(call pc_libs,check)
XEN_PKGS     := xenstore xencontrol xenguest xenevtchn xenvchan xentoollog
XEN_CFLAGS   := $(call pc_cflags,$(XEN_PKGS))
XEN_LIBS     := $(call pc_libs,$(XEN_PKGS))
CPPFLAGS     += $(EVENT_CFLAGS)

BINS        :=
LIBEXECS    :=
TEST_BINS   :=
UNIT_TESTS  :=
LOCAL_TESTS :=
MAN8        :=
MAN5        :=
HEADERS     :=
BENCHES     :=

.PHONY: all check check-unit check-local check-xen bench install clean
all:

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Fragments: the libraries first, in dependency order, so that their
# variables (QMP_LIB, ...) are defined before the fragments that link them;
# then every test, bench and docs fragment. Targets that need every program
# depend on `all`, whose prerequisites are read after all fragments.
MODULES := $(wildcard qmp/module.mk qmp/vchan.mk stubdom-proto/module.mk \
             stubdom-proto/linux-agent/module.mk \
             stubdom-proto/probe/module.mk plan/module.mk \
             stubkeep/module.mk dmsup/module.mk dmctl/module.mk \
             tools/module.mk dropin/module.mk) \
           $(sort $(wildcard tests/*/module.mk tests/*/*/module.mk)) \
           $(sort $(wildcard bench/*/module.mk)) \
           $(wildcard scripts/module.mk docs/module.mk) \
           $(wildcard fuzz/module.mk)
include $(MODULES)

all: $(BINS) $(LIBEXECS) $(TEST_BINS) $(UNIT_TESTS) $(LOCAL_TESTS)

# Each Check program prints its own summary line; a failing one fails make.
check-unit: $(UNIT_TESTS)
	@rc=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

check-local: all
	@rc=0; for t in $(LOCAL_TESTS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

# Every C file as .clang-format says (Debian 12's clang-format 14).
.PHONY: check-format
check-format:
	@bad=$$(for f in $$(git ls-files '*.c' '*.h' 2>/dev/null); do \
		clang-format --dry-run "$$f" 2>&1 | grep -q warning && echo "$$f"; \
	done); [ -z "$$bad" ] || { echo "not clang-formatted:" $$bad; exit 1; }; \
	echo "check-format: every C file is clang-formatted"

# The Xen test bed runs the normal (unsanitized) build inside a Xen dom0.
ifeq ($(SANITIZE),1)
check: check-unit check-local
else
check: check-format check-unit check-local check-xen
endif

bench: all $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	$(if $(BINS),install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/)
	$(if $(LIBEXECS),install -d $(DESTDIR)$(LIBEXECDIR) && \
		install -m 0755 $(LIBEXECS) $(DESTDIR)$(LIBEXECDIR)/)
	$(if $(MAN8),install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	@for h in $(HEADERS); do \
		install -d $(DESTDIR)$(INCLUDEDIR)/$$(dirname $$h) && \
		install -m 0644 $$h $(DESTDIR)$(INCLUDEDIR)/$$h || exit 1; done

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
