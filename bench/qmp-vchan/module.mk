# qmp-rtt: QMP round trips over one libqmp session, unix socket or vchan,
# for the test bed's benchmark (bench/xen/b-70-qmp-vchan.sh): built for
# dom0 (build/tests/xen/) and the guest (build/tests/xen/guest/).

$(BUILD)/obj/bench/qmp-vchan/%.o: CPPFLAGS += $(XEN_CFLAGS)

$(BUILD)/tests/xen/qmp-rtt: $(BUILD)/obj/bench/qmp-vchan/qmp-rtt.o \
		$(QMP_VCHAN_LIB) $(QMP_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(XEN_LIBS)

$(BUILD)/tests/xen/guest/qmp-rtt: $(BUILD)/tests/xen/qmp-rtt
	@mkdir -p $(@D)
	cp $< $@

TEST_BINS += $(BUILD)/tests/xen/qmp-rtt $(BUILD)/tests/xen/guest/qmp-rtt
