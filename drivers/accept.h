/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVM_VTLMEM_ACCEPT_H
#define CVM_VTLMEM_ACCEPT_H

void cvm_accept_init(void);
void cvm_accept_exit(void);

#endif /* CVM_VTLMEM_ACCEPT_H */
