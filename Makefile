# dmsup — top-level build. GNU make + pkg-config.
#
# Each directory adds its own targets in a `module.mk` fragment, so that the
# parts of the tree can grow without touching this file. Fragments append to:
#   BINS          programs installed into $(BINDIR)      (build/bin/...)
#   SBINS         programs installed into $(SBINDIR): daemons and tools
#                 for root, with their man page in section 8 (build/bin/...)
#   LIBEXECS      programs installed into $(LIBEXECDIR)  (build/bin/...)
#   LIBS          static libraries installed into $(LIBDIR) (build/lib/...)
#   TEST_BINS     programs built for tests only         (build/tests/...)
#   UNIT_TESTS    Check programs run by `make check-unit`
#   LOCAL_TESTS   Check programs run by `make check-local`
#   MAN1 MAN3 MAN5 MAN8  man pages installed under $(MANDIR)
#   HEADERS       public headers installed under $(INCLUDEDIR)/<dir>/
#   BENCHES       programs run by `make bench`

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/dmsup
LIBDIR     ?= $(PREFIX)/lib
MANDIR     ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
# Debian 12 keeps units in /lib/systemd/system (debian/rules says so).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# The Linux stub image (make stubdom, make install-stubdom, the package
# dmsup-stubdom) and dmsup's default for it. Not under PREFIX: a dmsup
# built for /usr/local still finds the packaged image, as libxl finds
# Xen's in /usr/lib/xen/boot.
STUBDOM_DIR ?= /usr/lib/dmsup/stubdom
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

# WERROR=0 for a distribution build: a newer compiler's new warning must
# not fail a package build; our own builds and CI keep -Werror.
WERROR  ?= 1
WARN := -Wall -Wextra $(if $(filter 0,$(WERROR)),,-Werror) -Wshadow -Wformat=2 -Wstrict-prototypes \
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
# Only the tests need Check: a build without it (make installable, the
# Debian package) must not complain that it is missing.
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)
XEN_PKGS     := xenstore xencontrol xenguest xenevtchn xengnttab xenvchan xentoollog
XEN_CFLAGS   := $(call pc_cflags,$(XEN_PKGS))
XEN_LIBS     := $(call pc_libs,$(XEN_PKGS))
CPPFLAGS     += $(EVENT_CFLAGS)

BINS        :=
SBINS       :=
LIBEXECS    :=
LIBS        :=
TEST_BINS   :=
UNIT_TESTS  :=
LOCAL_TESTS :=
MAN1        :=
MAN3        :=
MAN5        :=
MAN8        :=
HEADERS     :=
BENCHES     :=

.PHONY: all installable check check-unit check-local check-xen bench install clean
all:

# Every installed program answers --version from the one VERSION file.
# Order-only for every object, so the header exists before the first
# compile; -MMD's .d files then rebuild what includes it when it changes.
VERSION := $(shell cat VERSION)
$(BUILD)/gen/version.h: VERSION
	@mkdir -p $(@D)
	echo '#define DMSUP_VERSION "$(VERSION)"' > $@.tmp && mv $@.tmp $@

# paths.h: the built-in paths that are no file make could depend on,
# made at every make and replaced only when it changed.
$(BUILD)/gen/paths.h: FORCE
	@mkdir -p $(@D)
	@echo '#define DMSUP_STUBDOM_DIR "$(STUBDOM_DIR)"' > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

.PHONY: FORCE
FORCE:

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/version.h $(BUILD)/gen/paths.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Fragments: the libraries first, in dependency order, so that their
# variables (QMP_LIB, ...) are defined before the fragments that link them;
# then every test, bench and docs fragment. Targets that need every program
# depend on `all`, whose prerequisites are read after all fragments.
MODULES := $(wildcard qmp/module.mk qmp/vchan.mk stubdom-proto/module.mk \
             stubdom-proto/linux-agent/module.mk \
             stubdom-proto/probe/module.mk libdmsup/module.mk plan/module.mk \
             stubkeep/module.mk dmsup/module.mk dmctl/module.mk \
             tools/module.mk dropin/module.mk contrib/module.mk) \
           $(sort $(wildcard tests/*/module.mk tests/*/*/module.mk)) \
           $(sort $(wildcard bench/*/module.mk)) \
           $(wildcard scripts/module.mk docs/module.mk) \
           $(wildcard fuzz/module.mk)
include $(MODULES)

all: $(BINS) $(SBINS) $(LIBEXECS) $(LIBS) $(TEST_BINS) $(UNIT_TESTS) \
     $(LOCAL_TESTS)

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
check: check-format check-unit check-local check-xen check-xen-migrate
endif

bench: all $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

# installable and install build what is installed and nothing else: no
# test, no Check (debian/rules builds with `make installable`). Fragments
# add their own steps with `installable: FILE` and `install: install-WHAT`.
installable: $(BINS) $(SBINS) $(LIBEXECS) $(LIBS)
install: installable
	$(call install_files,0755,$(BINDIR),$(BINS))
	$(call install_files,0755,$(SBINDIR),$(SBINS))
	$(call install_files,0755,$(LIBEXECDIR),$(LIBEXECS))
	$(call install_files,0644,$(LIBDIR),$(LIBS))
	$(call install_files,0644,$(MANDIR)/man1,$(MAN1))
	$(call install_files,0644,$(MANDIR)/man3,$(MAN3))
	$(call install_files,0644,$(MANDIR)/man5,$(MAN5))
	$(call install_files,0644,$(MANDIR)/man8,$(MAN8))
	@for h in $(HEADERS); do \
		install -d $(DESTDIR)$(INCLUDEDIR)/$$(dirname $$h) && \
		install -m 0644 $$h $(DESTDIR)$(INCLUDEDIR)/$$h || exit 1; done

# $(call install_files,MODE,DIR,FILES): nothing, not even DIR, if no FILES.
install_files = $(if $(3),install -d $(DESTDIR)$(2) && \
	install -m $(1) $(3) $(DESTDIR)$(2)/)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
