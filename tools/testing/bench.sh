#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh: boot Debian's 6.12 kernel in QEMU (TCG, 4 vCPUs) with the module
# on the simulated hypervisor (ISOLATION=none|vbs|snp|tdx, default snp) and
# run tools/bench/cvm-bench once; prints its table. CVM_BENCH_SMP sets the
# vCPUs (default 4), CVM_BENCH_ARGS passes key=value words to cvm-bench
# (call_ns= page_4k_ns= page_2m_ns= page_1g_ns= size= reps=). Not a test:
# it fails only if the benchmark cannot run.
set -eu
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"
isolation=${ISOLATION:-snp}
dir="$top/build/bench"
mkdir -p "$dir"

ensure_host_packages
eval "$("$here/fetch-kernel.sh" 6.12)"
log "building the module against $KVER"
"$here/build-module.sh" "$KDIR" "$dir" "" CVM_VTLMEM_SIM=y
build_tools "$dir" progs
printf 'ISOLATION=%s\nVTL0_BASE=%s\nVTL0_SIZE=%s\nBENCH_ARGS="%s"\n' "$isolation" \
	"$VTL0_BASE" "$VTL0_SIZE" "${CVM_BENCH_ARGS:-}" >"$dir/vm.conf"
"$here/mkinitramfs.sh" "$dir/initrd.gz" "$dir/cvm_vtlmem.ko" "$here/run-bench.sh" \
	"$dir/vm.conf" "$dir/cvm-bench"
smp=${CVM_BENCH_SMP:-4}
log "booting $KVER in QEMU (TCG, $smp vCPUs), VTL0 RAM: 1 GiB at 4 GiB"
# Times depend on the host: say what it was doing.
log "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
CVM_VM_SMP=$smp "$here/vm.sh" "$VMLINUZ" "$dir/initrd.gz" "$dir/console.log" 1200
sed -n '/@@cvm bench begin/,/@@cvm done/p' "$dir/console.log" | grep -v '^@@cvm' |
	sed 's/\r$//'
grep -q '@@cvm bench rc=0' "$dir/console.log" ||
	die "the benchmark did not finish; see $dir/console.log"
