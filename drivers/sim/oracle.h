/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated hypervisor's test oracles as the rest of the module calls
 * them: what the simulation can tell that real hardware cannot. Empty
 * inline functions in production builds (CVM_VTLMEM_SIM=n).
 */
#ifndef CVM_VTLMEM_SIM_ORACLE_H
#define CVM_VTLMEM_SIM_ORACLE_H

#include <linux/types.h>

struct seq_file;

#ifdef CVM_VTLMEM_SIM
void cvm_sim_oracle_map(u64 gpn, u64 npages, bool shared);
void cvm_sim_oracle_stats(struct seq_file *m);
#else
static inline void cvm_sim_oracle_map(u64 gpn, u64 npages, bool shared)
{
}

static inline void cvm_sim_oracle_stats(struct seq_file *m)
{
}
#endif

#endif /* CVM_VTLMEM_SIM_ORACLE_H */
