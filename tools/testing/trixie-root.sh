#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# trixie-root.sh [GCC]: make (once) a Debian 13 root in the cache in which
# modules for the newest stable kernels are built with the compiler those
# kernels were built with (GCC, default gcc-14: their flags, e.g.
# -fmin-function-alignment, are unknown to Debian 12's gcc-12). Prints
# ROOT=<dir>. Run commands in it with in-root.sh. About a minute.
set -eu
here=$(dirname "$(readlink -f "$0")")
. "$here/lib.sh"

gcc=${1:-gcc-14}
include="$gcc,make,libelf-dev,bc,flex,bison,libssl-dev,cpio,kmod,dwarves,sparse,python3"
key=$(echo "trixie minbase $include $MIRROR" | sha256sum | cut -c1-12)
dir="$CACHE/trixie-$key"
if [ ! -e "$dir/.complete" ]; then
	log "making a Debian 13 build root with $gcc in $dir (about a minute)"
	rm -rf "$dir"
	mkdir -p "$dir"
	debootstrap --variant=minbase --include="$include" trixie "$dir/root" "$MIRROR" \
		>"$dir/debootstrap.log" 2>&1 ||
		die "debootstrap trixie failed, see $dir/debootstrap.log"
	touch "$dir/.complete"
fi
echo "ROOT=$dir/root"
