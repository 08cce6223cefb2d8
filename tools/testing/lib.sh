# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the test rig scripts; sourced, not run.

CACHE=${CVM_VTLMEM_CACHE:-${HOME:-/root}/.cache/cvm_vtlmem}
mkdir -p "$CACHE"

# The test VM's stand-in for VTL0 RAM: the 1 GiB above 4 GiB of a 4 GiB
# guest, hidden from its kernel with memmap= (see vm.sh).
VTL0_BASE=0x100000000
VTL0_SIZE=0x40000000

log() { printf '[rig] %s\n' "$*" >&2; }
die() { printf '[rig] error: %s\n' "$*" >&2; exit 1; }

# Packages the rig needs on the host; installed once, quietly. Debian's
# kernels have CONFIG_DEBUG_INFO_BTF_MODULES=y: a module build runs pahole
# (dwarves).
HOST_PACKAGES="make gcc libc6-dev qemu-system-x86 busybox-static sparse flex bison
	libelf-dev libssl-dev bc cpio kmod xz-utils zstd perl python3 dkms dwarves"

ensure_host_packages() {
	local missing="" p
	for p in $HOST_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root to install them)"
	log "installing:$missing"
	apt_update_once
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 $missing >"$CACHE/apt-install.log" 2>&1 ||
		die "apt-get install failed, see $CACHE/apt-install.log"
}

apt_update_once() {
	local stamp="$CACHE/.apt-updated"
	# Refresh the package lists at most every six hours: kernel ABIs move.
	if [ -z "$(find "$stamp" -mmin -360 2>/dev/null)" ]; then
		apt-get update -q >"$CACHE/apt-update.log" 2>&1 ||
			die "apt-get update failed, see $CACHE/apt-update.log"
		touch "$stamp"
	fi
}

# Download one package into $CACHE/debs (if not there) and print the path.
fetch_deb() {
	local pkg=$1 ver f
	ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "package $pkg not on the mirror"
	mkdir -p "$CACHE/debs"
	f=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | grep -F "_$(echo "$ver" | sed 's/:/%3a/')_" | head -1)
	if [ -z "$f" ]; then
		(cd "$CACHE/debs" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1) ||
			die "apt-get download $pkg=$ver failed"
		f=$(ls -t "$CACHE/debs/${pkg}_"*.deb | head -1)
	fi
	echo "$f"
}

# Build cvm-vtlmemctl as a static binary for the VM into $1; warnings fail.
build_static_ctl() {
	local top
	top=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
	gcc -O2 -Wall -Wextra -Werror -static -I"$top/include/uapi" \
		-o "$1/cvm-vtlmemctl" "$top/tools/cvm-vtlmemctl.c"
}
