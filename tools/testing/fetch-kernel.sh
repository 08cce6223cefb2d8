#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh SERIES  (SERIES is 6.12, 6.1 or stable)
#
# Picks the newest Debian kernel of SERIES whose unsigned image, headers and
# kbuild are all on the mirror, unpacks them into the cache without running
# any package hooks, and prints shell assignments: KVER, KDIR (for M=
# builds), VMLINUZ, BUILD_ROOT (where the module must be built, empty for
# this machine), CHECK (the sparse to use there), KCC (the compiler that
# built the kernel, when it is not this machine's) and BUILD_NOTE (how the
# module is built, when not on this machine).
#
# "stable" is the newest kernel of Debian 13's trixie-backports (through a
# private apt state, see lib.sh), whatever its version. It needs the
# compiler it was built with, so it comes with a Debian 13 build root
# (trixie-root.sh) holding that compiler, and a sparse that understands its
# C: Debian 13's own if it does, else the newest of Debian unstable.
set -eu
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

series=${1:?usage: fetch-kernel.sh 6.12|6.1|stable}
apt=command suite=""
case $series in
6.1)  pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
stable)
	# Debian 13 names its images linux-binary-unsigned-VER-amd64; take
	# the older linux-image-VER-amd64-unsigned too.
	pattern='^linux-(binary-unsigned-[0-9.]+\+deb[0-9]+-amd64|image-[0-9.]+\+deb[0-9]+-amd64-unsigned)$'
	apt="suite_apt trixie-backports" suite=trixie-backports
	;;
*)    die "unknown series $series" ;;
esac
if [ -n "$suite" ]; then
	suite_apt_update_once "$suite"
else
	apt_update_once
fi

# deps PKG REGEX: the dependencies of PKG whose names match REGEX.
deps() {
	$apt apt-cache show "$1" | sed -n 's/^Depends: //p' | head -1 |
		tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -E "$2"
}

kver="" image=""
for image in $($apt apt-cache search --names-only "$pattern" | awk '{print $1}' | sort -rV); do
	v=${image#linux-image-}
	v=${v#linux-binary-unsigned-}
	v=${v%-unsigned}
	if $apt apt-cache show "linux-headers-$v" >/dev/null 2>&1 &&
		kb=$(deps "linux-headers-$v" '^linux-kbuild-') &&
		$apt apt-cache show "$kb" >/dev/null 2>&1; then
		kver=$v
		break
	fi
done
[ -n "$kver" ] || die "no $series kernel with image, headers and kbuild on the mirror"

headers="linux-headers-$kver"
debs="$headers $(deps "$headers" '^linux-headers-.*-common$') $(deps "$headers" '^linux-kbuild-')"
root="$CACHE/kernel-$kver"
if [ ! -e "$root/.complete" ]; then
	log "fetching Debian kernel $kver"
	rm -rf "$root"
	mkdir -p "$root"
	for pkg in "$image" $debs; do
		dpkg-deb -x "$(fetch_deb "$pkg" $suite)" "$root"
	done
	# The headers' top Makefile names the -common tree (and, since 7.x,
	# its own directory) by absolute path.
	sed -i -E "s@^(include |KBUILD_OUTPUT=)/usr/src/@\1$root/usr/src/@" \
		"$root/usr/src/linux-headers-$kver/Makefile"
	touch "$root/.complete"
fi

# Debian's headers lack scripts/checker-valid.sh, which kbuild runs to see
# whether sparse can check this kernel (since 6.1x): without it C=2 would
# quietly run no checker.
common=$(sed -n 's@^include \(.*\)/Makefile$@\1@p' "$root/usr/src/linux-headers-$kver/Makefile")
if grep -q 'scripts/checker-valid\.sh' "$common/Makefile" &&
	[ ! -e "$common/scripts/checker-valid.sh" ]; then
	install -m 0755 "$here/checker-valid.sh" "$common/scripts/checker-valid.sh"
fi

# choose_sparse ROOT: print a sparse, as seen inside ROOT, that understands
# the kernel's C: ROOT's own, else the newest sparse of Debian unstable,
# unpacked into the cache.
choose_sparse() {
	local deb dir
	if [ "$("$here/in-root.sh" "$1" sh -s sparse <"$here/checker-valid.sh")" = 1 ]; then
		echo sparse
		return
	fi
	suite_apt_update_once sid
	deb=$(fetch_deb sparse sid)
	dir="$CACHE/$(basename "$deb" .deb)"
	if [ ! -x "$dir/usr/bin/sparse" ]; then
		rm -rf "$dir"
		dpkg-deb -x "$deb" "$dir"
	fi
	[ "$("$here/in-root.sh" --bind "$CACHE" "$1" sh -s "$dir/usr/bin/sparse" \
		<"$here/checker-valid.sh")" = 1 ] ||
		die "no sparse on the mirror understands the C of $kver (__typeof_unqual__)"
	echo "$dir/usr/bin/sparse"
}

vmlinuz=$root/boot/vmlinuz-$kver
[ -e "$vmlinuz" ] || vmlinuz=$root/usr/lib/modules/$kver/vmlinuz.unsigned
[ -e "$vmlinuz" ] || die "no kernel image in $image"
build_root="" check=sparse gcc="" note=""
if [ -n "$suite" ]; then
	# The compiler named in the kernel's config, e.g. x86_64-linux-gnu-gcc-14.
	gcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="[^ ]*-\(gcc-[0-9]*\) .*/\1/p' \
		"$root/usr/src/linux-headers-$kver/.config")
	[ -n "$gcc" ] || die "$kver: cannot tell which gcc built it"
	root_env=$("$here/trixie-root.sh" "$gcc")
	build_root=${root_env#ROOT=}
	check=$(choose_sparse "$build_root")
	note="Debian 13 root, $gcc, $(
		"$here/in-root.sh" --bind "$CACHE" "$build_root" "$check" --version 2>&1 |
		sed -n 's/.*(Debian: \(.*\))$/sparse \1/p')"
fi

echo "KVER=$kver"
echo "KDIR=$root/usr/src/linux-headers-$kver"
echo "VMLINUZ=$vmlinuz"
echo "BUILD_ROOT=$build_root"
echo "CHECK=$check"
echo "KCC=$gcc"
echo "BUILD_NOTE=\"$note\""
