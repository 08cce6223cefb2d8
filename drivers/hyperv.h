/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVM_VTLMEM_HYPERV_H
#define CVM_VTLMEM_HYPERV_H

#include <linux/cvm_vtlmem.h>

int cvm_hyperv_probe(enum cvm_vtlmem_isolation *isolation);
void cvm_hyperv_release(void);

#endif /* CVM_VTLMEM_HYPERV_H */
