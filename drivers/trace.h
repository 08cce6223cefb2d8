/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints: one event per engine chunk (accept, visibility batch,
 * protections), enough to see the work spread over CPUs and its outcome.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cvm_vtlmem

#if !defined(CVM_VTLMEM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CVM_VTLMEM_TRACE_H

#include <linux/tracepoint.h>

/* @op is an enum cvm_stat_op; @first is a GPN or a batch index. */
TRACE_EVENT(cvm_chunk,
	    TP_PROTO(unsigned int op, u64 first, u64 count, u64 done, u64 calls,
		     int err, u64 ns),
	    TP_ARGS(op, first, count, done, calls, err, ns),
	    TP_STRUCT__entry(__field(unsigned int, op)
			     __field(u64, first)
			     __field(u64, count)
			     __field(u64, done)
			     __field(u64, calls)
			     __field(int, err)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->op = op;
			   __entry->first = first;
			   __entry->count = count;
			   __entry->done = done;
			   __entry->calls = calls;
			   __entry->err = err;
			   __entry->ns = ns;),
	    TP_printk("%s first=%#llx count=%llu done=%llu calls=%llu err=%d ns=%llu",
		      __print_symbolic(__entry->op, { 0, "accept" }, { 1, "unaccept" },
				       { 2, "visibility" }, { 3, "rights" }),
		      __entry->first, __entry->count, __entry->done,
		      __entry->calls, __entry->err, __entry->ns)
);

#endif /* CVM_VTLMEM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
