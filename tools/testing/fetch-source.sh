#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-source.sh: unpack Debian's linux-source-6.12 into the cache once and
# print SRC=<tree>. The tree gives the kselftest harness headers, checkpatch
# and the sources of the debug kernel.
set -eu
. "$(dirname "$0")/lib.sh"

apt_update_once
deb=$(fetch_deb linux-source-6.12)
stamp="$CACHE/linux-source-6.12/.from-$(basename "$deb")"
if [ ! -e "$stamp" ]; then
	log "unpacking $(basename "$deb")"
	rm -rf "$CACHE/linux-source-6.12" "$CACHE/src-deb"
	dpkg-deb -x "$deb" "$CACHE/src-deb"
	tar -C "$CACHE" -xaf "$CACHE"/src-deb/usr/src/linux-source-6.12.tar.*
	rm -rf "$CACHE/src-deb"
	touch "$stamp"
fi
echo "SRC=$CACHE/linux-source-6.12"
