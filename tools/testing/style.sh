#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# style.sh: checkpatch --strict and kernel-doc over the module's sources,
# the layering rule (layers.py) and the CLI's manual against its commands.
# Prints what it finds; exits non-zero if anything is found.
set -u
here=$(dirname "$(readlink -f "$0")")
top=$(readlink -f "$here/../..")
eval "$("$here/fetch-source.sh")" || exit 1
cd "$top"
files=$(ls drivers/*.[ch] drivers/sim/*.[ch] include/uapi/linux/*.h)
status=0
perl "$SRC/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE -f $files | grep -E 'ERROR|WARNING|CHECK' && status=1
# kernel-doc: every documented item must be well-formed, and every
# non-static function of the module and the whole uapi header documented.
perl "$SRC/scripts/kernel-doc" -none -Wall $files 2>&1 | grep . && status=1
# A non-static function defined at file scope must follow a kernel-doc block.
python3 - $files <<'PY' || status=1
import re, sys
bad = 0
for path in sys.argv[1:]:
    if not path.endswith(".c"):
        continue
    lines = open(path).read().split("\n")
    for i, line in enumerate(lines):
        if re.match(r"^[a-z_].*\b[a-z_0-9]+\(", line) and not line.startswith(
                ("static", "module_", "MODULE_", "DEFINE_", "EXPORT_")) and \
                not line.rstrip().endswith(";") and "=" not in line.split("(")[0]:
            j = i - 1
            if j < 0 or lines[j].strip() != "*/" or not any(
                    l.startswith("/**") for l in lines[max(0, j - 40):j]):
                print(f"{path}:{i + 1}: non-static function without kernel-doc")
                bad = 1
sys.exit(bad)
PY
# No file includes a header of a layer above its own.
python3 "$here/layers.py" "$top" || status=1
# Every command cvm-vtlmemctl --help lists (main.c's table) has its entry
# in the manual.
for c in $(sed -n 's/^\t{ "\([a-z]*\)", [a-z]*_main,$/\1/p' tools/cvm-vtlmemctl/main.c); do
	grep -q "^\.BI\? $c\b" tools/cvm-vtlmemctl/cvm-vtlmemctl.8 ||
		{ echo "tools/cvm-vtlmemctl/cvm-vtlmemctl.8: no entry for '$c'"; status=1; }
done
exit $status
