// SPDX-License-Identifier: GPL-2.0
/*
 * The real final trap. Hypercalls go through the kernel's own Hyper-V path,
 * hv_do_hypercall() on the kernel's per-CPU input page, as upstream
 * drivers/hv/mshv_vtl_main.c does: the kernel knows how to reach the
 * hypervisor on each platform (hypercall page, VMMCALL on SNP,
 * TDG.VP.VMCALL on TDX) and already made that page host-visible where the
 * hypervisor must read it. The module never calls
 * the hypercall page itself. PVALIDATE, RMPADJUST and TDCALL are single
 * instructions issued here. Nothing else in the module differs between the
 * real hypervisor and the simulation. This file cannot run on the test
 * machines (there is no Hyper-V there); it is kept small enough to review
 * by eye.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <asm/hypervisor.h>
#include <asm/mshyperv.h>

#include "compat.h"
#include "hyperv.h"
#include "transport.h"

/* Called with interrupts off: the kernel's own users of the page are too. */
static void *hyperv_input_page(void)
{
	return *this_cpu_ptr(hyperv_pcpu_input_arg);
}

static u64 hyperv_hypercall(u64 control, void *input, void *output)
{
	return hv_do_hypercall(control, input, output);
}

static int hyperv_pvalidate(u64 gpa, void *va, bool huge, bool validate,
			    bool *no_update)
{
	u8 carry;
	int rc;

	/* PVALIDATE: F2 0F 01 FF; the carry flag means "no update". */
	asm volatile(".byte 0xf2, 0x0f, 0x01, 0xff\n\t"
		     "setc %[carry]"
		     : [carry] "=qm" (carry), "=a" (rc)
		     : "a" (va), "c" ((u64)huge), "d" ((u64)validate)
		     : "memory", "cc");
	*no_update = carry;
	return rc;
}

static int hyperv_rmpadjust(u64 gpa, void *va, bool huge, u64 attrs)
{
	int rc;

	/* RMPADJUST: F3 0F 01 FE. */
	asm volatile(".byte 0xf3, 0x0f, 0x01, 0xfe"
		     : "=a" (rc)
		     : "a" (va), "c" ((u64)huge), "d" (attrs)
		     : "memory", "cc");
	return rc;
}

static u64 hyperv_tdcall(u64 leaf, u64 rcx, u64 rdx, u64 r8)
{
	register u64 r8_reg asm("r8") = r8;

	/* TDCALL: 66 0F 01 CC; outputs come back in RCX, RDX, R8. */
	asm volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
		     : "+a" (leaf), "+c" (rcx), "+d" (rdx), "+r" (r8_reg)
		     :
		     : "memory", "cc", "r9", "r10", "r11");
	return leaf;
}

static const struct cvm_transport hyperv_transport = {
	.name = "hyperv",
	.input_page = hyperv_input_page,
	.hypercall = hyperv_hypercall,
	.pvalidate = hyperv_pvalidate,
	.rmpadjust = hyperv_rmpadjust,
	.tdcall = hyperv_tdcall,
};

/* TDG.VM.RD of TDCS CONFIG_FLAGS (x86defs tdx.rs: leaf 7, field code). */
#define TDG_VM_RD			7
#define TDX_FIELD_CONFIG_FLAGS		0x9110000300000016ULL
#define TDX_CONFIG_FLAG_TDX_CONNECT	BIT_ULL(5)

static bool tdx_connect(void)
{
	register u64 r8 asm("r8") = 0;
	u64 rax = TDG_VM_RD, rcx = 0, rdx = TDX_FIELD_CONFIG_FLAGS;

	asm volatile(".byte 0x66, 0x0f, 0x01, 0xcc"
		     : "+a" (rax), "+c" (rcx), "+d" (rdx), "+r" (r8)
		     :
		     : "memory", "cc", "r9", "r10", "r11");
	/* Unreadable: assume the worst. */
	return rax || (r8 & TDX_CONFIG_FLAG_TDX_CONNECT);
}

