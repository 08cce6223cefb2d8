// SPDX-License-Identifier: GPL-2.0
/*
 * cvm-vtlmemctl: the platform's statuses by name, and the operations the
 * commands and boot share: query, register, accept, visibility, protect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *hv_status_name(u64 s)
{
	switch (s) {
	case 0x2: return "HV_STATUS_INVALID_HYPERCALL_CODE";
	case 0x3: return "HV_STATUS_INVALID_HYPERCALL_INPUT";
	case 0x4: return "HV_STATUS_INVALID_ALIGNMENT";
	case 0x5: return "HV_STATUS_INVALID_PARAMETER";
	case 0x6: return "HV_STATUS_ACCESS_DENIED";
	case 0x7: return "HV_STATUS_INVALID_PARTITION_STATE";
	case 0x8: return "HV_STATUS_OPERATION_DENIED";
	case 0xB: return "HV_STATUS_INSUFFICIENT_MEMORY";
	case 0x78: return "HV_STATUS_TIME_OUT";
	}
	return NULL;
}

static const char *snp_status_name(u64 s, enum op_kind op)
{
	switch (s) {
	case 1: return op == OP_PROTECT ? "RMPADJUST FAIL_INPUT" : "FAIL_INPUT";
	case 2: return "RMPADJUST FAIL_PERMISSION";
	case 6: return "FAIL_SIZEMISMATCH";
	case 255: return "PVALIDATE no update (page already in that state)";
	}
	return NULL;
}

static const char *tdx_status_name(u64 s)
{
	switch (s >> 32) {
	case 0xC0000B0B: return "TDX_PAGE_SIZE_MISMATCH";
	case 0x00000B0A: return "TDX_PAGE_ALREADY_ACCEPTED";
	case 0x80000200: return "TDX_OPERAND_BUSY";
	case 0xC0000100: return "TDX_OPERAND_INVALID";
	}
	return NULL;
}

/*
 * A name for the platform's status where it is unambiguous: which
 * instruction or hypercall failed depends on the isolation type and on
 * the operation.
 */
static const char *status_name(u64 s, enum op_kind op)
{
	switch (dev_info.isolation) {
	case CVM_VTLMEM_ISOLATION_SNP:
		/* Visibility mixes PVALIDATE and the hypercall: no guess. */
		return op == OP_VISIBILITY ? NULL : snp_status_name(s, op);
	case CVM_VTLMEM_ISOLATION_TDX:
		return s >> 32 ? tdx_status_name(s) :
		       op == OP_VISIBILITY ? hv_status_name(s) : NULL;
	default:
		return hv_status_name(s);
	}
}

/* ", platform status 0x5 (HV_STATUS_INVALID_PARAMETER)" */
const char *status_str(char *buf, size_t len, u64 s, enum op_kind op)
{
	const char *name = status_name(s, op);

	if (!s)
		snprintf(buf, len, ", no platform status (refused before any call)");
	else
		snprintf(buf, len, ", platform status %#llx%s%s%s", s, name ? " (" : "",
			 name ? name : "", name ? ")" : "");
	return buf;
}

#define STATUS_STR(s, op)	status_str((char[96]){ 0 }, 96, (s), (op))

/*
 * Operations shared by the commands and by boot. Each prints its own error
 * naming the span, the failing page and the platform status.
 */

/*
 * QUERY @npages pages from @gpa (inside one range) into @states, in calls
 * of at most CVM_VTLMEM_QUERY_MAX_PAGES. Returns 0 or the errno.
 */
int query_pages(u64 gpa, u64 npages, __u16 *states)
{
	return -cvm_query_all(dev(), gpa, npages, states);
}

/* Pages of [@gpa, +@npages) in @state (CVM_VTLMEM_PAGE_*); 0 if unknown. */
u64 pages_in(u64 gpa, u64 npages, unsigned int state)
{
	__u16 *s = calloc(npages, sizeof(*s));
	u64 i, n = 0;

	if (!s || query_pages(gpa, npages, s)) {
		free(s);
		return 0;
	}
	for (i = 0; i < npages; i++)
		n += (s[i] & CVM_VTLMEM_PAGE_STATE_MASK) == state;
	free(s);
	return n;
}

u64 pages_not_in(u64 gpa, u64 npages, unsigned int state)
{
	return npages - pages_in(gpa, npages, state);
}

