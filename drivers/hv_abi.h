/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Facts of the hypervisor and isolation-hardware ABIs this module speaks:
 * the Hyper-V TLFS hypercalls, AMD SEV-SNP PVALIDATE/RMPADJUST and Intel TDX
 * TDG.MEM.PAGE.* TDCALLs. Both the real transports and the simulated
 * hypervisor decode exactly these layouts.
 */
#ifndef CVM_VTLMEM_HV_ABI_H
#define CVM_VTLMEM_HV_ABI_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

/* Hypercall codes. */
#define HVCALL_MODIFY_VTL_PROTECTION_MASK	0x000C
#define HVCALL_GET_VP_REGISTERS			0x0050
#define HVCALL_ACCEPT_GPA_PAGES			0x00D9
#define HVCALL_UNACCEPT_GPA_PAGES		0x00DA
#define HVCALL_MODIFY_SPARSE_GPA_VISIBILITY	0x00DB

/* Control word (input) and result word (output). */
#define HV_CTL_CODE		GENMASK_ULL(15, 0)
#define HV_CTL_FAST		BIT_ULL(16)
#define HV_CTL_VARHEAD		GENMASK_ULL(26, 17)
#define HV_CTL_REP_COUNT	GENMASK_ULL(43, 32)
#define HV_CTL_REP_START	GENMASK_ULL(59, 48)
#define HV_CTL_RESERVED		(GENMASK_ULL(31, 27) | GENMASK_ULL(47, 44) | \
				 GENMASK_ULL(63, 60))
#define HV_RES_STATUS		GENMASK_ULL(15, 0)
#define HV_RES_REPS_DONE	GENMASK_ULL(43, 32)
#define HV_REP_MAX		4095U

/* Status codes. */
#define HV_STATUS_SUCCESS			0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE	0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT	0x0003
#define HV_STATUS_INVALID_ALIGNMENT		0x0004
#define HV_STATUS_INVALID_PARAMETER		0x0005
#define HV_STATUS_ACCESS_DENIED			0x0006
#define HV_STATUS_OPERATION_DENIED		0x0008
#define HV_STATUS_INSUFFICIENT_MEMORY		0x000B
#define HV_STATUS_TIME_OUT			0x0078

#define HV_PARTITION_ID_SELF	((u64)-1)

/* Host visibility (0xDB) and the accept attributes' visibility field. */
#define HV_VISIBILITY_PRIVATE	0
#define HV_VISIBILITY_SHARED	3
#define HV_VISIBILITY_MASK	GENMASK(1, 0)

/*
 * AcceptPagesAttributes (0xD9): VTL set bit N names VTL N, whose initial
 * protection mask (over the VTLs below it) is vtl_permission_set[N - 1];
 * with an empty set the pages get the partition's default mask.
 */
#define HV_ACCEPT_MEMORY_TYPE	GENMASK(5, 0)
#define HV_ACCEPT_MEMORY_RAM	1
#define HV_ACCEPT_VISIBILITY	GENMASK(7, 6)
#define HV_ACCEPT_VTL_SET	GENMASK(10, 8)
#define HV_ACCEPT_RESERVED	GENMASK(31, 11)

/*
 * UnacceptPagesAttributes (0xDA): not the accept attributes. VTL set in
 * bits 0-2 names the VTLs whose permissions are checked against
 * vtl_permission_set; the rest is reserved.
 */
#define HV_UNACCEPT_VTL_SET	GENMASK(2, 0)
#define HV_UNACCEPT_RESERVED	GENMASK(31, 3)

/*
 * Pages per accept or unaccept call. The rep count is the page count and
 * the input has no element list, yet OpenHCL sends at most (4096 - 24) / 8
 * pages a call, as if each rep were a GPN on the input page (the OpenVMM
 * hypervisor emulator types the reps so): the module does the same.
 */
#define HV_ACCEPT_REP_MAX	509

/*
 * HvInputVtl byte. With "use target" clear the call names the caller's own
 * VTL (HV_INPUT_VTL_CURRENT): VTL2's protection mask, which restricts VTL0
 * and VTL1 alike.
 */
#define HV_INPUT_VTL_TARGET	GENMASK(3, 0)
#define HV_INPUT_VTL_USE_TARGET	BIT(4)
#define HV_INPUT_VTL_RESERVED	GENMASK(7, 5)
#define HV_INPUT_VTL_CURRENT	0

/* HV_MAP_GPA_* rights of a lower VTL; the same bits as the uapi's. */
#define HV_MAP_GPA_READ		0x1
#define HV_MAP_GPA_WRITE	0x2
#define HV_MAP_GPA_KERNEL_EXEC	0x4
#define HV_MAP_GPA_USER_EXEC	0x8
#define HV_MAP_GPA_ALL		0xF

/* GPNs that fit one 4 KiB input page after a 16-byte header. */
#define HV_GPNS_PER_PAGE	510

/**
 * struct hv_accept_gpa_pages_input - input of HvCallAcceptGpaPages and
 *	HvCallUnacceptGpaPages; the rep count is the number of pages
 * @partition_id: %HV_PARTITION_ID_SELF
 * @attributes: accept: memory type, host visibility, VTL set (HV_ACCEPT_*);
 *	unaccept: the VTL set to check (HV_UNACCEPT_*)
 * @vtl_permission_set: protection masks of VTL1 and VTL2: set (accept) or
 *	checked (unaccept)
 * @gpn_base: first guest page number
 */
