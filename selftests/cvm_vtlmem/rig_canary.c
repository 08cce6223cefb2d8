// SPDX-License-Identifier: GPL-2.0
/*
 * Not part of the suite: the rig's self-check copies this into the VM to
 * prove that a failing test makes "make check" fail.
 */
#include "kselftest_harness.h"

TEST(deliberately_fails)
{
	EXPECT_EQ(1, 2);
}

TEST_HARNESS_MAIN
