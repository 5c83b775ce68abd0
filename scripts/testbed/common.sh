# Shared by scripts/testbed/build and run (host side, bash). Sourced, not run.

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Downloaded packages and the base image live outside the clone, so that
# every clone (and CI run) on a machine shares them.
if [ -n "${DMSUP_TESTBED_CACHE:-}" ]; then
	TB_CACHE=$DMSUP_TESTBED_CACHE
elif [ -w /var/cache ] || [ -w /var/cache/dmsup-testbed ]; then
	TB_CACHE=/var/cache/dmsup-testbed
else
	TB_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/dmsup-testbed
fi
TB_ARCH_LIB=usr/lib/x86_64-linux-gnu

tb_log() { printf 'testbed: %s\n' "$*" >&2; }
tb_die() { printf 'testbed: error: %s\n' "$*" >&2; exit 2; }

tb_is_elf() {
	[ -f "$1" ] && [ "$(head -c 4 "$1" 2>/dev/null | tr -d '\0')" = $'\x7fELF' ]
}

# The sonames an ELF file asks the dynamic linker for.
tb_needed() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# Its RUNPATH/RPATH entries, one a line ($ORIGIN is not used by what we ship).
tb_runpath() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(R\(UN\)\{0,1\}PATH).*\[\(.*\)\]/\2/p' | tr ':' '\n'
}

# tb_find_lib SONAME ROOT [DIR...]: print where ROOT (or the extra dirs,
# relative to ROOT) already has SONAME, nothing if it has not.
tb_find_lib() {
	local so=$1 root=$2 d
	shift 2
	for d in "$TB_ARCH_LIB" usr/lib/xen-4.17/lib/x86_64-linux-gnu "$@"; do
		d=${d#/}
		if [ -e "$root/$d/$so" ]; then
			echo "$root/$d/$so"
			return 0
		fi
	done
	return 1
}

# Files taken from the host are listed with their hash in $TB_HOST_SUMS
# (when set), so that a cached image is rebuilt after the host updates them.
tb_note_host() {
	case $1 in "$TB_CACHE"/*) return 0 ;; esac
	[ -z "${TB_HOST_SUMS:-}" ] || sha256sum "$(readlink -f "$1")" >>"$TB_HOST_SUMS"
}

# tb_add_libs ROOT SRC [HAVE-LIST]: copy into ROOT every shared library
# that an ELF file under ROOT needs and ROOT lacks, recursively, taking it
# from the unpacked packages SRC first and the host (same Debian release)
# second. Sonames listed in the file HAVE-LIST are taken as present (they
# are in an archive this one is appended to). glibc dlopen()s libgcc_s for
# pthread_cancel without listing it, so it always comes along.
tb_add_libs() {
	local root=$1 src=$2 have=${3:-/dev/null} changed=1 f so rp dst s
	mkdir -p "$root/$TB_ARCH_LIB"
	if ! grep -qx libgcc_s.so.1 "$have" && [ ! -e "$root/$TB_ARCH_LIB/libgcc_s.so.1" ]; then
		cp -L /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$root/$TB_ARCH_LIB/"
		tb_note_host /usr/lib/x86_64-linux-gnu/libgcc_s.so.1
	fi
	while [ $changed = 1 ]; do
		changed=0
		while IFS= read -r -d '' f; do
			tb_is_elf "$f" || continue
			rp=$(tb_runpath "$f")
			for so in $(tb_needed "$f"); do
				grep -qx "$so" "$have" && continue
				# shellcheck disable=SC2086
				tb_find_lib "$so" "$root" $rp >/dev/null && continue
				s=
				for dst in "$src/$TB_ARCH_LIB" "$src/usr/lib/xen-4.17/lib/x86_64-linux-gnu" \
					/usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu; do
					if [ -e "$dst/$so" ]; then s=$dst/$so; break; fi
				done
				[ -n "$s" ] || tb_die "$so (needed by ${f#"$root"}) is neither in the packages nor on this host; run scripts/install-deps"
				cp -L "$s" "$root/$TB_ARCH_LIB/$so"
				tb_note_host "$s"
				changed=1
			done
		done < <(find "$root" -type f -print0)
	done
	# The program interpreter every dynamic binary names.
	if ! grep -qx ld-linux-x86-64.so.2 "$have" && [ ! -e "$root/$TB_ARCH_LIB/ld-linux-x86-64.so.2" ]; then
		cp -L /lib64/ld-linux-x86-64.so.2 "$root/$TB_ARCH_LIB/"
		tb_note_host /lib64/ld-linux-x86-64.so.2
	fi
}

# tb_skeleton ROOT: a merged-/usr root with busybox and its applet links.
tb_skeleton() {
	local root=$1 bb=$2 a
	mkdir -p "$root"/usr/bin "$root"/usr/sbin "$root/$TB_ARCH_LIB" "$root"/usr/lib64 \
		"$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run "$root"/etc \
		"$root"/var/log "$root"/var/lib "$root"/root
	ln -sfn usr/bin "$root/bin"
	ln -sfn usr/sbin "$root/sbin"
	ln -sfn usr/lib "$root/lib"
	ln -sfn usr/lib64 "$root/lib64"
	ln -sfn ../run "$root/var/run"
	ln -sfn ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/usr/lib64/ld-linux-x86-64.so.2"
	cp "$bb" "$root/usr/bin/busybox"
	for a in $("$bb" --list-full); do
		a=usr/${a#usr/}
		[ -e "$root/$a" ] || [ -L "$root/$a" ] || ln -s /usr/bin/busybox "$root/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'root:x:0:' >"$root/etc/group"
}

# tb_cpio ROOT OUT [FILTER]: a newc archive of ROOT, owned by root, through
# FILTER (default gzip -1: the kernel unpacks it under TCG, where fast
# decompression matters more than size).
tb_cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		${3:-gzip -1} >"$2"
}
