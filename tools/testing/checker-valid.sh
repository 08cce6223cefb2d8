#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# checker-valid.sh CHECK [CHECKFLAGS...]: prints 1 if the checker (sparse)
# understands the C the kernel is now written in (__typeof_unqual__), else
# 0. With C=1/2, kbuild runs the kernel's scripts/checker-valid.sh for this
# and turns the checker off, with no more than a make warning, unless it
# prints 1. Debian's linux-headers packages do not ship that script (so
# kbuild would always turn sparse off): fetch-kernel.sh installs this one
# in its place, and uses it to choose a sparse.
set -u
command -v "$1" >/dev/null || { echo 0; exit 0; }
tmp=$(mktemp --suffix=.c)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<'EOF'
static inline int u(const int *q)
{
	__typeof_unqual__(*q) v = *q;
	return v;
}
EOF
# sparse exits 0 on errors: look at what it says.
if "$@" "$tmp" 2>&1 | grep -q error; then
	echo 0
else
	echo 1
fi
