/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The final trap: the only code that differs between the real hypervisor
 * and the simulated one. Everything above (input encoding, rep loops,
 * fallbacks, checks) is shared.
 */
#ifndef CVM_VTLMEM_TRANSPORT_H
#define CVM_VTLMEM_TRANSPORT_H

#include <linux/types.h>

/**
 * struct cvm_transport - how hypercalls and isolation instructions trap
 * @name: "hyperv" or "sim"
 * @input_page: this CPU's hypercall input page (the kernel's
 *	hyperv_pcpu_input_arg on the real hypervisor); called with interrupts
 *	off, and the page is the caller's until they are on again
 * @hypercall: issue a (slow, memory-based) hypercall. @input is the page
 *	@input_page gave, @output a page-aligned kernel address or NULL;
 *	returns the raw result word (status, reps completed).
 * @pvalidate: SNP PVALIDATE of the page at @gpa, mapped at @va; @huge
 *	selects 2 MiB; @validate 1 validates, 0 rescinds. Returns the EAX code
 *	and sets *@no_update from the carry flag.
 * @rmpadjust: SNP RMPADJUST of the page at @gpa/@va with @attrs (target
 *	VMPL and rights). Returns the EAX code.
 * @tdcall: TDX TDCALL of @leaf with RCX, RDX, R8; returns RAX.
 *
 * @hypercall is called with interrupts disabled (the input page is
 * per-CPU and shared with the kernel's own users); none of them may sleep.
 */
struct cvm_transport {
	const char *name;
	void *(*input_page)(void);
	u64 (*hypercall)(u64 control, void *input, void *output);
	int (*pvalidate)(u64 gpa, void *va, bool huge, bool validate, bool *no_update);
	int (*rmpadjust)(u64 gpa, void *va, bool huge, u64 attrs);
	u64 (*tdcall)(u64 leaf, u64 rcx, u64 rdx, u64 r8);
};

#endif /* CVM_VTLMEM_TRANSPORT_H */
