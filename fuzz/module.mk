# libFuzzer targets for every parser of untrusted input (docs/fuzzing.md).
# Built only by `make fuzz`, with clang, into $(BUILD)/fuzz/: the project
# sources they need are compiled again there with the fuzzing flags, so
# the gcc build in $(BUILD)/obj is never touched.
#   make fuzz                      build every target
#   make fuzz-run FUZZ_SECONDS=N   run each N seconds on its corpus
#   make check-fuzz-corpus         replay every corpus file once

FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
# clang warns on casts that gcc accepts on x86 (config.c's field table).
FUZZ_CFLAGS  := -O1 -g -std=gnu11 $(WARN) -Wno-cast-align $(FUZZ_SAN) \
                -fsanitize=fuzzer-no-link
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer
FUZZ_SECONDS ?= 20
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_OBJ     := $(FUZZ_DIR)/obj

FUZZ_TARGETS := qmp-parser qmp-client frame config plan-json plan-log \
                handshake memreq stubcons xsval runfile pci request vchan
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)

fuzz_objs = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(1))

FUZZ_SRCS_qmp-parser := qmp/parser.c
FUZZ_SRCS_qmp-client := $(QMP_SRCS)
FUZZ_SRCS_frame      := libdmsup/frame.c
FUZZ_SRCS_config     := dmsup/config.c dmsup/devspec.c
# xl's disk specs (devspec.c) are libxlutil's.
$(FUZZ_OBJ)/dmsup/devspec.o: CPPFLAGS += $(XLU_CFLAGS)
FUZZ_LIBS_config     := $(XLU_LIBS)
FUZZ_SRCS_plan-json  := $(PLAN_SRCS)
FUZZ_SRCS_plan-log   := plan/plan-log.c
FUZZ_SRCS_handshake  := stubdom-proto/xs.c stubdom-proto/setup.c \
                        stubdom-proto/handshake.c tests/unit/proto/xs-mem.c
# memreq's log goes to the target's own quiet, checking log functions.
FUZZ_SRCS_memreq     := dmsup/ops/memreq.c plan/plan.c stubdom-proto/xs.c \
                        tests/unit/proto/xs-mem.c
FUZZ_SRCS_stubcons   := stubkeep/stubcons.c
FUZZ_SRCS_xsval      := dmsup/kind/xsval.c
FUZZ_SRCS_runfile    := dmsup/runfile.c
FUZZ_SRCS_pci        := dmsup/ops/ops-pci.c
# libxenvchan is the target's own stand-in: Xen's headers, none of its
# libraries.
FUZZ_SRCS_vchan      := $(QMP_SRCS) qmp/vchan.c qmp/transport-vchan.c
$(FUZZ_OBJ)/qmp/transport-vchan.o $(FUZZ_OBJ)/fuzz/fuzz-vchan.o: \
	CPPFLAGS += $(XEN_CFLAGS)
FUZZ_SRCS_request    := libdmsup/frame.c dmsup/ctl/reqcheck.c dmsup/ctl/cmdtab.c
# stubcons.c opens real consoles too: Xen's headers and libraries.
$(FUZZ_OBJ)/dmsup/stubcons.o $(FUZZ_OBJ)/fuzz/fuzz-stubcons.o: \
	CPPFLAGS += $(XEN_CFLAGS)
FUZZ_LIBS_stubcons   := $(XEN_LIBS)

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define fuzz_bin_rule
$(FUZZ_DIR)/fuzz-$(1): $(FUZZ_OBJ)/fuzz/fuzz-$(1).o $(call fuzz_objs,$(FUZZ_SRCS_$(1)))
	$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$^ $$(EVENT_LIBS) $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_bin_rule,$(t))))

.PHONY: fuzz fuzz-run check-fuzz-corpus
fuzz: $(FUZZ_BINS)

# Each target in turn, in one process (libFuzzer's default; -jobs=N would
# fork workers that log to ./fuzz-N.log): the machine is shared. New inputs go to
# $(FUZZ_DIR)/corpus/<target> (the seed corpus stays as it is); crashes to
# $(FUZZ_DIR)/crashes/<target>/.
fuzz-run: $(FUZZ_BINS)
	@rc=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crashes/$$t; \
		echo "== fuzz-$$t: $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) \
		  -print_final_stats=1 -max_len=8192 \
		  -artifact_prefix=$(FUZZ_DIR)/crashes/$$t/ \
		  $(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t \
		  > $(FUZZ_DIR)/fuzz-$$t.log 2>&1 || rc=1; \
		grep -E '^stat::(number_of_executed_units|new_units_added)|ERROR|invariant' \
		  $(FUZZ_DIR)/fuzz-$$t.log; \
		ls $(FUZZ_DIR)/crashes/$$t | sed 's/^/  found: /'; \
	done; exit $$rc

# Every seed once through its target: a regression check for fixed bugs.
check-fuzz-corpus: $(FUZZ_BINS)
	@rc=0; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz-$$t: $$(ls fuzz/corpus/$$t | wc -l) inputs"; \
		$(FUZZ_DIR)/fuzz-$$t -runs=1 fuzz/corpus/$$t/* \
		  > $(FUZZ_DIR)/replay-$$t.log 2>&1 \
		  || { rc=1; tail -n 30 $(FUZZ_DIR)/replay-$$t.log; }; \
	done; \
	if [ $$rc = 0 ]; then echo "check-fuzz-corpus: all inputs passed"; fi; \
	exit $$rc

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)
