// SPDX-License-Identifier: GPL-2.0
/*
 * Not part of the product's suites: the rig's self-check (check.sh) builds
 * this with the Makefile here and boots it in the VM alone, to prove that
 * a failing test makes "make check" fail.
 */
#include "kselftest_harness.h"

TEST(deliberately_fails)
{
	EXPECT_EQ(1, 2);
}

TEST_HARNESS_MAIN
