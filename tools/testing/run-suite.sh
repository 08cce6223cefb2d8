#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# /run.sh of the test VM: for each isolation type, load the module on the
# simulated hypervisor, run every selftest, unload. Markers starting with
# "@@cvm" are read by parse-log.py on the host.
. /etc/cvm-vm.conf

kmemleak_check() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	# A report here is a leak made since the clear at boot.
	cat /sys/kernel/debug/kmemleak
}

for iso in $ISOLATIONS; do
	echo "@@cvm suite begin $iso"
	if insmod /cvm_vtlmem.ko backend=sim isolation="$iso" sim_ram="$VTL0_SIZE@$VTL0_BASE"; then
		for t in /tests/*_test; do
			name=${t##*/}
			echo "@@cvm test begin $name"
			CVM_ISOLATION=$iso CVM_VTL0_BASE=$VTL0_BASE CVM_VTL0_SIZE=$VTL0_SIZE "$t"
			echo "@@cvm test end $name rc=$?"
		done
		# No page may have been mapped while the platform could not
		# back it (counted by the module on the simulated hypervisor).
		n=$(sed -n 's/^unusable_maps //p' /sys/kernel/debug/cvm_vtlmem/stats)
		[ "${n:-0}" = 0 ] ||
			echo "@@cvm error $n pages were mapped while the platform could not back them"
		# Rig self-check: a kernel warning must fail the run.
		[ "$WARN_CANARY" = 1 ] &&
			echo 1 >/sys/kernel/debug/cvm_vtlmem/selftest_warn
		rmmod cvm_vtlmem || echo "@@cvm error rmmod failed"
	else
		echo "@@cvm error insmod failed"
	fi
	kmemleak_check
	echo "@@cvm suite end $iso"
done
