#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: boot Debian's 6.12 kernel in QEMU with the module on the simulated
# hypervisor (ISOLATION=none|vbs|snp|tdx, default snp) and run the
# paravisor's memory flow through cvm-vtlmemctl.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
isolation=${ISOLATION:-snp}
dir="$top/build/demo"
mkdir -p "$dir"

ensure_host_packages
eval "$("$here/fetch-kernel.sh" 6.12)"
log "building the module against $KVER"
"$here/build-module.sh" "$KDIR" "$dir"
build_static_ctl "$dir"
printf 'ISOLATION=%s\nVTL0_BASE=%s\nVTL0_SIZE=%s\n' "$isolation" "$VTL0_BASE" "$VTL0_SIZE" >"$dir/vm.conf"
"$here/mkinitramfs.sh" "$dir/initrd.gz" "$dir/cvm_vtlmem.ko" "$here/run-demo.sh" \
	"$dir/vm.conf" "$dir/cvm-vtlmemctl"
log "booting $KVER in QEMU (TCG), VTL0 RAM: 1 GiB at 4 GiB"
"$here/vm.sh" "$VMLINUZ" "$dir/initrd.gz" "$dir/console.log" 300
sed -n '/@@cvm demo begin/,/@@cvm done/p' "$dir/console.log" | grep -v '^@@cvm' |
	sed 's/\r$//'
grep -q '@@cvm done' "$dir/console.log" || die "the demo VM did not finish; see $dir/console.log"
