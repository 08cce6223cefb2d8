#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT KO RUNSCRIPT CONF [FILE...]
#
# Builds the test VM's initramfs: busybox-static, /init, the module, the run
# script and its config, and FILEs (static binaries) under /tests or /bin.
set -eu
here=$(dirname "$(readlink -f "$0")")
out=$1 ko=$2 run=$3 conf=$4
shift 4

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,tests}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
install -m 0755 "$here/init" "$root/init"
install -m 0755 "$run" "$root/run.sh"
install -m 0644 "$conf" "$root/etc/cvm-vm.conf"
install -m 0644 "$ko" "$root/cvm_vtlmem.ko"
for f in "$@"; do
	case $f in
	*_test) install -m 0755 "$f" "$root/tests/" ;;
	*) install -m 0755 "$f" "$root/bin/" ;;
	esac
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
