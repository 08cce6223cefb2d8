// SPDX-License-Identifier: GPL-2.0
/*
 * Hyper-V hypercalls as the TLFS encodes them. The same code runs against
 * the real hypervisor and the simulated one; only cvm_transport.hypercall
 * differs.
 *
 * The rep loop trusts nothing: a result must report progress within
 * [rep start, rep count], success must eventually mean every rep was done,
 * a failure must mean some rep was not, and progress never goes backwards.
 * A violation is -EPROTO, distinct from a plain failure (-EIO).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "hv_abi.h"
#include "hvcall.h"
#include "transport.h"

/* Consecutive TIME_OUT results without progress tolerated before giving up. */
#define HV_MAX_STALLS	1000

static const struct cvm_transport *hv_transport;

/**
 * cvm_hv_init() - pick the transport
 * @transport: the real or simulated final trap
 */
void cvm_hv_init(const struct cvm_transport *transport)
{
	hv_transport = transport;
}

/**
 * cvm_hv_exit() - forget the transport
 */
void cvm_hv_exit(void)
{
	hv_transport = NULL;
}

/**
 * cvm_hv_transport() - the transport chosen at init
 *
 * Return: the transport, for the platform code's instructions.
 */
const struct cvm_transport *cvm_hv_transport(void)
{
	return hv_transport;
}

/*
 * Writes the input of the call covering elements [@first, @first + @n) of
 * a request described by @arg.
 */
typedef void (*hv_fill_fn)(void *input, const void *arg, u64 first, u32 n);

/*
 * One trap: fill this CPU's input page and issue the call. On the real
 * hypervisor the page is the kernel's own (hyperv_pcpu_input_arg), which
 * the kernel also fills with interrupts off: it is ours only until they
 * come back on, so every continuation fills it again.
 */
static u64 hv_trap(u16 code, hv_fill_fn fill, const void *arg, u64 first, u32 n, u32 start)
{
	u64 control = FIELD_PREP(HV_CTL_CODE, code) |
		      FIELD_PREP(HV_CTL_REP_COUNT, n) |
		      FIELD_PREP(HV_CTL_REP_START, start);
	unsigned long flags;
	void *input;
	u64 result;

	local_irq_save(flags);
	input = hv_transport->input_page();
	fill(input, arg, first, n);
	result = hv_transport->hypercall(control, input, NULL);
	local_irq_restore(flags);
	return result;
}

/*
 * Run one rep hypercall of @n elements, the request's [@first, @first + @n),
 * until every rep is done or it fails. @done is relative to this call's
 * elements. Between continuations interrupts are on and the caller may be
 * rescheduled; a TIME_OUT storm ends only after HV_MAX_STALLS answers in a
 * row without progress.
 */
static int hv_rep_loop(u16 code, hv_fill_fn fill, const void *arg, u64 first, u32 n,
		       u32 *done, u16 *status, u64 *calls)
{
	unsigned int stalls = 0;
	u32 start = 0;

	for (;;) {
		u64 result = hv_trap(code, fill, arg, first, n, start);
		u32 completed = FIELD_GET(HV_RES_REPS_DONE, result);

		(*calls)++;
		*status = FIELD_GET(HV_RES_STATUS, result);
		/* Progress is only believed once the answer is consistent. */
		*done = start;
		if (completed < start || completed > n)
			return -EPROTO;		/* backwards or beyond the request */
		switch (*status) {
		case HV_STATUS_SUCCESS:
			if (completed == start)
				return -EPROTO;	/* "success" that did nothing */
			*done = completed;
			if (completed == n)
				return 0;
			stalls = 0;
			break;
		case HV_STATUS_TIME_OUT:
			if (completed == n)
				return -EPROTO;	/* timed out with nothing left */
			*done = completed;
			if (completed > start)
				stalls = 0;
			else if (++stalls > HV_MAX_STALLS)
				return -ETIMEDOUT;
			break;
		default:
			/* A failure must leave at least the failing rep undone. */
			if (completed == n)
				return -EPROTO;
			*done = completed;
			return -EIO;
		}
		start = completed;
		cond_resched();
	}
}

struct accept_args {
	u64 gpn;
	u32 attributes;
	u16 vtl_permission_set[2];
};

static void fill_accept(void *input, const void *arg, u64 first, u32 n)
{
	const struct accept_args *a = arg;
	struct hv_accept_gpa_pages_input *in = input;

	memset(in, 0, sizeof(*in));
	in->partition_id = HV_PARTITION_ID_SELF;
	in->attributes = a->attributes;
	in->vtl_permission_set[0] = a->vtl_permission_set[0];
	in->vtl_permission_set[1] = a->vtl_permission_set[1];
	in->gpn_base = a->gpn + first;
}

static void hv_result_init(struct cvm_hv_result *res)
{
	const bool *stop = res->stop;

	memset(res, 0, sizeof(*res));
	res->stop = stop;
}

/* A long request stops between calls when its owner asks. */
static bool hv_stopped(const struct cvm_hv_result *res)
{
	return res->stop && READ_ONCE(*res->stop);
}

/*
 * One request of @total elements in calls of at most @per_call reps, in
 * order, stopping at the first failure or when the owner asks.
 */
