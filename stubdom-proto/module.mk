# stubdom-proto: the toolstack <-> stub-domain protocols (a library), and
# the stub-side protocol agent that the Xen test bed runs inside a domU.

STUBDOM_PROTO_SRCS := stubdom-proto/xs.c stubdom-proto/xs-real.c \
                      stubdom-proto/setup.c stubdom-proto/handshake.c
STUBDOM_PROTO_LIB  := $(BUILD)/lib/libstubdom-proto.a
# What a program linking the library needs after it.
STUBDOM_PROTO_LIBS := $(EVENT_LIBS) $(XEN_LIBS)

$(BUILD)/obj/stubdom-proto/xs-real.o: CPPFLAGS += $(XEN_CFLAGS)

$(STUBDOM_PROTO_LIB): $(STUBDOM_PROTO_SRCS:%.c=$(BUILD)/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

HEADERS += stubdom-proto/xs.h stubdom-proto/setup.h stubdom-proto/handshake.h

all: $(STUBDOM_PROTO_LIB)
