// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry: choose the backend and isolation type, then bring up the
 * pieces in dependency order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/string.h>

#include "accept.h"
#include "backend.h"
#include "background.h"
#include "cvm_vtlmem.h"
#include "engine.h"
#include "hvcall.h"
#include "hyperv.h"
#include "jobs.h"
#include "mapping.h"
#include "registry.h"
#include "transport.h"
#include "vtl2_protect.h"

struct cvm_vtlmem cvm;

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "sim (CVM_VTLMEM_SIM=y builds), hyperv or auto (hyperv only when running in VTL2 on Hyper-V)");

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

/**
 * cvm_isolation_parse() - the isolation type an isolation= value names
 * @name: "none", "vbs", "snp" or "tdx"
 * @isolation: out: the type
 *
 * Return: 0, or -EINVAL (logged) for any other name.
 */
int cvm_isolation_parse(const char *name, enum cvm_vtlmem_isolation *isolation)
{
	int i = match_string(isolation_names, ARRAY_SIZE(isolation_names), name);

	if (i < 0) {
		pr_err("isolation=%s is not one of none, vbs, snp, tdx\n", name);
		return -EINVAL;
	}
	*isolation = i;
	return 0;
}

/* backend=hyperv (or auto): VTL2 on Hyper-V, which says the isolation. */
static int hyperv_probe(const char *isolation, enum cvm_vtlmem_isolation *type,
			const struct cvm_transport **transport)
{
	return cvm_hyperv_probe(type, transport);
}

static const struct cvm_backend hyperv_backend = {
	.name = "hyperv",
	.id = CVM_VTLMEM_BACKEND_HYPERV,
	.probe = hyperv_probe,
	.is_lower_vtl_ram = cvm_hyperv_is_lower_vtl_ram,
};

/* What backend= may name; the simulation only in CVM_VTLMEM_SIM=y builds. */
static const struct cvm_backend *const backends[] = {
	&hyperv_backend,
#ifdef CVM_VTLMEM_SIM
	&cvm_sim_backend,
#endif
};

/* The final trap the chosen backend's probe gave. */
static const struct cvm_transport *transport;

/*
 * The one place the backend is chosen. backend=sim in a production build
 * (CVM_VTLMEM_SIM=n) fails the load with -EINVAL, as any unknown name does.
 */
static int choose_backend(void)
{
	const char *name = strcmp(backend, "auto") ? backend : "hyperv";
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(backends); i++) {
		if (strcmp(name, backends[i]->name))
			continue;
		cvm.backend = backends[i];
		return cvm.backend->probe(isolation, &cvm.isolation, &transport);
	}
	if (!strcmp(name, "sim"))
		pr_err("backend=sim: this build has no simulated hypervisor (build with CVM_VTLMEM_SIM=y)\n");
	else
		pr_err("backend=%s is not one of sim, hyperv, auto\n", backend);
	return -EINVAL;
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
	return cvm.backend->is_lower_vtl_ram(gpa, len);
}

/* The hypervisor below us: simulated, or the kernel's own Hyper-V path. */
static int start_hypervisor(void)
{
	int ret = cvm.backend->init ? cvm.backend->init() : 0;

	if (ret)
		return ret;
	cvm_hv_init(transport);
	cvm_debugfs_backend_init();
	return 0;
}

static void stop_hypervisor(void)
{
	cvm_hv_exit();
	if (cvm.backend->exit)
		cvm.backend->exit();
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
		cvm.backend->name,
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
