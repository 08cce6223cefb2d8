#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vtl2-kernel.sh: configure (once) the source of the newest stable kernel
# (linux-source-X.Y of trixie-backports, the series fetch-kernel.sh stable
# picks) as a VTL2 kernel, defconfig + vtl2.config (CONFIG_HYPERV_VTL_MODE=y,
# CONFIG_MSHV_VTL=m and what they need), and run modules_prepare in the
# Debian 13 build root with the compiler of that series. Cached under a key
# made of the fragment, the source package and the compiler. Fails if an
# option of the fragment did not survive olddefconfig. Prints KVER, KDIR,
# VMLINUZ (empty: a HYPERV_VTL_MODE kernel "must run at VTL2, and will not
# run as a normal guest", so this lane compiles only), BUILD_ROOT, CHECK,
# KMAKE_ARGS (make arguments a module build against KDIR needs) and
# BUILD_NOTE.
#
# modules_prepare makes no Module.symvers (only a full kernel build does),
# so modpost cannot resolve the module's symbols: KBUILD_MODPOST_WARN=1
# turns its unresolved-symbol errors into warnings, which are ignored; the
# compiler and sparse must be silent as in every lane.
set -eu
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

stable=$("$here/fetch-kernel.sh" stable) || exit 1
eval "$stable"
series=$(echo "$KVER" | cut -d. -f1,2)
deb=$(fetch_deb "linux-source-$series" trixie-backports)
src="$CACHE/linux-source-$series"
if [ ! -e "$src/.from-$(basename "$deb")" ]; then
	log "unpacking $(basename "$deb")"
	rm -rf "$src" "$CACHE/src-deb-$series"
	dpkg-deb -x "$deb" "$CACHE/src-deb-$series"
	tar -C "$CACHE" -xaf "$CACHE/src-deb-$series/usr/src/linux-source-$series.tar".*
	rm -rf "$CACHE/src-deb-$series"
	touch "$src/.from-$(basename "$deb")"
fi

key=$( (cat "$here/vtl2.config"; basename "$deb"; echo "$KCC") | sha256sum | cut -c1-12)
out="$CACHE/vtl2-$key"
kmake=(CC="$KCC" HOSTCC="$KCC" LOCALVERSION=-cvmvtl2)
if [ ! -e "$out/.complete" ]; then
	log "configuring linux-source-$series for VTL2 and preparing it in $out"
	rm -rf "$out"
	mkdir -p "$out"
	inroot=("$here/in-root.sh" --bind "$CACHE" "$BUILD_ROOT")
	{
		"${inroot[@]}" make -C "$src" O="$out" "${kmake[@]}" defconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$here/vtl2.config" &&
		"${inroot[@]}" make -C "$src" O="$out" "${kmake[@]}" olddefconfig
	} >"$out/build.log" 2>&1 || die "VTL2 kernel configuration failed, see $out/build.log"
	# Every option of the fragment must have survived olddefconfig.
	grep -v '^#' "$here/vtl2.config" | grep . | while read -r line; do
		case $line in
		*=n) grep -q "^# ${line%=n} is not set" "$out/.config" ;;
		*) grep -qx "$line" "$out/.config" ;;
		esac || die "VTL2 kernel config lost $line (see $out/.config)"
	done
	"${inroot[@]}" make -C "$src" O="$out" "${kmake[@]}" -j$(($(nproc) + 1)) \
		modules_prepare >>"$out/build.log" 2>&1 ||
		die "VTL2 modules_prepare failed, see $out/build.log"
	touch "$out/.complete"
fi
echo "KVER=$(cat "$out/include/config/kernel.release")"
echo "KDIR=$out"
echo "VMLINUZ="
echo "BUILD_ROOT=$BUILD_ROOT"
echo "CHECK=$CHECK"
echo "KMAKE_ARGS=\"${kmake[*]} KBUILD_MODPOST_WARN=1\""
echo "BUILD_NOTE=\"$BUILD_NOTE; compile only\""
