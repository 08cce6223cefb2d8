#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# in-root.sh [--bind DIR[=INSIDE]]... [--scratch DIR] ROOT COMMAND...
#
# Runs COMMAND chrooted into the Debian root ROOT, as root with a login's
# environment (HOME=/root, a plain PATH, LANG=C.UTF-8, nothing else from
# the caller; COMMAND may start with NAME=VALUE words), in a mount
# namespace of its own: /proc, /sys, /dev and the host's resolv.conf are
# mounted for it, and each DIR at INSIDE (default: the same path). With
# --scratch, ROOT is the read-only lower layer of an overlay whose changes
# go to DIR/upper: ROOT stays as it was. Everything is unmounted when
# COMMAND ends, whatever becomes of it; nothing stays mounted on the host.
set -eu

if [ -z "${CVM_IN_ROOT_NS:-}" ]; then
	CVM_IN_ROOT_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

binds=()
scratch=""
while [ $# -gt 0 ]; do
	case $1 in
	--bind) binds+=("$2"); shift 2 ;;
	--scratch) scratch=$2; shift 2 ;;
	*) break ;;
	esac
done
root=$(readlink -f "$1")
shift
[ -x "$root/bin/sh" ] || { echo "in-root.sh: $root is not a root" >&2; exit 1; }

if [ -n "$scratch" ]; then
	mkdir -p "$scratch/upper" "$scratch/work" "$scratch/merged"
	mount -t overlay overlay \
		-o "lowerdir=$root,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/merged"
	root=$scratch/merged
fi
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
if [ -e /etc/resolv.conf ] && [ ! -L "$root/etc/resolv.conf" ]; then
	[ -e "$root/etc/resolv.conf" ] || : >"$root/etc/resolv.conf"
	mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
fi
for b in "${binds[@]}"; do
	src=${b%%=*}
	dst=${b#*=}
	mkdir -p "$root$dst"
	mount --bind "$src" "$root$dst"
done

exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
