#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-kernel.sh: build (once) a KASAN + lockdep + kmemleak + UBSAN kernel
# from linux-source-6.12, cached under a key made of its config fragment and
# the source version. Prints KVER, KDIR and VMLINUZ like fetch-kernel.sh.
set -eu
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

eval "$("$here/fetch-source.sh")"
key=$( (cat "$here/debug.config"; ls "$SRC"/.from-*) | sha256sum | cut -c1-12)
out="$CACHE/debug-$key"
if [ ! -e "$out/.complete" ]; then
	log "building the debug kernel in $out (about 20 minutes on 2 cores)"
	# Incremental: a config change rebuilds only what depends on it.
	mkdir -p "$out"
	jobs=$(($(nproc) + 1))
	{
		make -C "$SRC" O="$out" defconfig kvm_guest.config &&
		"$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
			"$here/debug.config" &&
		make -C "$SRC" O="$out" olddefconfig &&
		make -C "$SRC" O="$out" -j"$jobs" LOCALVERSION=-cvmdebug
	} >"$out/build.log" 2>&1 || die "debug kernel build failed, see $out/build.log"
	# Every option of the fragment must have survived olddefconfig.
	grep -v '^#' "$here/debug.config" | grep . | while read -r line; do
		case $line in
		*=n) grep -q "^# ${line%=n} is not set" "$out/.config" ;;
		*) grep -qx "$line" "$out/.config" ;;
		esac || die "debug kernel config lost $line"
	done
	touch "$out/.complete"
fi
echo "KVER=$(cat "$out/include/config/kernel.release")"
echo "KDIR=$out"
echo "VMLINUZ=$out/arch/x86/boot/bzImage"
