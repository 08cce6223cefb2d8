#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh: install Debian's 6.12 headers package for real (as a user
# would), run "make dkms-install" against it, check the module landed, and
# remove it again. Needs root.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
eval "$("$here/fetch-kernel.sh" 6.12)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"linux-headers-$KVER" >"$CACHE/dkms-headers.log" 2>&1 ||
	die "cannot install linux-headers-$KVER"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
make -C "$top" dkms-install KVER="$KVER"
ko=$(find "/lib/modules/$KVER/updates/dkms" -name 'cvm_vtlmem.ko*' | head -1)
[ -n "$ko" ] || die "dkms install left no module in /lib/modules/$KVER/updates/dkms"
modinfo "$ko" | grep -q '^name: *cvm_vtlmem' || die "$ko is not cvm_vtlmem"
dkms remove -m cvm_vtlmem -v "$version" --all >/dev/null
rm -rf "/usr/src/cvm_vtlmem-$version"
echo "dkms: built and installed $ko, then removed"