/* A memory resource this kernel knows that is not RAM: MMIO. */
static int is_mmio(struct resource *res, void *arg)
{
	return res->desc != IORES_DESC_RESERVED &&
	       !(res->flags & IORESOURCE_SYSTEM_RAM);
}

/**
 * cvm_hyperv_is_lower_vtl_ram() - may the span be registered as VTL0 memory?
 * @gpa: first address
 * @len: bytes
 *
 * Judged from what the VTL2 kernel knows: VTL0's RAM is absent from its
 * resource tree or reserved there; its own RAM is System RAM (refused by
 * the registry), devices' MMIO is any other memory resource; on a
 * partition with a shared GPA boundary (vTOM) the range above it is the
 * shared alias, not RAM of its own.
 *
 * Return: true if the span may be VTL0 RAM.
 */
bool cvm_hyperv_is_lower_vtl_ram(u64 gpa, u64 len)
{
	if (ms_hyperv.shared_gpa_boundary_active &&
	    gpa + len > ms_hyperv.shared_gpa_boundary)
		return false;
	return walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_MEM, gpa, gpa + len - 1,
				   NULL, is_mmio) != 1;
}

static int refuse(const char *why)
{
	pr_err("backend=hyperv: %s\n", why);
	pr_err("for the simulated hypervisor (a CVM_VTLMEM_SIM=y build): backend=sim isolation=none|vbs|snp|tdx\n");
	return -ENODEV;
}

/**
 * cvm_hyperv_probe() - is this VTL2 on Hyper-V, and with which isolation?
 * @isolation: out: the partition's isolation type
 * @transport: out: the real trap
 *
 * Everything comes from what the kernel already found at boot: the
 * hypervisor type, ms_hyperv's isolation configuration (CPUID
 * 0x4000000C), the VTL it runs in (ms_hyperv.vtl, set by a kernel built
 * with CONFIG_HYPERV_VTL_MODE) and its per-CPU hypercall input pages.
 *
 * Return: 0 when the real backend can run; -ENODEV after one log line
 * saying exactly what is missing.
 */
int cvm_hyperv_probe(enum cvm_vtlmem_isolation *isolation,
		     const struct cvm_transport **transport)
{
	u32 type;
	int vtl;

	if (!hypervisor_is_type(X86_HYPER_MS_HYPERV))
		return refuse("not running on Hyper-V");
	if (!hyperv_pcpu_input_arg)
		return refuse("the kernel set up no Hyper-V hypercall input pages");
	vtl = cvm_hv_kernel_vtl();
	if (vtl < 0)
		return refuse("this kernel records no VTL (ms_hyperv.vtl, 6.6+)");
	if (vtl != 2) {
		pr_err("backend=hyperv: the kernel runs in VTL%d (ms_hyperv.vtl)\n", vtl);
		pr_err("a VTL2 kernel is built with CONFIG_HYPERV_VTL_MODE\n");
		return refuse("not VTL2");
	}
	type = FIELD_GET(HV_ISOLATION_TYPE, ms_hyperv.isolation_config_b);
	if (type > CVM_VTLMEM_ISOLATION_TDX) {
		pr_err("unknown Hyper-V isolation type %u\n", type);
		return -ENODEV;
	}
	if ((type == CVM_VTLMEM_ISOLATION_SNP || type == CVM_VTLMEM_ISOLATION_TDX) &&
	    !CVM_HV_ISOLATED_HYPERCALLS)
		return refuse("before 6.6, hv_do_hypercall() cannot serve SNP/TDX VTL2");
	/* Giving pages up would need TDG.MEM.PAGE.RELEASE, which is not done. */
	if (type == CVM_VTLMEM_ISOLATION_TDX && tdx_connect())
		return refuse("TDX Connect (pages need TDG.MEM.PAGE.RELEASE) is not supported");
	*isolation = type;
	*transport = &hyperv_transport;
	return 0;
}
