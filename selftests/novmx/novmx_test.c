// SPDX-License-Identifier: GPL-2.0
/*
 * Run in a machine whose CPU has no VMX: hcvm.ko must refuse to load with
 * -EOPNOTSUPP and say why in one line, leaving nothing behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../lib/modules.h"

TEST(load_refused_without_vmx)
{
	int kmsg = kmsg_open();

	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-EOPNOTSUPP, module_load("hcvm", NULL));
	EXPECT_TRUE(kmsg_find(kmsg, "hcvm: this CPU has no VMX"));
	EXPECT_FALSE(module_loaded("hcvm"));
	EXPECT_EQ(-1, access("/dev/hcvm", F_OK));
	EXPECT_EQ(-1, access("/sys/kernel/debug/hcvm", F_OK));
	close(kmsg);
}

TEST_HARNESS_MAIN
