#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""layers.py TOP: fail if a module source includes a header of a higher layer.

The layers are listed in tools/testing/layers, bottom first. Prints one
line per violation (and per source that belongs to no layer); exits 1 if
there is any.
"""
import fnmatch
import os
import re
import sys


def read_layers(path):
    order, anywhere = [], []
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, members = line.partition(":")
        if name.strip() == "any":
            anywhere = members.split()
        else:
            order.append(members.split())
    return order, anywhere


def layer_of(name, order):
    """The layer naming @name exactly, else the first whose pattern matches."""
    for rank, members in enumerate(order):
        if name in members:
            return rank
    for rank, members in enumerate(order):
        if any(fnmatch.fnmatchcase(name, m) for m in members):
            return rank
    return None


def main(top):
    order, anywhere = read_layers(os.path.join(top, "tools/testing/layers"))
    drivers = os.path.join(top, "drivers")
    bad = 0
    for root, _, files in os.walk(drivers):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            name = os.path.splitext(os.path.relpath(path, drivers))[0]
            rank = layer_of(name, order)
            if rank is None and name not in anywhere:
                print(f"{path}: in no layer of tools/testing/layers")
                bad = 1
                continue
            for n, line in enumerate(open(path), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)\.h"', line)
                if not m:
                    continue
                target = os.path.normpath(os.path.join(root, m.group(1)))
                if not os.path.exists(target + ".h"):
                    target = os.path.join(drivers, m.group(1))
                inc = os.path.relpath(target, drivers)
                if inc in anywhere or rank is None:
                    continue
                inc_rank = layer_of(inc, order)
                if inc_rank is None or inc_rank > rank:
                    print(f"{path}:{n}: includes {inc}.h from a layer above its own")
                    bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
