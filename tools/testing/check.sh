#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [--debug-only]: the whole test rig, as "make check" runs it.
#
#   style    checkpatch --strict, kernel-doc
#   build    the module against Debian 6.12, Debian 6.1, the debug kernel,
#            the newest stable kernel (trixie-backports, built in a Debian 13
#            root with its own gcc) with the simulated hypervisor
#            (CVM_VTLMEM_SIM=y), and against a VTL2 configuration of that
#            kernel's source as production runs it (CVM_VTLMEM_SIM=n),
#            C=2 W=1, no warnings allowed
#   production  the 6.12 lane also builds CVM_VTLMEM_SIM=n (C=2 W=1) and
#            nm must find no simulator symbol in it (nor in the VTL2 build)
#   suites   each kernel but the VTL2 one booted in QEMU; for each simulated
#            isolation type the module is loaded, the selftests run, the
#            module unloaded
#   dkms     make dkms-install against Debian's 6.12 headers installed here,
#            and against the stable kernel's in a throw-away Debian 13 root
#   smp      accept and visibility suites on 1 and 4 CPUs (first lane)
#   rig      a canary lane proving that a failing test and a kernel WARNING
#            both make the run fail
#   fresh    the README's "make demo" and a reduced "make check" in a fresh
#            minimal Debian 12 root (fresh.sh)
#
# Environment: CVM_LANES (default "6.12 6.1 debug stable vtl2 fresh"),
# CVM_ISOLATIONS (default "none vbs snp tdx"), CVM_SUITES (suite names, e.g.
# "accept protect"; default all), CVM_SKIP_DKMS=1, CVM_VM_VERBOSE=1 to see
# the VM consoles.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
. "$here/lib.sh"

lanes=${CVM_LANES:-6.12 6.1 debug stable vtl2 fresh}
isolations=${CVM_ISOLATIONS:-none vbs snp tdx}
suites=${CVM_SUITES:-}
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

lane_env() { # prints KVER/KDIR/VMLINUZ/BUILD_ROOT/CHECK/KMAKE_ARGS for a lane
	case $1 in
	debug) "$here/debug-kernel.sh" ;;
	vtl2) "$here/vtl2-kernel.sh" ;;
	*) "$here/fetch-kernel.sh" "$1" ;;
	esac
}

