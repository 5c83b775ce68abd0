# tests/pkg: the packages as a user gets them. `make check-debs` builds the
# .debs (dpkg-buildpackage), runs lintian and installs them into a fresh
# Debian 12 chroot (debootstrap, cached), then runs what they ship. Needs
# root and the network on its first run; not part of `make check`.
.PHONY: check-debs
check-debs:
	tests/pkg/check-debs
