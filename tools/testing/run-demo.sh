#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /run.sh of the demo VM: load the module on the simulated hypervisor and
# drive it with cvm-vtlmemctl the way a paravisor would.
. /etc/cvm-vm.conf
echo 4 >/proc/sys/kernel/printk
echo "@@cvm demo begin"
echo "# insmod cvm_vtlmem.ko backend=sim isolation=$ISOLATION"
insmod /cvm_vtlmem.ko backend=sim isolation="$ISOLATION" sim_ram="$VTL0_SIZE@$VTL0_BASE" || exit 1
echo "# cvm-vtlmemctl info"
cvm-vtlmemctl info
echo "# rmmod cvm_vtlmem"
rmmod cvm_vtlmem