static int hv_batched(u16 code, u64 total, u32 per_call, hv_fill_fn fill, const void *arg,
		      struct cvm_hv_result *res)
{
	hv_result_init(res);
	while (res->done < total) {
		u32 n = min_t(u64, total - res->done, per_call), done;
		int ret;

		if (hv_stopped(res))
			return -EINTR;
		ret = hv_rep_loop(code, fill, arg, res->done, n, &done, &res->status, &res->calls);
		res->done += done;
		if (ret)
			return ret;
		res->status = 0;
		cond_resched();
	}
	return 0;
}

/**
 * cvm_hv_accept() - HvCallAcceptGpaPages over a contiguous run
 * @gpn: first page
 * @npages: pages, any number: split into calls of %HV_ACCEPT_REP_MAX
 * @vtl2_mask: the initial protection mask VTL2 imposes on the lower VTLs
 *	(HV_MAP_GPA_* rights), or a negative value for the partition's
 *	default mask
 * @res: progress and the failing status
 *
 * The rep count is the page count; the input is the 24-byte header alone.
 * May sleep between calls.
 *
 * Return: 0, -EIO (the hypervisor refused @res->status at page
 * @gpn + @res->done), -EPROTO (the hypervisor contradicted itself),
 * -ETIMEDOUT (it never made progress) or -EINTR (@res->stop).
 */
int cvm_hv_accept(u64 gpn, u64 npages, int vtl2_mask, struct cvm_hv_result *res)
{
	struct accept_args a = {
		.gpn = gpn,
		.attributes = FIELD_PREP(HV_ACCEPT_MEMORY_TYPE, HV_ACCEPT_MEMORY_RAM) |
			      FIELD_PREP(HV_ACCEPT_VISIBILITY, HV_VISIBILITY_PRIVATE),
	};

	if (vtl2_mask >= 0) {
		a.attributes |= FIELD_PREP(HV_ACCEPT_VTL_SET, BIT(2));
		a.vtl_permission_set[2 - 1] = vtl2_mask;
	}
	return hv_batched(HVCALL_ACCEPT_GPA_PAGES, npages, HV_ACCEPT_REP_MAX, fill_accept,
			  &a, res);
}

static u64 gpn_at(const struct cvm_gpn_list *list, u64 i)
{
	return list->gpns ? list->gpns[i] : list->base + i;
}

struct list_args {
	const struct cvm_gpn_list *list;
	u64 header[2];	/* the call's 16-byte header, already encoded */
};

static void fill_list(void *input, const void *arg, u64 first, u32 n)
{
	const struct list_args *a = arg;
	u64 *gpns = (u64 *)input + 2;
	u32 i;

	memcpy(input, a->header, sizeof(a->header));
	for (i = 0; i < n; i++)
		gpns[i] = gpn_at(a->list, first + i);
}

/* List calls: 510 GPNs per input page after the 16-byte header. */
static int hv_list_calls(u16 code, const struct cvm_gpn_list *list,
			 const void *header, struct cvm_hv_result *res)
{
	struct list_args a = { .list = list };

	memcpy(a.header, header, sizeof(a.header));
	return hv_batched(code, list->count, HV_GPNS_PER_PAGE, fill_list, &a, res);
}

/**
 * cvm_hv_set_visibility() - HvCallModifySparseGpaPageHostVisibility
 * @list: the pages, batched 510 per call
 * @visibility: %HV_VISIBILITY_PRIVATE or %HV_VISIBILITY_SHARED
 * @res: progress and the failing status; @res->done indexes @list
 *
 * Return: as cvm_hv_accept().
 */
int cvm_hv_set_visibility(const struct cvm_gpn_list *list, u32 visibility,
			  struct cvm_hv_result *res)
{
	struct hv_modify_visibility_input hdr = {
		.partition_id = HV_PARTITION_ID_SELF,
		.visibility = visibility,
	};

	return hv_list_calls(HVCALL_MODIFY_SPARSE_GPA_VISIBILITY, list, &hdr, res);
}

/**
 * cvm_hv_protect() - HvCallModifyVtlProtectionMask on VTL2's own mask
 * @list: the pages, batched 510 per call
 * @rights: HV_MAP_GPA_* rights the mask leaves the lower VTLs
 * @res: progress and the failing status; @res->done indexes @list
 *
 * The target names the VTL whose mask is set, and a mask restricts every
 * VTL below it: VTL2 names itself (%HV_INPUT_VTL_CURRENT), and its mask
 * binds VTL0 and VTL1 alike. Target VTL0 does not exist; VTL1's own mask
 * belongs to VTL1.
 *
 * Return: as cvm_hv_accept().
 */
int cvm_hv_protect(const struct cvm_gpn_list *list, u32 rights, struct cvm_hv_result *res)
{
	struct hv_modify_protection_input hdr = {
		.partition_id = HV_PARTITION_ID_SELF,
		.map_flags = rights,
		.target_vtl = HV_INPUT_VTL_CURRENT,
	};

	return hv_list_calls(HVCALL_MODIFY_VTL_PROTECTION_MASK, list, &hdr, res);
}
