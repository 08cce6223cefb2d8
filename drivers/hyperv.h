/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The real hypervisor backend: is this a VTL2 kernel on Hyper-V, and which
 * isolation does its partition use? (transport_hyperv.c)
 */
#ifndef CVM_VTLMEM_HYPERV_H
#define CVM_VTLMEM_HYPERV_H

#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/cvm_vtlmem.h>

struct cvm_transport;

#if IS_ENABLED(CONFIG_HYPERV)
int cvm_hyperv_probe(enum cvm_vtlmem_isolation *isolation,
		     const struct cvm_transport **transport);
bool cvm_hyperv_is_lower_vtl_ram(u64 gpa, u64 len);
#else
static inline bool cvm_hyperv_is_lower_vtl_ram(u64 gpa, u64 len)
{
	return false;
}

static inline int cvm_hyperv_probe(enum cvm_vtlmem_isolation *isolation,
				   const struct cvm_transport **transport)
{
	pr_err("backend=hyperv: this kernel is built without CONFIG_HYPERV; load a CVM_VTLMEM_SIM=y build with backend=sim\n");
	return -ENODEV;
}
#endif

#endif /* CVM_VTLMEM_HYPERV_H */
