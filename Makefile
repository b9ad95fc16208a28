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
RUN_SRCS := $(filter-out userspace/hcvm_stat.c,$(wildcard userspace/*.c))
RUN_HDRS := $(wildcard userspace/*.h)
# Its unit tests (selftests/unit/run_*_test.c): its pure pieces, with sanitizers, no kernel shim.
RUN_UNIT_TESTS := $(patsubst %.c,%,$(wildcard selftests/unit/run_*_test.c))
RUN_UNIT_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -I$(KSELFTEST) -Iuserspace -Iuapi \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Freestanding ELF guests that hcvm-run boots (selftests/linux/), linked at 1 MiB, above
# hcvm-run's boot area. The 64-bit one takes interrupts on its own stack (no red zone) and
# saves no SSE state in its handler (general registers only).
ELF_GUESTS := selftests/linux/virtio_guest.elf selftests/linux/elf32_guest.elf
ELF_GUEST_FLAGS := -O2 $(WARN) -ffreestanding -fno-pic -fno-stack-protector -nostdlib -static \
	-no-pie -Wl,-Ttext=0x100000 -Wl,--build-id=none
# Linux boot time and memory next to kvm_intel: run by make bench after bench.
BENCH := selftests/bench/bench selftests/bench/boot_bench

.PHONY: all module selftests unit compat-check checkpatch check run bench fuzz clean help

all: module selftests userspace/hcvm-run userspace/hcvm-stat

userspace/hcvm-run: $(RUN_SRCS) $(RUN_HDRS)
	$(CC) $(RUN_CFLAGS) -o $@ $(RUN_SRCS) -lelf -lpthread

# kvm_stat for hcvm: exits per second by reason, from hcvm's debugfs.
userspace/hcvm-stat: userspace/hcvm_stat.c
	$(CC) $(RUN_CFLAGS) -static -o $@ $<

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KCFLAGS=-Werror modules

selftests: $(NESTED_TESTS) $(UNIT_TESTS) $(RUN_UNIT_TESTS) $(BENCH) $(ELF_GUESTS)

$(NESTED_TESTS) $(BENCH): %: %.c $(SELFTEST_LIB) $(wildcard selftests/lib/*.h)
	$(CC) $(NESTED_CFLAGS) -o $@ $< $(SELFTEST_LIB) -lpthread

selftests/linux/virtio_guest.elf: selftests/linux/virtio_guest.c
	$(CC) -std=gnu11 -mno-red-zone -mgeneral-regs-only $(ELF_GUEST_FLAGS) -o $@ $<
selftests/linux/elf32_guest.elf: selftests/linux/elf32_guest.S
	$(CC) -m32 $(ELF_GUEST_FLAGS) -o $@ $<

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
selftests/unit/run_virtio_test: userspace/virtio_mmio.c userspace/virtqueue.c \
	userspace/virtio_blk.c userspace/virtio_console.c userspace/virtio_rng.c userspace/util.c
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

# The test bed with hcvm loaded, then two Linux VMs at once under hcvm-run, their consoles
# interleaved line by line as [a] and [b]. selftests/linux/stage puts the guest kernel,
# initramfs, hcvm-run and two ext2 disks next to the command.
RUN_VMS := ./hcvm-run --vm a -c 2 -m 128 -k bzImage -i initrd.cpio --disk disk-a.img -a hostname=vm-a \
	--vm b -c 1 -m 128 -k bzImage -i initrd.cpio --disk disk-b.img -a hostname=vm-b
run:
	selftests/nested/run --add selftests/linux --cmd 'modprobe hcvm && cat /sys/kernel/debug/hcvm/cpus && grep -E "^(revision_id|ept|vpid|unrestricted_guest|posted_interrupts|virtual_intr_delivery): " /sys/kernel/debug/hcvm/caps && ls -l /dev/hcvm && $(RUN_VMS)'

# hcvm and kvm_intel side by side in one boot of the test bed: exit costs (bench), then Linux
# boot time and memory (boot_bench, with the guest files from selftests/bench/stage).
bench:
	selftests/nested/run --timeout 1800 --add selftests/bench --cmd './bench && ./boot_bench'

# The fuzz suite alone, on the KASAN variant of the test kernel, for MINUTES minutes (its
# budget, HCVM_FUZZ_SECONDS, in the machine's time); HCVM_FUZZ_SEED, when set, is passed on to
# replay a run. The boot's limit (wall clock): the budget times FUZZ_SLOWDOWN (under Bochs a
# second of the KASAN machine's time took 2.6 s in a short run, 4.5 s in a 30-minute one whose
# fuzzer had built up many VMs, so MINUTES=30 needs about 2.5 hours) plus FUZZ_MARGIN seconds for its boot
# and the end-of-run checks (kmemleak scans, dmesg): 760 s measured with an empty command.
MINUTES ?= 30
FUZZ_SLOWDOWN ?= 5
FUZZ_MARGIN ?= 1200
fuzz:
	selftests/nested/run --kernel kasan \
		--timeout $$(($(MINUTES) * 60 * $(FUZZ_SLOWDOWN) + $(FUZZ_MARGIN))) \
		--env HCVM_FUZZ_SECONDS=$$(($(MINUTES) * 60)) \
		$(if $(HCVM_FUZZ_SEED),--env 'HCVM_FUZZ_SEED=$(HCVM_FUZZ_SEED)') fuzz

clean:
	$(if $(wildcard /lib/modules/$(shell uname -r)/build), \
		$(MAKE) -C /lib/modules/$(shell uname -r)/build M=$(CURDIR) clean, \
		rm -rf *.ko *.mod *.mod.c *.o */*.o .*.cmd */.*.cmd Module.symvers modules.order)
	rm -f $(NESTED_TESTS) $(UNIT_TESTS) $(RUN_UNIT_TESTS) $(BENCH) $(ELF_GUESTS) userspace/hcvm-run \
		userspace/hcvm-stat

help:
	@echo "make            build hcvm.ko (KDIR=...), hcvm-run and the selftests"
	@echo "make check      install what is missing, run unit tests, compat and style checks, nested suites"
	@echo "make run        boot the nested test bed, load hcvm, show its per-CPU VMX state, then"
	@echo "                boot two Linux VMs side by side with hcvm-run"
	@echo "make bench      exit costs, VM creation, Linux boot time and memory, hcvm next to"
	@echo "                kvm_intel, in the test bed"
	@echo "make fuzz [MINUTES=30] [HCVM_FUZZ_SEED=N]"
	@echo "                the fuzz suite alone for MINUTES minutes, on the KASAN test kernel"
	@echo "make unit | compat-check | checkpatch   one stage of make check"
