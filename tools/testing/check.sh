#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--debug-only]: the whole test rig, as "make check" runs it.
#
#   style    checkpatch --strict, kernel-doc
#   build    the module against Debian 6.12, Debian 6.1 and the debug kernel,
#            C=2 W=1, no warnings allowed
#   suites   each kernel booted in QEMU; for each simulated isolation type the
#            module is loaded, the selftests run, the module unloaded
#   dkms     make dkms-install against Debian's installed 6.12 headers
#   smp      accept and visibility suites on 1 and 4 CPUs (first lane)
#   rig      a canary lane proving that a failing test and a kernel WARNING
#            both make the run fail
#
# Environment: CVM_LANES (default "6.12 6.1 debug"), CVM_ISOLATIONS (default
# "none vbs snp tdx"), CVM_VM_VERBOSE=1 to see the VM consoles.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"

lanes=${CVM_LANES:-6.12 6.1 debug}
isolations=${CVM_ISOLATIONS:-none vbs snp tdx}
[ "${1:-}" = --debug-only ] && lanes=debug
build=${CVM_BUILD_DIR:-$top/build}
mkdir -p "$build"
passed=0
failed=0
n=0

result() { # result OK|FAIL NAME [DETAIL]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		passed=$((passed + 1))
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		echo "not ok $n $2${3:+ # $3}"
	fi
}

lane_env() { # prints KVER/KDIR/VMLINUZ for a lane
	case $1 in
	debug) "$here/debug-kernel.sh" ;;
	*) "$here/fetch-kernel.sh" "$1" ;;
	esac
}

ensure_host_packages
eval "$("$here/fetch-source.sh")" || die "cannot get linux-source-6.12"
KSFT_DIR="$SRC/tools/testing/selftests"

echo "TAP version 13"
if "$here/style.sh" >"$build/style.log" 2>&1; then
	result OK "style: checkpatch --strict, kernel-doc"
else
	sed 's/^/#   /' "$build/style.log" | head -30
	result FAIL "style: checkpatch --strict, kernel-doc"
fi

make -s -C "$top/selftests/cvm_vtlmem" KSFT_DIR="$KSFT_DIR" >"$build/selftests.log" 2>&1 &&
	build_static_ctl "$build" >>"$build/selftests.log" 2>&1
if [ $? = 0 ]; then
	result OK "user space: selftests and cvm-vtlmemctl build without warnings"
else
	sed 's/^/#   /' "$build/selftests.log" | head -30
	result FAIL "user space: selftests and cvm-vtlmemctl build"
	echo "$passed passed, $failed failed"
	exit 1
fi
tests=$(ls "$top"/selftests/cvm_vtlmem/*_test)

if [ "$lanes" != debug ] && [ "$(id -u)" = 0 ] && [ -z "${CVM_SKIP_DKMS:-}" ]; then
	if "$here/dkms-check.sh" >"$build/dkms.log" 2>&1; then
		result OK "dkms: add/build/install against linux-headers (6.12)"
	else
		tail -20 "$build/dkms.log" | sed 's/^/#   /'
		result FAIL "dkms: add/build/install against linux-headers (6.12)"
	fi
fi

# boot_lane LANE SMP INITRD CONSOLE: run the VM. Under TCG the guest kernel
# has been seen to die of its own boot-time code patching (an int3 Oops
# before /init) about once in fifteen -smp 4 boots; a VM that died before
# its first suite began never ran our code, so it is booted once more, and
# the output says so. Anything after the first suite began counts as is.
boot_lane() {
	local timeout
	timeout=$([ "$1" = debug ] && echo 1500 || echo 600)
	CVM_VM_SMP=$2 "$here/vm.sh" "$VMLINUZ" "$3" "$4" "$timeout"
	if ! grep -q '@@cvm suite begin' "$4"; then
		echo "#   $1 (-smp $2): the kernel died before the first suite began;" \
			"booted again ($(grep -m1 -o 'Oops:.*\|Kernel panic.*' "$4" | head -c 80))"
		cp "$4" "$4.first-boot"
		CVM_VM_SMP=$2 "$here/vm.sh" "$VMLINUZ" "$3" "$4" "$timeout"
	fi
}

run_lane() { # run_lane LANE ISOLATIONS CANARY(0|1) [SMP] -> parse-log output
	local lane=$1 isos=$2 canary=$3 smp=${4:-2} dir="$build/$1"
	local suite=$tests tag=""
	cat >"$dir/vm.conf" <<CONF
ISOLATIONS="$isos"
WARN_CANARY=$canary
VTL0_BASE=$VTL0_BASE
VTL0_SIZE=$VTL0_SIZE
CONF
	# The canary lane runs the failing canary alone, so its report is not
	# drowned by other results.
	if [ "$canary" = 1 ]; then
		cp "$top/selftests/cvm_vtlmem/rig_canary" "$dir/rig_canary_test"
		suite="$dir/rig_canary_test"
		tag=-canary
	fi
	# Other CPU counts run the suites whose work spreads over CPUs.
	if [ "$smp" != 2 ]; then
		suite=$(ls "$top"/selftests/cvm_vtlmem/{accept,nowait,visibility}_test)
		tag=-smp$smp
	fi
	"$here/mkinitramfs.sh" "$dir/initrd$tag.gz" "$dir/cvm_vtlmem.ko" "$here/run-suite.sh" \
		"$dir/vm.conf" $suite "$build/cvm-vtlmemctl"
	boot_lane "$lane" "$smp" "$dir/initrd$tag.gz" "$dir/console$tag.log"
	"$here/parse-log.py" "$dir/console$tag.log" "$lane$tag:$KVER" "$isos" \
		$([ "$lane" = debug ] && [ "$canary" = 0 ] && echo --kunit)
}

add_counts() { # add_counts PARSE-LOG-OUTPUT: print it, add its totals
	echo "$1" | sed '$d'
	read -r p f <<<"$(echo "$1" | tail -1)"
	passed=$((passed + p))
	failed=$((failed + f))
}

for lane in $lanes; do
	mkdir -p "$build/$lane"
	if ! env_out=$(lane_env "$lane"); then
		result FAIL "kernel $lane: could not be fetched or built"
		continue
	fi
	eval "$env_out"
	if "$here/build-module.sh" "$KDIR" "$build/$lane" 2>"$build/$lane/build-errors.log"; then
		result OK "build $lane ($KVER): C=2 W=1 clean"
	else
		sed 's/^/#   /' "$build/$lane/build-errors.log" | head -30
		result FAIL "build $lane ($KVER)"
		continue
	fi
	add_counts "$(run_lane "$lane" "$isolations" 0)"

	# The rig must catch what it claims to catch: run once per check.
	if [ "$lane" = "${lanes%% *}" ]; then
		out=$(run_lane "$lane" none 1)
		if echo "$out" | grep -q 'rig_canary_test.*not ok\|deliberately_fails' &&
			echo "$out" | grep -q 'kernel report: .*WARNING\|kernel report: .*cut here' &&
			[ "$(echo "$out" | tail -1 | cut -d' ' -f2)" -ge 2 ]; then
			result OK "rig self-check: a failing test and a kernel WARNING are caught"
		else
			echo "$out" | sed 's/^/#   /'
			result FAIL "rig self-check: the canaries were not caught"
		fi
		# The engine must work on one CPU and on more than two.
		for smp in 1 4; do
			add_counts "$(run_lane "$lane" "snp vbs" 0 "$smp")"
		done
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
