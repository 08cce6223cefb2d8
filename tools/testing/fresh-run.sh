#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-run.sh: what fresh.sh runs as root inside the fresh Debian 12 root,
# in the copied tree: the README's commands, each shown as typed and timed.
# Lines starting with "@@fresh" are the summary fresh.sh shows.
state() { # state PACKAGE
	if dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; then
		echo installed
	else
		echo "not installed"
	fi
}

step() { # step NAME COMMAND: run COMMAND as typed, print its status and time
	local t0=$SECONDS rc=0
	echo "@@fresh \$ $2"
	bash -xc "$2" || rc=$?
	echo "@@fresh $1: exit $rc, $((SECONDS - t0)) s"
	return $rc
}

echo "@@fresh root: $(. /etc/os-release && echo "$PRETTY_NAME"), minbase, $(dpkg-query -W | wc -l) packages"
echo "@@fresh before: make $(state make), dwarves $(state dwarves), pahole $(state pahole)," \
	"gcc $(state gcc), qemu-system-x86 $(state qemu-system-x86)"
echo "@@fresh environment: $(env | grep -v '^_=' | sort | tr '\n' ' ')"
cd "$(dirname "$(readlink -f "$0")")/../.." || exit 1
echo "@@fresh tree: $PWD"
# The README: "apt-get update && apt-get install make" where make is missing.
step "install make" "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make" &&
	step "make demo" "make demo" &&
	step "make check" "CVM_LANES=6.12 CVM_ISOLATIONS=snp CVM_SUITES=accept CVM_SKIP_DKMS=1 make check"
rc=$?
echo "@@fresh after: dwarves $(state dwarves), pahole $(state pahole), $(dpkg-query -W | wc -l) packages"
exit $rc
