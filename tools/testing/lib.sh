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
# (dwarves). debootstrap makes the Debian 13 build root and the fresh lane's
# Debian 12 root. The fresh lane proves this list complete.
HOST_PACKAGES="make gcc libc6-dev qemu-system-x86 busybox-static sparse flex bison
	libelf-dev libssl-dev bc cpio kmod xz-utils zstd perl python3 dkms dwarves
	debootstrap"

# The Debian mirror for everything the rig downloads outside apt's own lists.
MIRROR=${CVM_MIRROR:-http://deb.debian.org/debian}

# cached_root SUITE INCLUDE [SETUP]: a minimal Debian SUITE root
# (debootstrap --variant=minbase) with the packages INCLUDE (comma
# separated, may be empty), made once and kept in the cache under a key of
# what went into it; SETUP, a function, finishes a new root (it gets the
# root's path). Prints the directory holding root/ and debootstrap.log.
cached_root() {
	local suite=$1 include=$2 setup=${3:-} key dir
	key=$(echo "$suite minbase${include:+ $include} $MIRROR" | sha256sum | cut -c1-12)
	dir="$CACHE/$suite-$key"
	# In $(...) set -e is off: every step says itself when it fails.
	if [ ! -e "$dir/.complete" ]; then
		log "making a minimal Debian $suite root in $dir (about a minute)"
		rm -rf "$dir" && mkdir -p "$dir" || die "cannot make $dir"
		debootstrap --variant=minbase ${include:+--include="$include"} "$suite" \
			"$dir/root" "$MIRROR" >"$dir/debootstrap.log" 2>&1 ||
			die "debootstrap $suite failed, see $dir/debootstrap.log"
		[ -z "$setup" ] || "$setup" "$dir/root" || die "finishing the $suite root failed"
		touch "$dir/.complete" || die "cannot write $dir/.complete"
	fi
	echo "$dir"
}

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

# Private apt states, one per Debian suite, under the cache: the newest
# stable kernels are in trixie-backports, a sparse that knows their C in
# sid. The machine's own apt configuration is never touched.
suite_apt() { # suite_apt SUITE apt-get|apt-cache ARGS...
	local dir="$CACHE/apt-$1" tool=$2
	shift 2
	"$tool" -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" -o Dir::State::Status="$dir/status" \
		-o Dir::Cache="$dir/cache" "$@"
}

suite_apt_update_once() { # suite_apt_update_once SUITE
	local dir="$CACHE/apt-$1"
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	echo "deb $MIRROR $1 main" >"$dir/sources.list"
	touch "$dir/status"
	if [ -z "$(find "$dir/.updated" -mmin -360 2>/dev/null)" ]; then
		suite_apt "$1" apt-get update -q >"$dir/update.log" 2>&1 ||
			die "apt-get update ($1) failed, see $dir/update.log"
		touch "$dir/.updated"
	fi
}

# fetch_deb PKG [SUITE]: download one package into $CACHE/debs (if not
# there) and print the path; from SUITE's private apt state if given.
fetch_deb() {
	local pkg=$1 apt=command ver f
	[ -n "${2:-}" ] && apt="suite_apt $2"
	ver=$($apt apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "package $pkg not on the mirror"
	mkdir -p "$CACHE/debs"
	f=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | grep -F "_$(echo "$ver" | sed 's/:/%3a/')_" | head -1)
	if [ -z "$f" ]; then
		(cd "$CACHE/debs" && $apt apt-get download -q "$pkg=$ver" >/dev/null 2>&1) ||
			die "apt-get download $pkg=$ver failed"
		f=$(ls -t "$CACHE/debs/${pkg}_"*.deb | head -1)
	fi
	echo "$f"
}

# build_tools DIR [TARGET...]: static user space for the VM into DIR with
# tools/Makefile (default target: everything; the selftests go to
# DIR/selftests and need KSFT_DIR set); warnings fail.
build_tools() {
	local top dir=$1
	top=$(readlink -f "$(dirname "${BASH_SOURCE[0]}")/../..")
	shift
	make -s -C "$top/tools" STATIC=1 O="$dir" ${KSFT_DIR:+KSFT_DIR="$KSFT_DIR"} "$@"
}

# no_sim_symbols KO: a production build (CVM_VTLMEM_SIM=n) has no code of
# the simulated hypervisor or its test oracles. Fails, printing them, if
# nm finds a symbol named like theirs: cvm_sim_*, sim_* (also inside
# __param_sim_ram and the like), selftest_warn*, unusable_maps.
SIM_SYMBOLS='sim_|selftest_warn|unusable_maps'
no_sim_symbols() {
	local syms
	syms=$(nm "$1" | awk '{ print $NF }') || return 1
	[ -n "$syms" ] || { echo "nm: no symbols in $1"; return 1; }
	if echo "$syms" | grep -E "$SIM_SYMBOLS"; then
		echo "$1: simulator symbols in a production build"
		return 1
	fi
}