struct hv_accept_gpa_pages_input {
	u64 partition_id;
	u32 attributes;
	u16 vtl_permission_set[2];
	u64 gpn_base;
} __packed;
static_assert(sizeof(struct hv_accept_gpa_pages_input) == 24);
static_assert(offsetof(struct hv_accept_gpa_pages_input, attributes) == 8);
static_assert(offsetof(struct hv_accept_gpa_pages_input, vtl_permission_set) == 12);
static_assert(offsetof(struct hv_accept_gpa_pages_input, gpn_base) == 16);

/**
 * struct hv_modify_visibility_input - header of
 *	HvCallModifySparseGpaPageHostVisibility, followed by the GPN list
 * @partition_id: %HV_PARTITION_ID_SELF
 * @visibility: %HV_VISIBILITY_PRIVATE or %HV_VISIBILITY_SHARED in bits 0-1
 * @reserved: zero
 * @gpns: one rep element per page
 */
struct hv_modify_visibility_input {
	u64 partition_id;
	u32 visibility;
	u32 reserved;
	u64 gpns[];
} __packed;
static_assert(sizeof(struct hv_modify_visibility_input) == 16);

/**
 * struct hv_modify_protection_input - header of
 *	HvCallModifyVtlProtectionMask, followed by the GPN list
 * @partition_id: %HV_PARTITION_ID_SELF
 * @map_flags: HV_MAP_GPA_* rights the target VTL gets
 * @target_vtl: HvInputVtl: VTL in bits 0-3, bit 4 "use target"
 * @reserved: zero
 * @gpns: one rep element per page
 */
struct hv_modify_protection_input {
	u64 partition_id;
	u32 map_flags;
	u8 target_vtl;
	u8 reserved[3];
	u64 gpns[];
} __packed;
static_assert(sizeof(struct hv_modify_protection_input) == 16);
static_assert(offsetof(struct hv_modify_protection_input, target_vtl) == 12);

/* Both list calls: a 16-byte header, then GPNs up to the end of the page. */
static_assert(16 + HV_GPNS_PER_PAGE * 8 == 4096);

/* SEV-SNP. PVALIDATE and RMPADJUST return codes in EAX. */
#define SNP_RET_SUCCESS		0
#define SNP_RET_FAIL_INPUT	1
#define SNP_RET_FAIL_PERMISSION	2
#define SNP_RET_FAIL_SIZEMISMATCH 6
/* Software value: success, but nothing changed (rFLAGS.CF set). */
#define SNP_RET_NO_UPDATE	255
#define SNP_PAGE_4K		0
#define SNP_PAGE_2M		1
/* RMPADJUST attributes: target VMPL in bits 0-7, rights in bits 8-11. */
#define SNP_RMPADJUST_VMPL	GENMASK_ULL(7, 0)
#define SNP_RMPADJUST_READ	BIT_ULL(8)
#define SNP_RMPADJUST_WRITE	BIT_ULL(9)
#define SNP_RMPADJUST_EXEC_USER	BIT_ULL(10)
#define SNP_RMPADJUST_EXEC_SUPER BIT_ULL(11)
#define SNP_RMPADJUST_RIGHTS	GENMASK_ULL(11, 8)
#define SNP_RMPADJUST_RESERVED	(GENMASK_ULL(15, 12) | GENMASK_ULL(63, 16))
/* VTL0 runs at VMPL2, VTL1 at VMPL1. */
#define SNP_VMPL_OF_VTL(vtl)	(2 - (vtl))

/* Intel TDX. TDCALL leaves and completion codes (RAX, upper 32 bits). */
#define TDG_MEM_PAGE_ACCEPT	6
#define TDG_MEM_PAGE_ATTR_WR	24
#define TDG_MEM_PAGE_RELEASE	30
#define TDX_LEVEL_4K		0
#define TDX_LEVEL_2M		1
#define TDX_LEVEL_1G		2
#define TDX_STATUS_MASK		GENMASK_ULL(63, 32)
#define TDX_STATUS_SUCCESS	0x0000000000000000ULL /* TDX_SUCCESS clashes with the kernel */
#define TDX_PAGE_ALREADY_ACCEPTED 0x00000B0A00000000ULL
#define TDX_PAGE_SIZE_MISMATCH	0xC0000B0B00000000ULL
#define TDX_OPERAND_BUSY	0x8000020000000000ULL
#define TDX_OPERAND_INVALID	0xC000010000000000ULL
/*
 * Operand IDs the TDX module reports in the low bits of a status. Newer
 * kernels (7.3 does) define them, TDX_OPERAND_BUSY and TDX_OPERAND_INVALID
 * in <asm/shared/tdx_errno.h> too: spelled exactly as there, so that either
 * header may come first without a redefinition.
 */
#define TDX_OPERAND_ID_RCX	0x01
#define TDX_OPERAND_ID_SEPT	0x92
/* ATTR.WR: L2 VM1 (VTL0) attributes in RDX bits 16-31, mask in R8. */
#define TDX_L2_ATTR_R		BIT(0)
#define TDX_L2_ATTR_W		BIT(1)
#define TDX_L2_ATTR_XS		BIT(2)
#define TDX_L2_ATTR_XU		BIT(3)
#define TDX_L2_ATTR_SVE		BIT(7)
#define TDX_L2_ATTR_VALID	BIT(15)
#define TDX_L2_ATTR_RIGHTS	GENMASK(3, 0)
#define TDX_L2_VM_SHIFT(vm)	(16 * (vm))
/* VTL0 is L2 VM 1, VTL1 is L2 VM 2. */
#define TDX_L2_VM_OF_VTL(vtl)	((vtl) + 1)

#endif /* CVM_VTLMEM_HV_ABI_H */
