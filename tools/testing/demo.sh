#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: boot Debian's 6.12 kernel in QEMU with the module on the simulated
# hypervisor (ISOLATION=none|vbs|snp|tdx, default snp) and run the
# paravisor's memory flow through cvm-vtlmemctl: "boot" on
# layouts/demo.layout, share/unshare round trips, the counters. The VM's
# output is shown as it comes.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
isolation=${ISOLATION:-snp}
layout="$here/layouts/demo.layout"
dir="${CVM_BUILD_DIR:-$top/build}/demo"
case $isolation in
none | vbs | snp | tdx) ;;
*) die "ISOLATION=$isolation: use none, vbs, snp or tdx" ;;
esac
mkdir -p "$dir"

# The layout must describe the memory the VM hides from its kernel.
bytes() { # bytes NUMBER[K|M|G]
	local v=$1 m=1
	case $v in
	*[kK]) m=1024 ;;
	*[mM]) m=$((1 << 20)) ;;
	*[gG]) m=$((1 << 30)) ;;
	esac
	echo $((${v%[kKmMgG]} * m))
}
n=0
while read -r kind gpa size _; do
	n=$((n + 1))
	case $kind in vtl0 | shared) ;; *) continue ;; esac
	start=$(bytes "$gpa") end=$(($(bytes "$gpa") + $(bytes "$size")))
	[ "$start" -ge $((VTL0_BASE)) ] && [ "$end" -le $((VTL0_BASE + VTL0_SIZE)) ] ||
		die "$layout:$n: $gpa $size is outside the VM's VTL0 RAM ($VTL0_SIZE at $VTL0_BASE)"
done <"$layout"

ensure_host_packages
eval "$("$here/fetch-kernel.sh" 6.12)"
log "building the module against $KVER"
"$here/build-module.sh" "$KDIR" "$dir" "" CVM_VTLMEM_SIM=y
build_tools "$dir" progs
cp "$layout" "$dir/demo.layout"
printf 'ISOLATION=%s\nVTL0_BASE=%s\nVTL0_SIZE=%s\n' "$isolation" "$VTL0_BASE" "$VTL0_SIZE" >"$dir/vm.conf"
"$here/mkinitramfs.sh" "$dir/initrd.gz" "$dir/cvm_vtlmem.ko" "$here/run-demo.sh" \
	"$dir/vm.conf" "$dir/cvm-vtlmemctl" "$dir/demo.layout"
log "booting $KVER in QEMU (TCG), $isolation isolation on the simulated hypervisor, VTL0 RAM: 1 GiB at 4 GiB"
: >"$dir/console.log"
"$here/vm.sh" "$VMLINUZ" "$dir/initrd.gz" "$dir/console.log" 300 &
vm=$!
# Show the demo's part of the console while the VM runs.
tail -n +1 -f --pid=$vm "$dir/console.log" 2>/dev/null |
	sed -u -n '/@@cvm demo begin/,/@@cvm done/p' | sed -u -e 's/\r$//' -e '/^@@cvm/d'
wait $vm
grep -q '@@cvm done' "$dir/console.log" || die "the demo VM did not finish; see $dir/console.log"
if grep -q '@@cvm demo-failed' "$dir/console.log"; then
	grep '@@cvm demo-failed' "$dir/console.log" | sed 's/^@@cvm demo-failed: /[rig] failed: /' >&2
	die "the demo failed ($isolation); the console is in $dir/console.log"
fi
log "demo done ($isolation isolation); the whole console is in $dir/console.log"
