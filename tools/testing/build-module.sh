#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh KDIR OUTDIR
#
# Builds the module from a private copy of the sources (so several kernels
# can be built side by side) with sparse (C=2) and W=1, and fails if the
# compiler or sparse says anything at all. Leaves OUTDIR/cvm_vtlmem.ko.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
kdir=$1 out=$2

mkdir -p "$out/src"
rm -rf "$out/src"/*
cp -r "$top/Kbuild" "$top/drivers" "$top/include" "$out/src/"
if ! make -C "$kdir" M="$out/src" C=2 CHECK=sparse W=1 modules >"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	exit 1
fi
# Anything the compiler or sparse printed about our files is a failure,
# also a warning reported in a kernel header on our behalf (fortify).
if grep -E "^$out/src/.*: (warning|error|note)|^$out/src/[^ ]*:[0-9]+:[0-9]+: |: (warning|error): " \
	"$out/build.log" >&2; then
	exit 1
fi
cp "$out/src/cvm_vtlmem.ko" "$out/cvm_vtlmem.ko"
