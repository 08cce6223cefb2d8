#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh.sh: the README's commands on a fresh Debian 12 machine.
#
# A minimal Debian 12 root (debootstrap --variant=minbase, with the apt
# sources a Debian 12 installation has) is made once and kept in the cache
# as a pristine lower layer that nothing writes to; each run gets an empty
# overlay on it (in-root.sh --scratch), so nothing a previous run installed
# survives, and the install list is built from scratch every time: a
# package the rig forgets fails this lane. The tree's files (those git
# shows: tracked and untracked, not ignored) are copied in, and inside, as
# root with a login's environment (HOME=/root), fresh-run.sh runs what the
# README says: apt-get install make (minbase has no make), "make demo", and
# "make check" reduced to one lane, one isolation, one suite (CVM_LANES=6.12
# CVM_ISOLATIONS=snp CVM_SUITES=accept CVM_SKIP_DKMS=1): far enough to
# install everything, build the module, load it and run a suite. Downloads
# are shared with the host (apt's .debs, the kernel .debs); installs are
# not. Lines starting with "# " are the summary check.sh shows.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
build=${CVM_BUILD_DIR:-$top/build}
dir="$build/fresh"

# What the Debian 12 installer writes: the release, its updates and the
# security archive (where Debian 12's 6.12 kernels are); no .deb left.
installed_like() {
	cat >"$1/etc/apt/sources.list" <<EOF || return
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${MIRROR%/debian}/debian-security bookworm-security main
EOF
	rm -rf "$1/var/cache/apt/archives"/*.deb
}
base=$(cached_root bookworm "" installed_like)

rm -rf "$dir"
mkdir -p "$dir/scratch/upper/root" "$CACHE/fresh-apt-archives/partial" "$CACHE/debs"
chmod 700 "$dir/scratch/upper/root"
tree="$dir/scratch/upper/root/cvm_vtlmem"
mkdir -p "$tree"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" ls-files -z --cached --others --exclude-standard |
		(cd "$top" && xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) |
		tar -C "$top" --null -T - -cf - | tar -C "$tree" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$tree" -xf -
fi

log "fresh Debian 12 root: make demo and make check inside (log: $dir/fresh.log)"
status=0
"$here/in-root.sh" --scratch "$dir/scratch" \
	--bind "$CACHE/fresh-apt-archives=/var/cache/apt/archives" \
	--bind "$CACHE/debs=/root/.cache/cvm_vtlmem/debs" \
	"$base/root" /bin/bash /root/cvm_vtlmem/tools/testing/fresh-run.sh \
	</dev/null >"$dir/fresh.log" 2>&1 || status=$?
# The summary: what the root had before, the demo's verdict, the inner
# check's results, what it had after.
grep -E '^@@fresh |^\[rig\] (installing|demo done|error)|^(not )?ok |^[0-9]+ passed, [0-9]+ failed$' \
	"$dir/fresh.log" | sed -E 's/^(@@fresh )?/# fresh: /'
# Keep the consoles and build logs, not the installed system.
inner="$dir/scratch/upper/root/cvm_vtlmem/build"
[ -d "$inner" ] && cp -r "$inner" "$dir/inner-build"
if [ "$status" = 0 ]; then
	rm -rf "$dir/scratch"
else
	tail -n 15 "$dir/fresh.log" | sed 's/^/# fresh: | /'
	echo "# fresh: failed (exit $status); the root's changes are kept in $dir/scratch/upper"
fi
exit "$status"
