#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read a test VM's serial log and judge it.

Prints one TAP line per (kernel, isolation) suite and, as its last line,
"PASSED FAILED" counts for check.sh to add up. A suite fails on a failed
test, a test without a plan or with fewer results than planned, a non-zero
exit, a missing end marker (hang, panic) or any kernel report (BUG,
WARNING, Oops, KASAN, lockdep, UBSAN, kmemleak, panic) in the log.
"""
import re
import sys

KERNEL_REPORTS = re.compile(
    r"(BUG:|WARNING:|Oops|KASAN:|UBSAN:|kernel BUG|Kernel panic|"
    r"possible circular locking|possible recursive locking|"
    r"inconsistent lock state|INFO: lockdep is turned off|"
    r"unreferenced object|general protection fault|Call Trace:|cut here)")
PLAN = re.compile(r"^1\.\.(\d+)")
RESULT = re.compile(r"^(not ok|ok) \d+ ")
# KUnit subtests, printed by the kernel while the module loads.
KUNIT_RESULT = re.compile(r"^\s{4}(not ok|ok) \d+ (\S+)")


class Suite:
    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.problems = []
        self.ended = False
        self.kunit = 0


def judge(lines, label):
    suites = []
    suite = None
    test = None
    stray = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        # Kernel lines carry a timestamp prefix once printk goes verbose.
        text = re.sub(r"^\[\s*\d+\.\d+\] ?", "", line)
        if text.startswith("@@cvm suite begin "):
            suite = Suite(text.split()[-1])
            suites.append(suite)
            continue
        if text.startswith("@@cvm suite end ") and suite:
            suite.ended = True
            suite = None
            continue
        if text.startswith("@@cvm test begin ") and suite:
            test = {"name": text.split()[-1], "plan": None, "results": 0,
                    "failed": 0}
            continue
        if text.startswith("@@cvm test end ") and suite and test:
            rc = text.split("rc=")[-1]
            if test["plan"] is None:
                suite.problems.append(f"{test['name']}: no TAP plan")
                suite.failed += 1
            elif test["results"] != test["plan"]:
                suite.problems.append(
                    f"{test['name']}: {test['results']} of {test['plan']} results")
                suite.failed += 1
            elif rc != "0" and test["failed"] == 0:
                suite.problems.append(f"{test['name']}: exit status {rc}")
                suite.failed += 1
            test = None
            continue
        if text.startswith("@@cvm error") or text.startswith("@@cvm timeout"):
            (suite.problems if suite else stray).append(text[6:])
            if suite:
                suite.failed += 1
            continue
        # A kernel line inside a test (a test that reloads the module makes
        # KUnit run again) is no result of that test.
        from_kernel = text != line
        if suite is not None and (test is None or from_kernel):
            m = KUNIT_RESULT.match(text)
            if m:
                suite.kunit += 1
                if m.group(1) == "ok":
                    suite.passed += 1
                else:
                    suite.failed += 1
                    suite.problems.append("kunit: " + text.strip())
        if test is not None and not from_kernel:
            m = PLAN.match(text)
            if m and test["plan"] is None:
                test["plan"] = int(m.group(1))
            m = RESULT.match(text)
            if m:
                test["results"] += 1
                if m.group(1) == "ok":
                    suite.passed += 1
                else:
                    suite.failed += 1
                    test["failed"] += 1
                    suite.problems.append(text)
        if KERNEL_REPORTS.search(text) and not text.startswith("#"):
            where = suite if suite else None
            msg = "kernel report: " + text.strip()
            if where:
                where.problems.append(msg)
                where.failed += 1
            else:
                stray.append(msg)
    return suites, stray


def main():
    args = sys.argv[1:]
    want_kunit = "--kunit" in args
    args = [a for a in args if a != "--kunit"]
    path, label = args[0], args[1]
    expected = args[2].split() if len(args) > 2 else []
    with open(path, errors="replace") as f:
        lines = f.readlines()
    suites, stray = judge(lines, label)
    done = any(l.startswith("@@cvm done") for l in lines)
    passed = failed = 0
    seen = set()
    for n, s in enumerate(suites, 1):
        seen.add(s.name)
        if not s.ended:
            s.problems.append("suite did not finish (hang or panic)")
            s.failed += 1
        if want_kunit and not s.kunit:
            s.problems.append("the module's KUnit suites did not run")
            s.failed += 1
        ok = "ok" if s.failed == 0 and s.passed > 0 else "not ok"
        if s.passed == 0 and s.failed == 0:
            s.problems.append("no test ran")
            s.failed += 1
        print(f"{ok} - {label}/{s.name}: {s.passed} passed, {s.failed} failed")
        for p in s.problems[:20]:
            print(f"#   {p}")
        passed += s.passed
        failed += s.failed
    for name in expected:
        if name not in seen:
            print(f"not ok - {label}/{name}: never started")
            failed += 1
    if stray:
        for p in stray[:20]:
            print(f"#   {label}: {p}")
        failed += len(stray)
    if not done:
        print(f"#   {label}: the VM did not reach the end of its run")
        failed += 1
    print(f"{passed} {failed}")


if __name__ == "__main__":
    main()
