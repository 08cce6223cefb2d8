/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ioctl layer: ioctl.c looks each command up in one table, copies its
 * struct in and out, and calls the handler of the operation.
 */
#ifndef CVM_VTLMEM_IOCTL_H
#define CVM_VTLMEM_IOCTL_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct cvm_file;
struct file;

/**
 * struct cvm_ucmd - one ioctl call, as its handler sees it
 * @file: the open file (its no-wait jobs)
 * @ubuf: the caller's struct
 * @usize: the size the caller declared in it
 * @cmd: the kernel copy of the struct, of the handler's own type
 * @respond: the handler sets it once @cmd holds an answer: the struct is
 *	then written back whatever the handler returns, so that progress is
 *	reported exactly on failure too. Left clear, nothing is written.
 */
struct cvm_ucmd {
	struct cvm_file *file;
	void __user *ubuf;
	u32 usize;
	void *cmd;
	bool respond;
};

long cvm_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

int cvm_ioctl_get_info(struct cvm_ucmd *ucmd);
int cvm_ioctl_add_range(struct cvm_ucmd *ucmd);
int cvm_ioctl_remove_range(struct cvm_ucmd *ucmd);
int cvm_ioctl_list_ranges(struct cvm_ucmd *ucmd);
int cvm_ioctl_query(struct cvm_ucmd *ucmd);
int cvm_ioctl_accept(struct cvm_ucmd *ucmd);
void cvm_ioctl_accept_undeliverable(struct cvm_ucmd *ucmd);
int cvm_ioctl_accept_status(struct cvm_ucmd *ucmd);
void cvm_ioctl_accept_status_delivered(struct cvm_ucmd *ucmd);
void cvm_ioctl_accept_status_undeliverable(struct cvm_ucmd *ucmd);
int cvm_ioctl_set_visibility(struct cvm_ucmd *ucmd);
int cvm_ioctl_protect(struct cvm_ucmd *ucmd);
int cvm_ioctl_protect_vtl2(struct cvm_ucmd *ucmd);

#endif /* CVM_VTLMEM_IOCTL_H */
