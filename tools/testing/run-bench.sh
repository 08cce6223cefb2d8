#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /run.sh of the benchmark VM: load the module on the simulated hypervisor
# and run cvm-bench (tools/bench/cvm-bench.c) once.
. /etc/cvm-vm.conf
echo 4 >/proc/sys/kernel/printk
echo "@@cvm bench begin"
insmod /cvm_vtlmem.ko backend=sim isolation="$ISOLATION" sim_ram="$VTL0_SIZE@$VTL0_BASE" || exit 1
# shellcheck disable=SC2086 # BENCH_ARGS is a list of key=value words
cvm-bench base="$VTL0_BASE" size="$VTL0_SIZE" $BENCH_ARGS
echo "@@cvm bench rc=$?"
rmmod cvm_vtlmem
