// SPDX-License-Identifier: GPL-2.0
/*
 * The real final trap: the Hyper-V hypercall page, PVALIDATE, RMPADJUST and
 * TDCALL. Nothing else in the module differs between the real hypervisor
 * and the simulation. This file cannot run on the test machines (there is
 * no Hyper-V there); it is kept small enough to review by eye.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/module.h>
#include <asm/asm.h>
#include <asm/hypervisor.h>
#include <asm/nospec-branch.h>
#include <asm/processor.h>
#include <asm/set_memory.h>

#include "hv_abi.h"
#include "hyperv.h"
#include "transport.h"

/* CPUID leaf with the partition's isolation configuration (TLFS). */
#define HV_CPUID_ISOLATION_CONFIG	0x4000000C
#define HV_ISOLATION_TYPE		GENMASK(3, 0)
#define HV_REGISTER_VSM_VP_STATUS	0x000D0003
#define HV_VSM_ACTIVE_VTL		GENMASK_ULL(3, 0)
#define HV_VP_INDEX_SELF		0xFFFFFFFE

/* The kernel's hypercall page, looked up at run time (no hard dependency). */
static void **hypercall_pg;

static u64 hyperv_hypercall(u64 control, void *input, void *output)
{
	register u64 out asm("r8") = output ? virt_to_phys(output) : 0;
	u64 in = virt_to_phys(input);
	u64 status;

	asm volatile(CALL_NOSPEC
		     : "=a" (status), ASM_CALL_CONSTRAINT,
		       "+c" (control), "+d" (in), "+r" (out)
		     : THUNK_TARGET(*hypercall_pg)
		     : "cc", "memory", "r9", "r10", "r11");
	return status;
}

static int hyperv_pvalidate(u64 gpa, void *va, bool huge, bool validate,
			    bool *no_update)
{
	bool carry;
	int rc;

	/* PVALIDATE: F2 0F 01 FF; the carry flag means "no update". */
	asm volatile(".byte 0xf2, 0x0f, 0x01, 0xff\n\t"
		     CC_SET(c)
		     : CC_OUT(c) (carry), "=a" (rc)
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

const struct cvm_transport cvm_hyperv_transport = {
	.name = "hyperv",
	.hypercall = hyperv_hypercall,
	.pvalidate = hyperv_pvalidate,
	.rmpadjust = hyperv_rmpadjust,
	.tdcall = hyperv_tdcall,
};

/*
 * HvCallGetVpRegisters(HvRegisterVsmVpStatus): which VTL are we in? On a
 * hardware-isolated partition the hypervisor can only read host-visible
 * pages, so the two pages are shared for the call.
 */
static int hyperv_active_vtl(bool isolated)
{
	struct page *pages = alloc_pages(GFP_KERNEL | __GFP_ZERO, 1);
	unsigned long addr;
	u64 *in, *out, control, result;
	int vtl = -EIO;

	if (!pages)
		return -ENOMEM;
	addr = (unsigned long)page_address(pages);
	if (isolated && set_memory_decrypted(addr, 2))
		return -EIO;	/* state unknown: leak rather than reuse */
	in = (u64 *)addr;
	out = in + PAGE_SIZE / sizeof(u64);
	in[0] = HV_PARTITION_ID_SELF;
	in[1] = HV_VP_INDEX_SELF;		/* input VTL 0: the caller's */
	in[2] = HV_REGISTER_VSM_VP_STATUS;
	control = FIELD_PREP(HV_CTL_CODE, HVCALL_GET_VP_REGISTERS) |
		  FIELD_PREP(HV_CTL_REP_COUNT, 1);
	preempt_disable();
	result = hyperv_hypercall(control, in, out);
	preempt_enable();
	if (FIELD_GET(HV_RES_STATUS, result) == HV_STATUS_SUCCESS &&
	    FIELD_GET(HV_RES_REPS_DONE, result) == 1)
		vtl = FIELD_GET(HV_VSM_ACTIVE_VTL, out[0]);
	if (isolated && set_memory_encrypted(addr, 2))
		return vtl;
	__free_pages(pages, 1);
	return vtl;
}

/**
 * cvm_hyperv_probe() - is this VTL2 on Hyper-V, and with which isolation?
 * @isolation: out: the partition's isolation type
 *
 * Return: 0 when the real backend can run; -ENODEV (after one log line
 * saying why and how to load the simulation) otherwise.
 */
int cvm_hyperv_probe(enum cvm_vtlmem_isolation *isolation)
{
	u32 eax, ebx, ecx, edx;
	int vtl;

	if (!hypervisor_is_type(X86_HYPER_MS_HYPERV))
		goto not_vtl2;
	hypercall_pg = __symbol_get("hv_hypercall_pg");
	if (!hypercall_pg || !*hypercall_pg)
		goto not_vtl2;
	cpuid(HV_CPUID_ISOLATION_CONFIG, &eax, &ebx, &ecx, &edx);
	*isolation = FIELD_GET(HV_ISOLATION_TYPE, ebx);
	if (*isolation > CVM_VTLMEM_ISOLATION_TDX) {
		pr_err("unknown Hyper-V isolation type %u\n", *isolation);
		cvm_hyperv_release();
		return -ENODEV;
	}
	vtl = hyperv_active_vtl(*isolation == CVM_VTLMEM_ISOLATION_SNP ||
				*isolation == CVM_VTLMEM_ISOLATION_TDX);
	if (vtl != 2)
		goto not_vtl2;
	return 0;
not_vtl2:
	cvm_hyperv_release();
	pr_err("not running in VTL2 on Hyper-V; load with backend=sim isolation=none|vbs|snp|tdx for the simulated hypervisor\n");
	return -ENODEV;
}

/**
 * cvm_hyperv_release() - drop the reference on the hypercall page symbol
 */
void cvm_hyperv_release(void)
{
	if (hypercall_pg)
		__symbol_put("hv_hypercall_pg");
	hypercall_pg = NULL;
}
