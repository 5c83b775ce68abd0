# contrib/: what a distribution installs around the programs.
#   systemd/dmsup.service.in  -> $(SYSTEMDUNITDIR)/dmsup.service, with the
#                                installed dmsup's path in ExecStart
#   systemd/dmsup.socket      -> $(SYSTEMDUNITDIR)/dmsup.socket (the
#                                control socket, socket activation)
#   systemd/verify-unit       `make check-systemd`: systemd-analyze verify
#                                on the unit, and the settings it must have
#   bash-completion/dmctl     -> $(BASHCOMPDIR)/dmctl
#   vif/dmsup-vif-bridge.in   -> $(LIBEXECDIR)/dmsup-vif-bridge, the NICs' tap
#                                hook (dmsup-vif-bridge(8)), with the VERSION

SYSTEMD_UNIT := $(BUILD)/contrib/dmsup.service

$(BUILD)/bin/dmsup-vif-bridge: contrib/vif/dmsup-vif-bridge.in VERSION
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(VERSION)|g' $< > $@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@
LIBEXECS += $(BUILD)/bin/dmsup-vif-bridge
MAN8 += docs/dmsup-vif-bridge.8

# Made at every make and replaced only when it changed: it depends on
# SBINDIR, which is no file.
$(SYSTEMD_UNIT): contrib/systemd/dmsup.service.in FORCE
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@.tmp
	if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

.PHONY: install-contrib

all installable: $(SYSTEMD_UNIT)
install: install-contrib
install-contrib: $(SYSTEMD_UNIT)
	$(call install_files,0644,$(SYSTEMDUNITDIR),$(SYSTEMD_UNIT) \
		contrib/systemd/dmsup.socket)
	$(call install_files,0644,$(BASHCOMPDIR),contrib/bash-completion/dmctl)

.PHONY: check-systemd
check-systemd: $(BUILD)/bin/dmsup
	contrib/systemd/verify-unit $(CURDIR)/$(BUILD)/bin
