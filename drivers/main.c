// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry: choose the backend and isolation type, then bring up the
 * pieces in dependency order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "accept.h"
#include "background.h"
#include "cvm_vtlmem.h"
#include "engine.h"
#include "hvcall.h"
#include "hyperv.h"
#include "jobs.h"
#include "mapping.h"
#include "registry.h"
#include "sim.h"
#include "transport.h"
#include "vtl2_protect.h"

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

/* The real trap, when cvm_hyperv_probe() found VTL2 on Hyper-V. */
static const struct cvm_transport *hyperv_transport;

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
	cvm.backend = CVM_VTLMEM_BACKEND_HYPERV;
	return cvm_hyperv_probe(&cvm.isolation, &hyperv_transport);
}

/**
 * cvm_backend_is_lower_vtl_ram() - may [@gpa, @gpa + @len) be registered?
 * @gpa: first address
 * @len: bytes
 *
 * Return: whether the backend describes the span as the lower VTLs' RAM.
 */
bool cvm_backend_is_lower_vtl_ram(u64 gpa, u64 len)
{
	if (cvm.backend == CVM_VTLMEM_BACKEND_SIM)
		return cvm_sim_is_ram(gpa, len);
	return cvm_hyperv_is_lower_vtl_ram(gpa, len);
}

/* The hypervisor below us: simulated, or the kernel's own Hyper-V path. */
static int start_hypervisor(void)
{
	int ret;

	if (cvm.backend == CVM_VTLMEM_BACKEND_HYPERV) {
		cvm_hv_init(hyperv_transport);
		return 0;
	}
	ret = cvm_sim_init();
	if (!ret)
		cvm_hv_init(&cvm_sim_transport);
	return ret;
}

static void stop_hypervisor(void)
{
	cvm_hv_exit();
	if (cvm.backend == CVM_VTLMEM_BACKEND_SIM)
		cvm_sim_exit();
}

static int __init cvm_vtlmem_init(void)
{
	int ret;

	ret = choose_backend();
	if (ret)
		return ret;
	ret = cvm_debugfs_init();
	if (ret)
		goto fail_debugfs;
	ret = start_hypervisor();
	if (ret)
		goto fail_hypervisor;
	ret = cvm_mapping_init();
	if (ret)
		goto fail_mapping;
	ret = cvm_engine_init();
	if (ret)
		goto fail_engine;
	ret = cvm_jobs_init();
	if (ret)
		goto fail_jobs;
	ret = cvm_background_init();
	if (ret)
		goto fail_background;
	ret = cvm_device_init();
	if (ret)
		goto fail_device;
	pr_info("loaded: backend %s, isolation %s\n",
		cvm.backend == CVM_VTLMEM_BACKEND_SIM ? "sim" : "hyperv",
		cvm_isolation_name(cvm.isolation));
	return 0;

fail_device:
	cvm_background_exit();
fail_background:
	cvm_jobs_exit();
fail_jobs:
	cvm_engine_exit();
fail_engine:
	cvm_mapping_exit();
fail_mapping:
	stop_hypervisor();
fail_hypervisor:
	cvm_debugfs_exit();
fail_debugfs:
	return ret;
}

static void __exit cvm_vtlmem_exit(void)
{
	cvm_device_exit();
	cvm_vtl2_protect_exit();
	cvm_background_exit();
	cvm_jobs_exit();
	cvm_engine_exit();
	cvm_registry_exit();
	cvm_mapping_exit();
	stop_hypervisor();
	cvm_debugfs_exit();
}

module_init(cvm_vtlmem_init);
module_exit(cvm_vtlmem_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("VTL0 memory acceptance, visibility and mapping for a Hyper-V paravisor in VTL2");
MODULE_AUTHOR("cvm_vtlmem developers");
