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
dir=$(cached_root trixie \
	"$gcc,make,libelf-dev,bc,flex,bison,libssl-dev,cpio,kmod,dwarves,sparse,python3")
echo "ROOT=$dir/root"
