# tests/xen/planprogs: dom0 programs for the planner's test-bed test
# (t-55-plan-pages): xcinfo (a domain's max_pages/tot_pages, and setting
# max_pages exactly), and a copy of the planner's front end dmsup-plan
# (built by dmsup/plan.mk) where the bed ships test programs.

PLANPROGS_OBJ := $(BUILD)/obj/tests/xen/planprogs
PLANPROGS := $(BUILD)/tests/xen/xcinfo $(BUILD)/tests/xen/dmsup-plan
TEST_BINS += $(PLANPROGS)

$(PLANPROGS_OBJ)/%.o: CPPFLAGS += $(XEN_CFLAGS)

$(BUILD)/tests/xen/xcinfo: $(PLANPROGS_OBJ)/xcinfo.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(XEN_LIBS)

$(BUILD)/tests/xen/dmsup-plan: $(PLAN_TOOL)
	@mkdir -p $(@D)
	cp $< $@
