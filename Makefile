# hcvm: the module, its userspace and its tests. `make help` lists the targets.
#
# KDIR: the kernel tree to build hcvm.ko against. Default: the running
# kernel's; where it has none (as on the machines without VMX that use the
# nested test bed), the test kernel's, built and cached by the test bed.
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(shell selftests/nested/build-kernel)/build)
# The kselftest harness, from Debian's linux-source package (never copied here).
KSELFTEST ?= $(shell selftests/kselftest-dir)

CC ?= gcc
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-clobbered
# Nested selftests run in a busybox initramfs: link them statically.
NESTED_CFLAGS := -std=gnu11 -O2 -g $(WARN) -static -I$(KSELFTEST) -Iuapi
# Host unit tests: pure logic from the module, built with sanitizers.
UNIT_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -I$(KSELFTEST) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-include selftests/unit/kernel_shim.h

SELFTEST_LIB := $(wildcard selftests/lib/*.c)
NESTED_TESTS := $(patsubst %.c,%,$(filter-out selftests/unit/%,$(wildcard selftests/*/*_test.c)))
UNIT_TESTS := $(patsubst %.c,%,$(filter-out selftests/unit/run_%,$(wildcard selftests/unit/*_test.c)))
# hcvm-run (userspace/): plain C11 against <linux/kvm.h>, libelf for ELF guests.
RUN_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g -Iuapi
RUN_SRCS := $(wildcard userspace/*.c)
RUN_HDRS := $(wildcard userspace/*.h)
# Its unit tests (selftests/unit/run_*_test.c): its pure pieces, with sanitizers, no kernel shim.
RUN_UNIT_TESTS := $(patsubst %.c,%,$(wildcard selftests/unit/run_*_test.c))
RUN_UNIT_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -I$(KSELFTEST) -Iuserspace -Iuapi \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all module selftests unit compat-check checkpatch check run bench clean help

all: module selftests userspace/hcvm-run

userspace/hcvm-run: $(RUN_SRCS) $(RUN_HDRS)
	$(CC) $(RUN_CFLAGS) -o $@ $(RUN_SRCS) -lelf -lpthread

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KCFLAGS=-Werror modules

selftests: $(NESTED_TESTS) $(UNIT_TESTS) $(RUN_UNIT_TESTS) selftests/bench/bench

$(NESTED_TESTS) selftests/bench/bench: %: %.c $(SELFTEST_LIB) $(wildcard selftests/lib/*.h)
	$(CC) $(NESTED_CFLAGS) -o $@ $< $(SELFTEST_LIB) -lpthread

selftests/unit/caps_test: vmx/caps.c vmx/caps.h
selftests/unit/memslot_test: ept/memslot.c ept/memslot.h
selftests/unit/decode_test: vcpu/decode.c vcpu/decode.h
selftests/unit/walk_test: vcpu/walk.c vcpu/walk.h
selftests/unit/ioapic_test: devices/ioapic.c devices/ioapic.h devices/irq.h
selftests/unit/pic_test: devices/pic.c devices/pic.h
selftests/unit/pit_test: devices/pit.c devices/pit.h
selftests/unit/msi_test: devices/msi.c devices/msi.h devices/irq.h
$(UNIT_TESTS): %: %.c selftests/unit/kernel_shim.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(filter %.c,$(filter-out $<,$^))

selftests/unit/run_bzimage_test: userspace/boot_linux.c userspace/boot.c userspace/util.c
selftests/unit/run_elf_test: userspace/boot_elf.c userspace/boot.c userspace/util.c
selftests/unit/run_mptable_test: userspace/mptable.c
selftests/unit/run_serial_test: userspace/serial.c
selftests/unit/run_bus_test: userspace/bus.c
$(RUN_UNIT_TESTS): %: %.c $(RUN_HDRS)
	$(CC) $(RUN_UNIT_CFLAGS) -o $@ $< $(filter %.c,$(filter-out $<,$^)) -lelf

unit: $(UNIT_TESTS) $(RUN_UNIT_TESTS)
	@for t in $^; do ./$$t || exit 1; done

compat-check:
	selftests/compat-check

checkpatch:
	selftests/checkpatch

check:
	selftests/check

run:
	selftests/nested/run --cmd 'modprobe hcvm && cat /sys/kernel/debug/hcvm/cpus && grep -E "^(revision_id|ept|vpid|unrestricted_guest|posted_interrupts|virtual_intr_delivery): " /sys/kernel/debug/hcvm/caps && ls -l /dev/hcvm'

# hcvm and kvm_intel side by side in one boot of the test bed.
bench:
	selftests/nested/run --add selftests/bench --cmd ./bench

clean:
	$(if $(wildcard /lib/modules/$(shell uname -r)/build), \
		$(MAKE) -C /lib/modules/$(shell uname -r)/build M=$(CURDIR) clean, \
		rm -rf *.ko *.mod *.mod.c *.o */*.o .*.cmd */.*.cmd Module.symvers modules.order)
	rm -f $(NESTED_TESTS) $(UNIT_TESTS) $(RUN_UNIT_TESTS) selftests/bench/bench userspace/hcvm-run

help:
	@echo "make            build hcvm.ko (KDIR=...), hcvm-run and the selftests"
	@echo "make check      install what is missing, run unit tests, compat and style checks, nested suites"
	@echo "make run        boot the nested test bed, load hcvm and show its per-CPU VMX state"
	@echo "make bench      exit costs and VM creation, hcvm next to kvm_intel, in the test bed"
	@echo "make unit | compat-check | checkpatch   one stage of make check"