/* Say why ACCEPT of [@a->gpa, +@a->length) failed with @err. */
int accept_error(const struct cvm_vtlmem_accept *a, int err, const char *what)
{
	u64 end = a->gpa + a->length - 1;

	if (err == EIO || err == EPROTO || err == ETIMEDOUT || err == EINTR)
		return error("accept %s %#llx-%#llx: failed at GPA %#llx%s: %s; this call "
			     "accepted %llu pages (%s)%s", what, (u64)a->gpa, end,
			     (u64)a->fail_gpa, STATUS_STR(a->fail_status, OP_ACCEPT),
			     strerror(err), (u64)a->accepted, SIZE_STR(a->accepted * SZ_4K),
			     err == EPROTO ? " (the hypervisor contradicted itself or the "
			     "paravisor's records)" : "");
	return error("accept %s %#llx-%#llx: ACCEPT %s%s", what, (u64)a->gpa, end,
		     ioctl_err(err),
		     err == ENOENT ? " (no single registered range holds the span)" :
		     err == EINVAL ? " (unaligned, bad flags, or not a private range)" : "");
}

int do_accept(u64 gpa, u64 len, __u32 flags, const char *what, double *secs,
	      u64 *accepted)
{
	struct cvm_vtlmem_accept a = {
		.size = sizeof(a), .flags = flags, .gpa = gpa, .length = len,
	};
	char label[64];
	int err;

	snprintf(label, sizeof(label), "accept %#llx %s", gpa, SIZE_STR(len));
	err = run_one(CVM_VTLMEM_IOC_ACCEPT, &a, label, PROG_ACCEPTED, range_gpa_of(gpa),
		      pages_in(gpa, len / SZ_4K, CVM_VTLMEM_PAGE_UNACCEPTED), secs);
	if (accepted)
		*accepted = a.accepted;
	return err ? accept_error(&a, err, what) : 0;
}

/*
 * SET_VISIBILITY on the span [@gpa, +@len) or, with @gpns, on @count
 * pages. Returns 0 or EXIT_FAIL after saying why.
 */
int do_visibility(bool shared, u64 gpa, u64 len, const u64 *gpns, unsigned int count,
		  const char *what, double *secs, u64 *processed)
{
	struct cvm_vtlmem_visibility v = {
		.size = sizeof(v),
		.visibility = shared ? CVM_VTLMEM_VISIBILITY_SHARED : CVM_VTLMEM_VISIBILITY_PRIVATE,
	};
	const char *verb = shared ? "share" : "unshare";
	enum progress_kind kind = PROG_NONE;
	char label[96], span[64];
	u64 total = 0, bad;
	int err;

	if (gpns) {
		v.flags = CVM_VTLMEM_VISIBILITY_GPN_LIST;
		v.count = count;
		v.gpns = (uintptr_t)gpns;
		snprintf(span, sizeof(span), "%u pages from GPN list (first GPA %#llx)", count,
			 gpns[0] * SZ_4K);
	} else {
		v.gpa = gpa;
		v.length = len;
		kind = shared ? PROG_SHARED : PROG_UNSHARED;
		total = pages_not_in(gpa, len / SZ_4K, shared ? CVM_VTLMEM_PAGE_SHARED :
				     CVM_VTLMEM_PAGE_PRIVATE);
		snprintf(span, sizeof(span), "%#llx-%#llx", gpa, gpa + len - 1);
	}
	snprintf(label, sizeof(label), "%s %s", verb, gpns ? "GPN list" : span);
	err = run_one(CVM_VTLMEM_IOC_SET_VISIBILITY, &v, label, kind, gpns ? 0 : range_gpa_of(gpa),
		      total, secs);
	if (processed)
		*processed = v.processed;
	if (!err)
		return 0;
	/* Refused as a whole, before any page was looked at. */
	if (err == ENOTTY || err == EFAULT || err == E2BIG || err == EOPNOTSUPP ||
	    err == EINVAL || err == EOVERFLOW || err == ENOMEM)
		return error("%s %s %s: SET_VISIBILITY %s%s", verb, what, span, ioctl_err(err),
			     err == EOPNOTSUPP ? " (a non-isolated partition has no host "
			     "visibility)" : err == EINVAL ? " (alignment, length or flags)" : "");
	bad = gpns ? (v.fail_index < count ? gpns[v.fail_index] * SZ_4K : 0) :
	      gpa + v.fail_index * SZ_4K;
	return error("%s %s %s: failed at GPA %#llx%s: %s; %llu pages are %s%s", verb, what, span,
		     bad, STATUS_STR(v.fail_status, OP_VISIBILITY), strerror(err), v.processed,
		     shared ? "shared" : "private",
		     err == ENOENT ? " (a page outside every registered range)" :
		     err == EPERM && shared ? " (the page is not accepted, or quarantined; "
		     "nothing changed)" :
		     err == EPERM ? " (the page is quarantined; nothing changed)" : "");
}