in_list() { # in_list WORD LIST
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

select_suites() { # select_suites TEST...: those CVM_SUITES names (all if unset)
	local t
	for t in "$@"; do
		if [ -z "$suites" ] || in_list "$(basename "$t" _test)" "$suites"; then
			echo "$t"
		fi
	done
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

# All user space (tools/Makefile: cvm-vtlmemctl, cvm-bench, the selftests),
# static, into $build/tools; and the rig's canary (tools/testing/canary).
tools="$build/tools"
build_tools "$tools" >"$build/selftests.log" 2>&1 &&
	make -s -C "$here/canary" KSFT_DIR="$KSFT_DIR" OUTPUT="$tools" STATIC=1 \
		>>"$build/selftests.log" 2>&1
if [ $? = 0 ]; then
	result OK "user space: selftests and cvm-vtlmemctl build without warnings"
else
	sed 's/^/#   /' "$build/selftests.log" | head -30
	result FAIL "user space: selftests and cvm-vtlmemctl build"
	echo "$passed passed, $failed failed"
	exit 1
fi
tests=$(select_suites "$tools"/selftests/*_test)
[ -n "$tests" ] || die "CVM_SUITES=$suites names no suite"
dkms=$([ "$(id -u)" = 0 ] && [ -z "${CVM_SKIP_DKMS:-}" ] && echo 1)

if in_list 6.12 "$lanes" && [ -n "$dkms" ]; then
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
	local suite=$tests tag="" t
	# The failure sweep, the fuzzer and the concurrency storm exercise
	# logic no kernel version changes: they run on 6.12 and on the debug
	# kernel (KASAN, lockdep), not again on 6.1 and stable, unless
	# CVM_SUITES names them (time).
	if [ -z "$suites" ] && { [ "$lane" = 6.1 ] || [ "$lane" = stable ]; }; then
		suite=""
		for t in $tests; do
			case $(basename "$t") in sweep_test | fuzz_test | storm_test) ;; *) suite="$suite $t" ;; esac
		done
	fi
	cat >"$dir/vm.conf" <<CONF
ISOLATIONS="$isos"
WARN_CANARY=$canary
VTL0_BASE=$VTL0_BASE
VTL0_SIZE=$VTL0_SIZE
CONF
	# The canary lane runs the failing canary alone, so its report is not
	# drowned by other results.
	if [ "$canary" = 1 ]; then
		cp "$tools/rig_canary" "$dir/rig_canary_test"
		suite="$dir/rig_canary_test"
		tag=-canary
	fi
	# Other CPU counts run the suites whose work spreads over CPUs.
	if [ "$smp" != 2 ]; then
		suite=$(select_suites "$tools"/selftests/{accept,nowait,visibility}_test)
		tag=-smp$smp
	fi
	"$here/mkinitramfs.sh" "$dir/initrd$tag.gz" "$dir/cvm_vtlmem.ko" "$here/run-suite.sh" \
		"$dir/vm.conf" $suite "$tools/cvm-vtlmemctl"
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

lane_time() { # lane_time LANE START: a TAP comment with the lane's time
	echo "# $1: $((SECONDS - $2)) s"
}

# production_check: in the 6.12 lane, after its (simulator) build. The
# production build (CVM_VTLMEM_SIM=n, the default of make and dkms) must be
# C=2 W=1 clean and nm must find no simulator symbol in it; the same nm
# pattern must find them in the lane's simulator build, or it proves nothing.
production_check() {
	local dir="$build/6.12-production" name="production: CVM_VTLMEM_SIM=n builds C=2 W=1 clean, no simulator symbol in it (nm)"
	mkdir -p "$dir"
	# shellcheck disable=SC2086 # KMAKE_ARGS is a list of make arguments
	if "$here/build-module.sh" "$KDIR" "$dir" "$BUILD_ROOT" CHECK="$CHECK" $KMAKE_ARGS \
		CVM_VTLMEM_SIM=n >"$dir/check.log" 2>&1 &&
		no_sim_symbols "$dir/cvm_vtlmem.ko" >>"$dir/check.log" 2>&1 &&
		{ nm "$build/6.12/cvm_vtlmem.ko" | grep -qE "$SIM_SYMBOLS" ||
			{ echo "the pattern finds nothing in the CVM_VTLMEM_SIM=y build either" \
				>>"$dir/check.log"; false; }; }; then
		result OK "$name"
	else
		head -30 "$dir/check.log" | sed 's/^/#   /'
		result FAIL "$name"
	fi
}

one_lane() { # one_lane LANE: build, boot and test it, print the results
	local lane=$1 env_out out smp smp_isos i sim
	if [ "$lane" = fresh ]; then
		if "$here/fresh.sh" >"$build/fresh.log" 2>&1; then
			grep '^# ' "$build/fresh.log"
			result OK "fresh: make demo and make check in a fresh Debian 12 root"
		else
			grep '^# ' "$build/fresh.log"
			grep -v '^# ' "$build/fresh.log" | tail -5 | sed 's/^/#   /'
			result FAIL "fresh: make demo and make check in a fresh Debian 12 root"
		fi
		return 0
	fi
	if ! env_out=$(lane_env "$lane" 2>"$build/$lane/kernel.log"); then
		sed 's/^/#   /' "$build/$lane/kernel.log" | tail -10
		result FAIL "kernel $lane: could not be fetched or built"
		return 0
	fi
	BUILD_ROOT="" CHECK=sparse KMAKE_ARGS="" BUILD_NOTE=""
	eval "$env_out"
	# The lanes that boot load the module with backend=sim; a VTL2 kernel
	# is where production runs, so its lane builds production (and checks
	# that it has no simulator in it).
	sim=y
	[ "$lane" = vtl2 ] && sim=n
	# shellcheck disable=SC2086 # KMAKE_ARGS is a list of make arguments
	if "$here/build-module.sh" "$KDIR" "$build/$lane" "$BUILD_ROOT" CHECK="$CHECK" $KMAKE_ARGS \
		CVM_VTLMEM_SIM=$sim 2>"$build/$lane/build-errors.log" &&
		{ [ $sim = y ] || no_sim_symbols "$build/$lane/cvm_vtlmem.ko" \
			>>"$build/$lane/build-errors.log" 2>&1; }; then
		result OK "build $lane ($KVER, CVM_VTLMEM_SIM=$sim): C=2 W=1 clean${BUILD_NOTE:+ ($BUILD_NOTE)}"
	else
		sed 's/^/#   /' "$build/$lane/build-errors.log" | head -30
		result FAIL "build $lane ($KVER, CVM_VTLMEM_SIM=$sim)"
		return 0
	fi
	[ "$lane" = 6.12 ] && production_check
	# A HYPERV_VTL_MODE kernel runs only in VTL2: compile only.
	[ -n "$VMLINUZ" ] || return 0
	add_counts "$(run_lane "$lane" "$isolations" 0)"
	if [ "$lane" = stable ] && [ -n "$dkms" ]; then
		if "$here/dkms-check.sh" stable >"$build/dkms-stable.log" 2>&1; then
			result OK "dkms: add/build/install against linux-headers ($KVER, Debian 13 root)"
		else
			tail -20 "$build/dkms-stable.log" | sed 's/^/#   /'
			result FAIL "dkms: add/build/install against linux-headers ($KVER, Debian 13 root)"
		fi
	fi

	# The rig must catch what it claims to catch: run once per check, on
	# the first lane that boots.
	if [ -z "$self_checked" ]; then
		self_checked=1
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
		smp_isos=""
		for i in snp vbs; do
			in_list $i "$isolations" && smp_isos="${smp_isos:+$smp_isos }$i"
		done
		if [ -n "$smp_isos" ] && [ -n "$(select_suites \
			"$tools"/selftests/{accept,nowait,visibility}_test)" ]; then
			for smp in 1 4; do
				add_counts "$(run_lane "$lane" "$smp_isos" 0 "$smp")"
			done
		fi
	fi
}

echo "# setup, style, user space$(in_list 6.12 "$lanes" && [ -n "$dkms" ] && echo ", dkms (6.12)"): $SECONDS s"
self_checked=""
for lane in $lanes; do
	mkdir -p "$build/$lane"
	t0=$SECONDS
	one_lane "$lane"
	lane_time "$lane" "$t0"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
