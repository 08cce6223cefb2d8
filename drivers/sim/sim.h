/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated hypervisor: a strict software model of Hyper-V and of the
 * SNP/TDX isolation hardware for the memory given as VTL0 RAM (module
 * parameter sim_ram=SIZE@BASE), with fault injection, a cost model and
 * counters. It sits below the hypercall encoding: it decodes the same
 * input pages and control words a real hypervisor would. The rules it
 * enforces, and where each comes from, are listed at the top of
 * hypercalls.c and instructions.c. Built only with CVM_VTLMEM_SIM=y: this
 * is its interface for its own KUnit suites (kunit.c); the rest of the
 * module reaches it through its backend table (backend.h) and its oracles
 * (oracle.h).
 */
#ifndef CVM_VTLMEM_SIM_H
#define CVM_VTLMEM_SIM_H

#include <linux/types.h>

/*
 * Simulated state of one 4 KiB page, as read through debugfs
 * (sim/state: __u16 per page, file offset = 2 * (gpn - first sim gpn)).
 */
#define SIM_PAGE_ACCEPTED	0x0001	/* validated / accepted */
#define SIM_PAGE_SIZE_MASK	0x0006	/* size it was accepted at: */
#define SIM_PAGE_SIZE_SHIFT	1	/* 0 4K, 1 2M, 2 1G */
#define SIM_PAGE_VIS_MASK	0x0018	/* host visibility, 0 or 3 */
#define SIM_PAGE_VIS_SHIFT	3
#define SIM_PAGE_TAINTED	0x0020	/* contents host-controlled */
#define SIM_PAGE_VTL0_SHIFT	8	/* bits 8-11: VTL0 rights */
#define SIM_PAGE_VTL1_SHIFT	12	/* bits 12-15: VTL1 rights */
#define SIM_PAGE_OUTSIDE	0xFFFF	/* cvm_sim_page() outside sim RAM */

/*
 * SNP does not zero: validating a TAINTED page (one whose visibility changed
 * or that the host remapped) fills it with this byte, as does the "remap"
 * injection, so a paravisor that hands such a page to VTL0 without zeroing
 * it is caught. TDX and VBS zero what they accept.
 */
#define SIM_GARBAGE_BYTE	0xA5

/*
 * SNP and TDX encrypt private memory with a key the host lacks: once a
 * page goes shared, its old private contents reach the host and the shared
 * view only as ciphertext. The model: every byte of the page is XORed with
 * this constant when it goes shared (never the plaintext; zero only where
 * the plaintext byte was 0x96). VBS has no memory encryption: a VBS page
 * goes shared with its contents readable as they were.
 */
#define SIM_CIPHER_BYTE		0x96

/* What the sim counts; one row per operation kind. */
enum cvm_sim_op {
	SIM_OP_HV_PROTECT,
	SIM_OP_HV_ACCEPT,
	SIM_OP_HV_UNACCEPT,
	SIM_OP_HV_VISIBILITY,
	SIM_OP_HV_OTHER,
	SIM_OP_PVALIDATE_4K,
	SIM_OP_PVALIDATE_2M,
	SIM_OP_RMPADJUST,
	SIM_OP_TDX_ACCEPT_4K,
	SIM_OP_TDX_ACCEPT_2M,
	SIM_OP_TDX_ACCEPT_1G,
	SIM_OP_TDX_ATTR_WR,
	SIM_OP_NR
};

/**
 * struct cvm_sim_count - totals of one operation kind
 * @calls: hypercalls or instructions issued
 * @reps: rep elements (pages) completed
 * @failures: calls that returned a failure status
 * @mismatches: those of @failures that were a page-size mismatch (SNP
 *	FAIL_SIZEMISMATCH, TDX PAGE_SIZE_MISMATCH), the answer a guest meets
 *	by retrying at the smaller size
 */
struct cvm_sim_count {
	u64 calls;
	u64 reps;
	u64 failures;
	u64 mismatches;
};

bool cvm_sim_is_ram(u64 gpa, u64 len);
bool cvm_sim_ram(u64 *gpa, u64 *len);
void cvm_sim_reset(void);
u16 cvm_sim_page(u64 gpn);
void cvm_sim_count(enum cvm_sim_op op, struct cvm_sim_count *out);
int cvm_sim_inject(const char *cmd);
void cvm_sim_boot_accept(u64 gpa, u64 len);
int cvm_sim_decrypted_alias(void *va, u64 len);
void cvm_sim_decrypted_alias_remove(void *va);
bool cvm_sim_tdx_accept_1g(bool allow);

#endif /* CVM_VTLMEM_SIM_H */
