#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /run.sh of the demo VM: load the module on the simulated hypervisor and
# drive it with cvm-vtlmemctl the way a paravisor would: the boot flow on
# tools/testing/layouts/demo.layout (installed as /bin/demo.layout), a few
# share/unshare round trips, the counters. Lines starting with "@@cvm" are
# for demo.sh.
. /etc/cvm-vm.conf
echo 4 >/proc/sys/kernel/printk
echo "@@cvm demo begin"
failed=0

# run CMD...: show the command as typed, run it, remember a failure.
run() {
	echo
	echo "\$ $*"
	"$@" || { failed=1; echo "@@cvm demo-failed: $*"; }
}

echo "\$ insmod cvm_vtlmem.ko backend=sim isolation=$ISOLATION sim_ram=$VTL0_SIZE@$VTL0_BASE"
insmod /cvm_vtlmem.ko backend=sim isolation="$ISOLATION" sim_ram="$VTL0_SIZE@$VTL0_BASE" ||
	{ echo "@@cvm demo-failed: insmod"; exit 1; }
run cvm-vtlmemctl info
echo
echo "\$ cat demo.layout"
grep -v '^# SPDX' /bin/demo.layout
# The serial console is a terminal: ask for plain progress lines, which
# read better in a log than a redrawn bar.
run cvm-vtlmemctl --progress=lines boot /bin/demo.layout --simulate-bootloader

if [ "$failed" = 0 ] && [ "$ISOLATION" != none ]; then
	# VTL0 asks for pages to be shared with the host and back: one 2 MiB
	# unit, then a scattered list of pages, each way.
	run cvm-vtlmemctl share 0x100000000 2M
	run cvm-vtlmemctl query 0x100000000 4M
	run cvm-vtlmemctl unshare 0x100000000 2M
	run cvm-vtlmemctl share --gpns 0x100400,0x100401,0x110000,0x13c000
	run cvm-vtlmemctl query 0x100400000 16K
	run cvm-vtlmemctl unshare --gpns 0x100400,0x100401,0x110000,0x13c000
	run cvm-vtlmemctl query 0x100400000 16K
elif [ "$failed" = 0 ]; then
	echo
	echo "(no share/unshare round trips: a non-isolated partition has no host visibility)"
fi
run cvm-vtlmemctl ranges
run cvm-vtlmemctl stats
echo
echo "\$ rmmod cvm_vtlmem"
rmmod cvm_vtlmem || echo "@@cvm demo-failed: rmmod"
