# SPDX-License-Identifier: GPL-2.0
#
# cvm_vtlmem: out-of-tree module, its tools and its test rig.
#
#   make                 module (against KDIR) + user-space tools; the
#                        production build, without the simulated hypervisor
#   make KDIR=/path      build against another kernel tree
#   make install         the module (modules_install + depmod), cvm-vtlmemctl
#                        and its manual (tools/Makefile: PREFIX, DESTDIR)
#   make CVM_VTLMEM_SIM=y  with the simulated hypervisor (backend=sim), its
#                        fault injection and test oracles: for testing only
#   make check           full test rig: Debian 6.12 + 6.1 + debug kernel + newest
#                        stable + VTL2 configuration + a fresh Debian 12 root
#   make demo            boot a VM and run the paravisor boot flow

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PWD := $(shell pwd)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(PWD) modules

sparse:
	$(MAKE) -C $(KDIR) M=$(PWD) C=2 CHECK=sparse W=1 modules

# User space is tools/Makefile's: cvm-vtlmemctl and cvm-bench here, the
# selftests (which need a kernel tree's kselftest, KSFT_DIR) on their own.
tools:
	$(MAKE) -C tools progs

selftests:
	$(MAKE) -C tools selftests

tools-install:
	$(MAKE) -C tools install

install: module tools-install
	$(MAKE) -C $(KDIR) M=$(PWD) modules_install
	depmod -a $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)

dkms-install:
	rm -rf /usr/src/cvm_vtlmem-$(VERSION)
	mkdir -p /usr/src/cvm_vtlmem-$(VERSION)
	cp -r Kbuild Makefile dkms.conf drivers include /usr/src/cvm_vtlmem-$(VERSION)/
	-dkms remove -m cvm_vtlmem -v $(VERSION) --all 2>/dev/null
	dkms add -m cvm_vtlmem -v $(VERSION)
	dkms build -m cvm_vtlmem -v $(VERSION) -k $(KVER)
	dkms install -m cvm_vtlmem -v $(VERSION) -k $(KVER)

style:
	tools/testing/style.sh

check:
	tools/testing/check.sh

check-debug:
	tools/testing/check.sh --debug-only

demo:
	tools/testing/demo.sh

bench:
	tools/testing/bench.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null
	rm -f *.o *.ko *.mod *.mod.c *.mod.o modules.order Module.symvers .*.cmd
	rm -f drivers/*.o drivers/.*.cmd drivers/sim/*.o drivers/sim/.*.cmd
	$(MAKE) -C tools clean

.PHONY: all module sparse tools selftests tools-install install dkms-install style check check-debug demo bench clean
