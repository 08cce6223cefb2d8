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
 * @hypercall: issue a (slow, memory-based) hypercall. @input and @output
 *	are page-aligned kernel addresses of per-CPU pages (@output may be
 *	NULL); returns the raw result word (status, reps completed).
 * @pvalidate: SNP PVALIDATE of the page at @gpa, mapped at @va; @huge
 *	selects 2 MiB; @validate 1 validates, 0 rescinds. Returns the EAX code
 *	and sets *@no_update from the carry flag.
 * @rmpadjust: SNP RMPADJUST of the page at @gpa/@va with @attrs (target
 *	VMPL and rights). Returns the EAX code.
 * @tdcall: TDX TDCALL of @leaf with RCX, RDX, R8; returns RAX.
 *
 * @hypercall is called with preemption disabled (the input page is
 * per-CPU); none of them may sleep.
 */
struct cvm_transport {
	const char *name;
	u64 (*hypercall)(u64 control, void *input, void *output);
	int (*pvalidate)(u64 gpa, void *va, bool huge, bool validate, bool *no_update);
	int (*rmpadjust)(u64 gpa, void *va, bool huge, u64 attrs);
	u64 (*tdcall)(u64 leaf, u64 rcx, u64 rdx, u64 r8);
};

extern const struct cvm_transport cvm_sim_transport;
extern const struct cvm_transport cvm_hyperv_transport;

#endif /* CVM_VTLMEM_TRANSPORT_H */
