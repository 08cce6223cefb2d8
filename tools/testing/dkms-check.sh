#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh [6.12|stable]: install Debian's headers package of that
# kernel for real (as a user would), run "make dkms-install" against it,
# check the module landed, and remove it again. Needs root.
#
# 6.12 (the default) is done on this machine. stable, the newest kernel of
# trixie-backports, needs Debian 13's compiler: it is done in a throw-away
# overlay of the Debian 13 build root (in-root.sh --scratch), with Debian
# 13's dkms and the headers from trixie-backports, and the overlay is then
# discarded.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
series=${1:-6.12}
eval "$("$here/fetch-kernel.sh" "$series")"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

if [ "$series" = stable ]; then
	scratch=$(mktemp -d "$CACHE/dkms-root.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
	# Downloads are kept between runs, installs are not.
	mkdir -p "$CACHE/apt-archives-trixie/partial"
	"$here/in-root.sh" --scratch "$scratch" --bind "$top" \
		--bind "$CACHE/apt-archives-trixie=/var/cache/apt/archives" "$BUILD_ROOT" \
		DEBIAN_FRONTEND=noninteractive /bin/bash -c '
		set -eu
		mirror=$1 kver=$2 top=$3
		echo "deb $mirror trixie-backports main" >/etc/apt/sources.list.d/backports.list
		apt-get update -q >/tmp/apt.log 2>&1 && apt-get install -y -q \
			--no-install-recommends "linux-headers-$kver" dkms >>/tmp/apt.log 2>&1 ||
			{ tail -20 /tmp/apt.log; exit 1; }
		make -C "$top" dkms-install KVER="$kver"
		ko=$(find "/lib/modules/$kver/updates/dkms" -name "cvm_vtlmem.ko*" | head -1)
		[ -n "$ko" ] || { echo "dkms install left no module in /lib/modules/$kver/updates/dkms"; exit 1; }
		modinfo "$ko" | grep -q "^name: *cvm_vtlmem" || { echo "$ko is not cvm_vtlmem"; exit 1; }
		echo "dkms: built and installed $ko in a Debian 13 root ($(dkms --version)), root discarded"
		' _ "$MIRROR" "$KVER" "$top" </dev/null
	exit
fi

DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o DPkg::Lock::Timeout=600 "linux-headers-$KVER" >"$CACHE/dkms-headers.log" 2>&1 ||
	die "cannot install linux-headers-$KVER"
make -C "$top" dkms-install KVER="$KVER"
ko=$(find "/lib/modules/$KVER/updates/dkms" -name 'cvm_vtlmem.ko*' | head -1)
[ -n "$ko" ] || die "dkms install left no module in /lib/modules/$KVER/updates/dkms"
modinfo "$ko" | grep -q '^name: *cvm_vtlmem' || die "$ko is not cvm_vtlmem"
dkms remove -m cvm_vtlmem -v "$version" --all >/dev/null
rm -rf "/usr/src/cvm_vtlmem-$version"
echo "dkms: built and installed $ko, then removed"
