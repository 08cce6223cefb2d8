// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry: choose the backend and isolation type, then bring up the
 * pieces in dependency order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>
#include <asm/hypervisor.h>

#include "cvm_vtlmem.h"

struct cvm_vtlmem cvm;

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "sim, hyperv or auto (hyperv only when running in VTL2 on Hyper-V)");

static char *isolation = "none";
module_param(isolation, charp, 0444);
MODULE_PARM_DESC(isolation, "isolation type the simulation models: none, vbs, snp or tdx");

static const char *const isolation_names[] = {
	[CVM_VTLMEM_ISOLATION_NONE] = "none",
	[CVM_VTLMEM_ISOLATION_VBS] = "vbs",
	[CVM_VTLMEM_ISOLATION_SNP] = "snp",
	[CVM_VTLMEM_ISOLATION_TDX] = "tdx",
};

/**
 * cvm_isolation_name() - short lower-case name of an isolation type
 * @isolation: the isolation type
 *
 * Return: a static string, "?" for values outside the enum.
 */
const char *cvm_isolation_name(enum cvm_vtlmem_isolation isolation)
{
	if ((unsigned int)isolation >= ARRAY_SIZE(isolation_names))
		return "?";
	return isolation_names[isolation];
}

static int parse_isolation(void)
{
	int i = match_string(isolation_names, ARRAY_SIZE(isolation_names), isolation);

	if (i < 0) {
		pr_err("isolation=%s is not one of none, vbs, snp, tdx\n", isolation);
		return -EINVAL;
	}
	cvm.isolation = i;
	return 0;
}

static bool running_on_hyperv(void)
{
	return hypervisor_is_type(X86_HYPER_MS_HYPERV);
}

static int choose_backend(void)
{
	if (!strcmp(backend, "sim")) {
		cvm.backend = CVM_VTLMEM_BACKEND_SIM;
		return parse_isolation();
	}
	if (strcmp(backend, "hyperv") && strcmp(backend, "auto")) {
		pr_err("backend=%s is not one of sim, hyperv, auto\n", backend);
		return -EINVAL;
	}
	if (!running_on_hyperv()) {
		pr_err("not running in VTL2 on Hyper-V; load with backend=sim isolation=none|vbs|snp|tdx for the simulated hypervisor\n");
		return -ENODEV;
	}
	/* The real transports arrive with the hypervisor layer. */
	pr_err("the Hyper-V backend is not available in this build; load with backend=sim\n");
	return -ENODEV;
}

static int __init cvm_vtlmem_init(void)
{
	int ret;

	ret = choose_backend();
	if (ret)
		return ret;
	ret = cvm_debugfs_init();
	if (ret)
		return ret;
	ret = cvm_device_init();
	if (ret) {
		cvm_debugfs_exit();
		return ret;
	}
	pr_info("loaded: backend %s, isolation %s\n",
		cvm.backend == CVM_VTLMEM_BACKEND_SIM ? "sim" : "hyperv",
		cvm_isolation_name(cvm.isolation));
	return 0;
}

static void __exit cvm_vtlmem_exit(void)
{
	cvm_device_exit();
	cvm_debugfs_exit();
}

module_init(cvm_vtlmem_init);
module_exit(cvm_vtlmem_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VTL0 memory acceptance, visibility and mapping for a Hyper-V paravisor in VTL2");
MODULE_AUTHOR("cvm_vtlmem developers");
