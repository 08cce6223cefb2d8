#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KDIR OUTDIR [ROOT [MAKE-ARG...]]
#
# Builds the module from a private copy of the sources (so several kernels
# can be built side by side) with sparse (C=2) and W=1, and fails if the
# compiler or sparse says anything at all. Leaves OUTDIR/cvm_vtlmem.ko.
# With ROOT, make runs chrooted into that Debian root (in-root.sh), which
# sees the cache and OUTDIR at their own paths, with the compiler and
# sparse of that root; MAKE-ARGs (e.g. CC=gcc-14, CHECK=/path/to/sparse)
# are passed to make. A build in which kbuild turned the checker off fails.
# Without CVM_VTLMEM_SIM=y among them it is the production build, with no
# simulated hypervisor: anything that loads it with backend=sim passes it.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
kdir=$1
mkdir -p "$2"
out=$(readlink -f "$2")
chroot=()
if [ -n "${3:-}" ]; then
	chroot=("$here/in-root.sh" --bind "$CACHE" --bind "$out" "$3")
fi
shift $(($# < 3 ? $# : 3))

mkdir -p "$out/src"
rm -rf "$out/src"/*
cp -r "$top/Kbuild" "$top/drivers" "$top/include" "$out/src/"
if ! "${chroot[@]}" make -C "$kdir" M="$out/src" C=2 CHECK=sparse W=1 "$@" modules \
	>"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	exit 1
fi
# Anything the compiler or sparse printed about our files is a failure,
# also a warning reported in a kernel header on our behalf (fortify), and
# kbuild's "C=2 specified, but sparse is not available or not up to date".
# Newer kbuild names our files relative to M=, older by absolute path.
if grep -E "^($out/src/)?(drivers|include)/[^ ]*:[0-9]+(:[0-9]+)?: |: (warning|error): |C=[12] specified, but" \
	"$out/build.log" >&2; then
	exit 1
fi
cp "$out/src/cvm_vtlmem.ko" "$out/cvm_vtlmem.ko"