int do_protect(u64 gpa, u64 len, unsigned int vtl, unsigned int rights,
	       const char *what, double *secs)
{
	struct cvm_vtlmem_protect p = {
		.size = sizeof(p), .gpa = gpa, .length = len, .target_vtl = vtl, .rights = rights,
	};
	char label[64];
	int err;

	snprintf(label, sizeof(label), "protect %#llx %s", gpa, SIZE_STR(len));
	err = run_one(CVM_VTLMEM_IOC_PROTECT, &p, label, PROG_NONE, 0, 0, secs);
	if (!err)
		return 0;
	if (err == ENOTTY || err == EFAULT || err == E2BIG || (err == EINVAL && !p.fail_gpa))
		return error("protect %s %#llx-%#llx (VTL%u): PROTECT %s%s", what, gpa,
			     gpa + len - 1, vtl, ioctl_err(err),
			     err == EINVAL ? " (target VTL, rights, alignment, or pages not "
			     "accepted)" : "");
	return error("protect %s %#llx-%#llx (VTL%u): failed at GPA %#llx%s: %s; this call "
		     "changed %llu pages", what, gpa, gpa + len - 1, vtl, p.fail_gpa,
		     STATUS_STR(p.fail_status, OP_PROTECT), strerror(err), p.done);
}

/* PROTECT_VTL2 on [@gpa, +@len), or (both 0) all of this kernel's RAM. */
int do_protect_vtl2(u64 gpa, u64 len, double *secs, u64 *done)
{
	struct cvm_vtlmem_protect_vtl2 p = { .size = sizeof(p), .gpa = gpa, .length = len };
	char what[80];
	int err;

	if (len)
		snprintf(what, sizeof(what), "VTL2 RAM %#llx-%#llx", gpa, gpa + len - 1);
	else
		snprintf(what, sizeof(what), "VTL2 RAM (all System RAM)");
	err = run_one(CVM_VTLMEM_IOC_PROTECT_VTL2, &p, what, PROG_NONE, 0, 0, secs);
	if (done)
		*done = p.done;
	if (!err)
		return 0;
	if (err == EIO || err == EPROTO || err == ETIMEDOUT || err == EINTR)
		return error("protect %s: failed at GPA %#llx%s: %s; %llu pages are protected",
			     what, p.fail_gpa, STATUS_STR(p.fail_status, OP_PROTECT),
			     strerror(err), p.done);
	return error("protect %s: PROTECT_VTL2 %s%s", what, ioctl_err(err),
		     err == EOPNOTSUPP || err == EPERM ?
		     " (only on a non-isolated partition)" :
		     err == EINVAL ? " (not this kernel's RAM, or unaligned)" : "");
}

const char *rights_str(char *buf, unsigned int r)
{
	buf[0] = r & CVM_VTLMEM_RIGHT_READ ? 'r' : '-';
	buf[1] = r & CVM_VTLMEM_RIGHT_WRITE ? 'w' : '-';
	buf[2] = r & CVM_VTLMEM_RIGHT_KERNEL_EXEC ? 'x' : '-';
	buf[3] = r & CVM_VTLMEM_RIGHT_USER_EXEC ? 'X' : '-';
	buf[4] = '\0';
	return buf;
}

const char *const page_state_names[] = {
	[CVM_VTLMEM_PAGE_UNACCEPTED] = "unaccepted",
	[CVM_VTLMEM_PAGE_PRIVATE] = "private",
	[CVM_VTLMEM_PAGE_SHARED] = "shared",
	[CVM_VTLMEM_PAGE_QUARANTINED] = "quarantined",
};

static const char *add_range_hint(int err)
{
	switch (err) {
	case EINVAL: return " (alignment: 4 KiB, 2 MiB with --struct-pages; flags; or "
			    "lazy with accepted or on a shared pool)";
	case EOVERFLOW: return " (the range wraps)";
	case ERANGE: return " (beyond the CPU's physical address width)";
	case ENODEV: return " (NUMA node not online)";
	case EBUSY: return " (intersects this kernel's own RAM)";
	case ENXIO: return " (outside the RAM the hypervisor describes for the partition)";
	case EEXIST: return " (overlaps a registered range)";
	}
	return "";
}

int do_add(u64 gpa, u64 len, __u32 kind, __u32 flags, int node, const char *what)
{
	int err = -cvm_add_range_node(dev(), gpa, len, kind, flags, node);

	if (err)
		return error("register %s %#llx-%#llx (%s): ADD_RANGE %s%s", what, gpa,
			     gpa + len - 1, SIZE_STR(len), ioctl_err(err), add_range_hint(err));
	return 0;
}
