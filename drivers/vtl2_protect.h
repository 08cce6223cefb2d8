/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVM_VTLMEM_VTL2_PROTECT_H
#define CVM_VTLMEM_VTL2_PROTECT_H

/* What PROTECT_VTL2 remembers outlives the calls: freed at unload. */
void cvm_vtl2_protect_exit(void);

#endif /* CVM_VTLMEM_VTL2_PROTECT_H */
