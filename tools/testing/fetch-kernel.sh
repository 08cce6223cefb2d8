#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh SERIES  (SERIES is 6.12 or 6.1)
#
# Picks the newest Debian kernel of SERIES whose unsigned image and headers are
# both on the mirror, unpacks them into the cache without running any package
# hooks, and prints shell assignments: KVER, KDIR (for M= builds), VMLINUZ.
set -eu
. "$(dirname "$0")/lib.sh"

series=${1:?usage: fetch-kernel.sh 6.12|6.1}
apt_update_once

case $series in
6.1)  pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
*)    die "unknown series $series" ;;
esac

kver=""
for image in $(apt-cache search --names-only "$pattern" | awk '{print $1}' | sort -rV); do
	v=${image#linux-image-}
	v=${v%-unsigned}
	if apt-cache show "linux-headers-$v" >/dev/null 2>&1; then
		kver=$v
		break
	fi
done
[ -n "$kver" ] || die "no $series kernel with both image and headers on the mirror"

root="$CACHE/kernel-$kver"
if [ ! -e "$root/.complete" ]; then
	log "fetching Debian kernel $kver"
	rm -rf "$root"
	mkdir -p "$root"
	headers="linux-headers-$kver"
	common=$(apt-cache show "$headers" | sed -n 's/^Depends: //p' | head -1 |
		tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -E '^linux-headers-.*-common$')
	kbuild=$(apt-cache show "$headers" | sed -n 's/^Depends: //p' | head -1 |
		tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -E '^linux-kbuild-')
	for pkg in "linux-image-$kver-unsigned" "$headers" $common $kbuild; do
		dpkg-deb -x "$(fetch_deb "$pkg")" "$root"
	done
	# The headers' top Makefile includes the -common tree by absolute path.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" \
		"$root/usr/src/linux-headers-$kver/Makefile"
	touch "$root/.complete"
fi

echo "KVER=$kver"
echo "KDIR=$root/usr/src/linux-headers-$kver"
echo "VMLINUZ=$root/boot/vmlinuz-$kver"
