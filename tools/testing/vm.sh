#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh VMLINUZ INITRD LOG TIMEOUT_SECONDS
#
# Boots the test VM under QEMU TCG and copies its serial console to LOG (and
# to stdout when CVM_VM_VERBOSE=1). The top 1 GiB of the 4 GiB guest, above
# the 4 GiB line, is hidden from the kernel with memmap= and stands in for
# VTL0 RAM.
set -u
. "$(dirname "$0")/lib.sh"
vmlinuz=$1 initrd=$2 log=$3 limit=$4
append="console=ttyS0 panic=-1 panic_on_oops=1 panic_on_warn=0 quiet"
append="$append memmap=${VTL0_SIZE}\$${VTL0_BASE}"

run() {
	timeout --foreground -k 10 "$limit" \
		qemu-system-x86_64 -machine pc -accel tcg -cpu max,la57=off -smp "${CVM_VM_SMP:-2}" -m 4G \
		-kernel "$vmlinuz" -initrd "$initrd" -nographic -no-reboot -nodefaults \
		-serial stdio -append "$append" </dev/null
}

if [ "${CVM_VM_VERBOSE:-0}" = 1 ]; then
	run 2>&1 | tee "$log"
else
	run >"$log" 2>&1
fi
status=${PIPESTATUS[0]}
[ "$status" = 124 ] && echo "@@cvm timeout after ${limit}s" >>"$log"
exit 0
