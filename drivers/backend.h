/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypervisor below the module, as one table of operations: the real
 * Hyper-V (main.c) or, only in builds with CVM_VTLMEM_SIM=y, the simulated
 * one (sim/backend.c). main.c picks the table once, by backend=, at load.
 */
#ifndef CVM_VTLMEM_BACKEND_H
#define CVM_VTLMEM_BACKEND_H

#include <linux/types.h>
#include <linux/cvm_vtlmem.h>

struct cvm_transport;
struct dentry;

/**
 * struct cvm_backend - a hypervisor the module can run on
 * @name: the backend= value that selects it, printed when the module loads
 * @id: what GET_INFO reports
 * @probe: find the partition's isolation type (*@type) and the final trap
 *	(*@transport). @isolation is the isolation= parameter: the real
 *	hypervisor ignores it (the partition says), the simulation models
 *	what it names. Runs before the module's debugfs directory exists and
 *	leaves nothing to undo. Returns 0 or a negative errno, logged.
 * @init: bring the backend up, once the module's debugfs directory exists
 *	and before the first call through the trap; NULL: nothing to do
 * @exit: undo @init, after the last call through the trap; NULL: nothing
 * @is_lower_vtl_ram: whether [@gpa, @gpa + @len) is the lower VTLs' RAM,
 *	which ranges may cover
 * @debugfs_dir: the backend's own debugfs directory, under the module's;
 *	NULL: it has none
 * @reset: put the whole partition back in its state at load (the test
 *	rig's fresh start); NULL where that cannot be done (real hardware).
 *	The caller makes sure no range is registered.
 */
struct cvm_backend {
	const char *name;
	enum cvm_vtlmem_backend id;
	int (*probe)(const char *isolation, enum cvm_vtlmem_isolation *type,
		     const struct cvm_transport **transport);
	int (*init)(void);
	void (*exit)(void);
	bool (*is_lower_vtl_ram)(u64 gpa, u64 len);
	struct dentry *(*debugfs_dir)(void);
	void (*reset)(void);
};

#ifdef CVM_VTLMEM_SIM
extern const struct cvm_backend cvm_sim_backend;
#endif

#endif /* CVM_VTLMEM_BACKEND_H */
