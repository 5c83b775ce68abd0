# dmsup: the daemon, dmctl, and the core they share with the tests.

DMSUP_CORE_SRCS := dmsup/log.c dmsup/config.c dmsup/argv.c
DMSUP_CORE_OBJS := $(DMSUP_CORE_SRCS:%.c=$(BUILD)/obj/%.o)
DMSUP_CORE_LIB  := $(BUILD)/lib/libdmsup-core.a

$(DMSUP_CORE_LIB): $(DMSUP_CORE_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
