// SPDX-License-Identifier: GPL-2.0
/* hcvm-run: a VM through the KVM API: creation, memory, interrupt controllers, vCPUs, run loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "boot.h"
#include "mptable.h"
#include "vm.h"

#define TSS_ADDR	0xfffbd000	/* 3 pages KVM wants for real mode on older CPUs: in the hole */
#define KICK_SIGNAL	SIGUSR1		/* its handler does nothing: it only interrupts KVM_RUN */
#define CMDLINE_BASE	"console=ttyS0 reboot=k panic=-1"

static int open_dev(const char *dev, char *err)
{
	int fd = open(dev, O_RDWR | O_CLOEXEC), version;

	if (fd < 0) {
		if (errno == ENOENT)
			return errorf(err, "%s: %s (load the module: modprobe hcvm)", dev,
				      strerror(errno));
		if (errno == EACCES || errno == EPERM)
			return errorf(err, "%s: %s (add yourself to the group given to hcvm.ko's "
				      "group= parameter, or run as root)", dev, strerror(errno));
		return errorf(err, "%s: %s", dev, strerror(errno));
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		errorf(err, "%s: KVM API version %d, hcvm-run speaks %d", dev, version,
		       KVM_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

static int setup_memory(struct vm *vm, char *err)
{
	struct guest_ram *ram = &vm->ram;
	struct kvm_userspace_memory_region r = { 0 };

	ram->size = vm->cfg->mem;
	ram->low = ram->size < RAM_HOLE_START ? ram->size : RAM_HOLE_START;
	/* NORESERVE: guest RAM is committed as the guest touches it, not up front. */
	ram->hva = mmap(NULL, ram->size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram->hva == MAP_FAILED) {
		ram->hva = NULL;
		return errorf(err, "%llu MiB of guest RAM: mmap: %s",
			      (unsigned long long)(ram->size >> 20), strerror(errno));
	}
	r.slot = 0;
	r.memory_size = ram->low;
	r.userspace_addr = (uintptr_t)ram->hva;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return errorf(err, "KVM_SET_USER_MEMORY_REGION (RAM below 3 GiB): %s",
			      strerror(errno));
	if (ram->size > ram->low) {
		r.slot = 1;
		r.guest_phys_addr = RAM_HIGH_START;
		r.memory_size = ram->size - ram->low;
		r.userspace_addr = (uintptr_t)(ram->hva + ram->low);
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
			return errorf(err, "KVM_SET_USER_MEMORY_REGION (RAM above 4 GiB): %s",
				      strerror(errno));
	}
	return 0;
}

/* PIC, IOAPIC and local APICs, then the PIT, in the kernel; default GSI routing (GSI n is
 * IOAPIC pin n and, below 16, PIC pin n), which is what the MP table tells the guest. */
static int setup_irqchip(struct vm *vm, char *err)
{
	struct kvm_pit_config pit = { .flags = 0 };

	if (ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		return errorf(err, "KVM_CREATE_IRQCHIP: %s (hcvm-run needs the in-kernel interrupt "
			      "controllers)", strerror(errno));
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit))
		return errorf(err, "KVM_CREATE_PIT2: %s", strerror(errno));
	return 0;
}

static int vio_present(const struct vm_config *cfg, int slot)
{
	return slot != VIO_BLK || cfg->disk;
}

/* Linux finds the virtio-mmio devices on its command line (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES):
 * virtio_mmio.device=<size>@<base>:<irq> each. */
static void virtio_cmdline(const struct vm_config *cfg, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < VIO_SLOTS; i++)
		if (vio_present(cfg, i) && n < len)
			n += snprintf(buf + n, len - n, " virtio_mmio.device=%#x@%#llx:%d",
				      VIRTIO_MMIO_SIZE, VIRTIO_BASE + i * VIRTIO_MMIO_SIZE,
				      VIRTIO_GSI + i);
}

/* Load the kernel (bzImage or ELF, by magic) and the initrd; describe the boot vCPU. */
static int load_kernel(struct vm *vm, struct boot_cpu *cpu, char *err)
{
	const struct vm_config *cfg = vm->cfg;
	uint8_t *img = NULL, *initrd = NULL;
	size_t size, initrd_size = 0;
	char *cmdline = NULL, vio[256];
	int ret = -1;

	if (read_file(cfg->kernel, cfg->mem, &img, &size, err))
		return -1;
	if (kernel_is_bzimage(img, size)) {
		struct linux_boot lb = { img, size, NULL, 0, NULL };

		if (cfg->initrd && read_file(cfg->initrd, cfg->mem, &initrd, &initrd_size, err))
			goto out;
		virtio_cmdline(cfg, vio, sizeof(vio));
		if (asprintf(&cmdline, "%s%s%s%s", CMDLINE_BASE, vio, cfg->append ? " " : "",
			     cfg->append ? cfg->append : "") < 0) {
			cmdline = NULL;
			errorf(err, "out of memory");
			goto out;
		}
		lb.initrd = initrd;
		lb.initrd_size = initrd_size;
		lb.cmdline = cmdline;
		if (linux_load(&vm->ram, &lb, cpu, err)) {
			/* Say which file: the loader speaks of the image only. */
			char msg[ERR_LEN];

			snprintf(msg, sizeof(msg), "%s", err);
			errorf(err, "%s: %s", cfg->kernel, msg);
			goto out;
		}
	} else if (kernel_is_elf(img, size)) {
		if (cfg->initrd || cfg->append) {
			errorf(err, "%s: --initrd and --append are for Linux bzImages, this is ELF",
			       cfg->kernel);
			goto out;
		}
		if (elf_load(&vm->ram, img, size, cfg->kernel, cpu, err))
			goto out;
	} else {
		errorf(err, "%s: neither a Linux bzImage (no \"HdrS\" at 0x202) nor an ELF image",
		       cfg->kernel);
		goto out;
	}
	ret = 0;
out:
	free(cmdline);
	free(initrd);
	free(img);
	return ret;
}

/* The hypervisor's CPUID, with each vCPU's APIC id where the guest reads its topology. */
static int set_cpuid(struct vm *vm, struct vcpu *v, char *err)
{
	int nent = 128;
	struct kvm_cpuid2 *c;

	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return errorf(err, "out of memory");
		c->nent = nent;
		if (!ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c))
			break;
		free(c);
		if (errno != E2BIG || nent >= 4096)
			return errorf(err, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		nent *= 2;
	}
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 1)
			e->ebx = (e->ebx & 0x00ffffff) | (uint32_t)v->id << 24;
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->id;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, c)) {
		free(c);
		return errorf(err, "vCPU %d: KVM_SET_CPUID2: %s", v->id, strerror(errno));
	}
	free(c);
	return 0;
}

static struct kvm_segment flat_segment(uint16_t sel, int code, int l)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = code ? 0xb : 0x3,
		.present = 1, .s = 1, .g = 1, .l = l, .db = !l,
	};
}

/* The boot vCPU straight into protected or long mode at the loader's entry point. */
static int set_boot_state(struct vcpu *v, const struct boot_cpu *cpu, char *err)
{
	struct kvm_sregs s;
	struct kvm_regs r = { .rip = cpu->rip, .rsp = cpu->rsp, .rsi = cpu->rsi, .rflags = 2 };
	int long_mode = cpu->mode == BOOT_MODE_64;

	if (ioctl(v->fd, KVM_GET_SREGS, &s))
		return errorf(err, "KVM_GET_SREGS: %s", strerror(errno));
	s.cs = long_mode ? flat_segment(SEL_CODE64, 1, 1) : flat_segment(SEL_CODE32, 1, 0);
	s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(SEL_DATA, 0, 0);
	s.gdt.base = BOOT_GDT;
	s.gdt.limit = 5 * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = 0x31;			/* PE, ET, NE */
	s.cr4 = 0;
	s.efer = 0;
	if (long_mode) {
		s.cr0 |= 0x80000000;	/* PG */
		s.cr3 = cpu->cr3;
		s.cr4 = 0x20;		/* PAE */
		s.efer = 0x500;		/* LME, LMA */
	}
	if (ioctl(v->fd, KVM_SET_SREGS, &s))
		return errorf(err, "KVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(v->fd, KVM_SET_REGS, &r))
		return errorf(err, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

static int create_vcpus(struct vm *vm, const struct boot_cpu *cpu, char *err)
{
	for (int i = 0; i < vm->cfg->cpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			return errorf(err, "KVM_CREATE_VCPU %d: %s", i, strerror(errno));
		vm->nr_vcpus++;
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return errorf(err, "vCPU %d: mmap kvm_run: %s", i, strerror(errno));
		}
		if (set_cpuid(vm, v, err))
			return -1;
		/* The others wait for the boot vCPU's INIT/SIPI in the in-kernel local APIC. */
		if (i == 0 && set_boot_state(v, cpu, err))
			return -1;
	}
	return 0;
}

/* Device callbacks: all run under dev_lock. */
static void serial_tx(void *ctx, uint8_t byte)
{
	console_putc(&((struct vm *)ctx)->con, byte);
}

static void serial_irq(void *ctx, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level irq = { .irq = SERIAL_IRQ, .level = level };

	ioctl(vm->fd, KVM_IRQ_LINE, &irq);
}

static void kbd_reset(void *ctx)
{
	vm_end(ctx, VM_REBOOT, 0, "reboot (the guest reset the machine)");
}

static void debug_exit(void *ctx, uint32_t value)
{
	vm_end(ctx, VM_DEBUG_EXIT, value, "debug-exit %u", value);
}

static void vcon_out(void *ctx, const uint8_t *buf, size_t len)
{
	struct vm *vm = ctx;

	for (size_t i = 0; i < len; i++)
		console_putc(&vm->con, buf[i]);	/* the UART's sink: hvc0 and ttyS0 mix there */
}

static void virtio_irq(void *ctx)
{
	struct vm_virtio *v = ctx;
	uint64_t one = 1;

	(void)!write(v->irq_fd, &one, 8);	/* the irqfd pulses the GSI: an edge */
}

/* The devices, their windows on the MMIO bus, an ioeventfd on each QueueNotify (one per device,
 * no data match: a notification serves all its queues) and an irqfd on each GSI. */
static int setup_virtio(struct vm *vm, char *err)
{
	if (vm->cfg->disk) {
		if (virtio_blk_init(&vm->blk, vm->cfg->disk, &vm->ram, virtio_irq,
				    &vm->vio[VIO_BLK], err))
			return -1;
		vm->vio[VIO_BLK].t = &vm->blk.t;
	}
	virtio_console_init(&vm->vcon, &vm->ram, virtio_irq, &vm->vio[VIO_CONSOLE], vcon_out, vm);
	vm->vio[VIO_CONSOLE].t = &vm->vcon.t;
	virtio_rng_init(&vm->rng, &vm->ram, virtio_irq, &vm->vio[VIO_RNG]);
	vm->vio[VIO_RNG].t = &vm->rng.t;

	for (int i = 0; i < VIO_SLOTS; i++) {
		struct vm_virtio *v = &vm->vio[i];
		uint64_t base = VIRTIO_BASE + i * VIRTIO_MMIO_SIZE;
		struct kvm_ioeventfd ioev = { .addr = base + VIRTIO_MMIO_QUEUE_NOTIFY, .len = 4 };
		struct kvm_irqfd irqfd = { .gsi = VIRTIO_GSI + i };

		if (!v->t)
			continue;
		v->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		v->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->notify_fd < 0 || v->irq_fd < 0)
			return errorf(err, "eventfd: %s", strerror(errno));
		ioev.fd = v->notify_fd;
		irqfd.fd = v->irq_fd;
		if (ioctl(vm->fd, KVM_IOEVENTFD, &ioev))
			return errorf(err, "KVM_IOEVENTFD: %s", strerror(errno));
		if (ioctl(vm->fd, KVM_IRQFD, &irqfd))
			return errorf(err, "KVM_IRQFD: %s", strerror(errno));
		if (bus_add(&vm->mmio, base, VIRTIO_MMIO_SIZE, virtio_mmio_io, v->t))
			return errorf(err, "virtio-mmio windows overlap");
	}
	return 0;
}

static int setup_devices(struct vm *vm, char *err)
{
	serial_init(&vm->serial, serial_tx, serial_irq, vm);
	i8042_init(&vm->kbd, kbd_reset, vm);
	rtc_init(&vm->rtc);
	vm->dbg = (struct debug_exit){ debug_exit, vm };
	if (bus_add(&vm->pio, SERIAL_COM1, 8, serial_io, &vm->serial) ||
	    bus_add(&vm->pio, I8042_DATA, 1, i8042_io, &vm->kbd) ||
	    bus_add(&vm->pio, I8042_CMD, 1, i8042_io, &vm->kbd) ||
	    bus_add(&vm->pio, RTC_INDEX, 2, rtc_io, &vm->rtc) ||
	    bus_add(&vm->pio, DEBUG_EXIT_PORT, 1, debug_exit_io, &vm->dbg))
		return errorf(err, "device ports overlap");
	if (setup_virtio(vm, err))
		return -1;
	return console_open(&vm->con, vm->cfg->console, vm->cfg->name, vm->cfg->prefix, err);
}

struct vm *vm_create(const struct vm_config *cfg, const char *dev, int notify_fd, char *err)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct boot_cpu cpu;
	long mp;

	if (!vm) {
		errorf(err, "out of memory");
		return NULL;
	}
	vm->cfg = cfg;
	vm->fd = vm->stop_fd = -1;
	vm->con.fd = -1;
	vm->blk.fd = -1;
	for (int i = 0; i < VIO_SLOTS; i++)
		vm->vio[i].notify_fd = vm->vio[i].irq_fd = -1;
	vm->notify_fd = notify_fd;
	pthread_mutex_init(&vm->dev_lock, NULL);
	pthread_mutex_init(&vm->end_lock, NULL);
	vm->sys_fd = open_dev(dev, err);
	if (vm->sys_fd < 0)
		goto fail;
	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		errorf(err, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		goto fail;
	}
	vm->fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		errorf(err, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, TSS_ADDR)) {
		errorf(err, "KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto fail;
	}
	vm->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->stop_fd < 0) {
		errorf(err, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (setup_memory(vm, err) || setup_irqchip(vm, err) || load_kernel(vm, &cpu, err))
		goto fail;
	mp = mptable_write(ram_ptr(&vm->ram, MPTABLE_BASE, MPTABLE_MAX), MPTABLE_BASE,
			   MPTABLE_MAX, cfg->cpus);
	if (mp < 0) {
		errorf(err, "MP table: does not fit");
		goto fail;
	}
	if (create_vcpus(vm, &cpu, err) || setup_devices(vm, err))
		goto fail;
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}

void vm_end(struct vm *vm, enum vm_end how, uint32_t value, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&vm->end_lock);
	if (vm->end != VM_RUNNING) {
		pthread_mutex_unlock(&vm->end_lock);
		return;
	}
	vm->end = how;
	vm->end_value = value;
	va_start(ap, fmt);
	vsnprintf(vm->end_msg, sizeof(vm->end_msg), fmt, ap);
	va_end(ap);
	atomic_store(&vm->ending, 1);
	/* immediate_exit catches a thread about to enter KVM_RUN, the signal one inside it. */
	for (int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			vm->vcpus[i].run->immediate_exit = 1;
		if (vm->vcpus[i].started)
			pthread_kill(vm->vcpus[i].thread, KICK_SIGNAL);
	}
	/* eventfds: a write fails only on overflow, and one pending wakeup is all it takes. */
	(void)!write(vm->stop_fd, &one, 8);
	(void)!write(vm->notify_fd, &one, 8);
	pthread_mutex_unlock(&vm->end_lock);
}

/* One exit; 0 to run on, -1 when the VM ended. */
static int handle_exit(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO: {
		uint8_t *data = (uint8_t *)run + run->io.data_offset;

		pthread_mutex_lock(&vm->dev_lock);
		for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
			bus_access(&vm->pio, run->io.port, data, run->io.size,
				   run->io.direction == KVM_EXIT_IO_OUT);
		pthread_mutex_unlock(&vm->dev_lock);
		return 0;
	}
	case KVM_EXIT_MMIO:
		pthread_mutex_lock(&vm->dev_lock);
		bus_access(&vm->mmio, run->mmio.phys_addr, run->mmio.data,
			   run->mmio.len > 8 ? 8 : run->mmio.len, run->mmio.is_write);
		pthread_mutex_unlock(&vm->dev_lock);
		return 0;
	case KVM_EXIT_INTR:
		return 0;
	case KVM_EXIT_SHUTDOWN:
		vm_end(vm, VM_TRIPLE_FAULT, 0, "triple fault on vCPU %d", v->id);
		return -1;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_end(vm, VM_REBOOT, 0, "reboot (system event %u on vCPU %d)",
		       run->system_event.type, v->id);
		return -1;
	case KVM_EXIT_HLT:
		vm_end(vm, VM_ERROR, 0, "vCPU %d halted outside the in-kernel local APIC", v->id);
		return -1;
	case KVM_EXIT_FAIL_ENTRY:
		vm_end(vm, VM_ERROR, 0, "vCPU %d: VM entry failed, hardware reason %#llx", v->id,
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return -1;
	case KVM_EXIT_INTERNAL_ERROR: {
		struct kvm_regs r = { 0 };

		ioctl(v->fd, KVM_GET_REGS, &r);
		vm_end(vm, VM_ERROR, 0, "vCPU %d: internal error, suberror %u at rip %#llx "
		       "(data %#llx %#llx %#llx %#llx)", v->id, run->internal.suberror,
		       (unsigned long long)r.rip, (unsigned long long)run->internal.data[0],
		       (unsigned long long)run->internal.data[1],
		       (unsigned long long)run->internal.data[2],
		       (unsigned long long)run->internal.data[3]);
		return -1;
	}
	default:
		vm_end(vm, VM_ERROR, 0, "vCPU %d: unexpected exit reason %u", v->id,
		       run->exit_reason);
		return -1;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (!atomic_load(&vm->ending)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_end(vm, VM_ERROR, 0, "vCPU %d: KVM_RUN: %s", v->id, strerror(errno));
			break;
		}
		if (handle_exit(v))
			break;
	}
	return NULL;
}

/* A virtio device's ioeventfd fired: serve its queues. A guest that keeps them full gets one
 * ring's worth per round; the eventfd is re-armed so the rest waits behind stop_fd. */
static void serve_virtio(struct vm *vm, struct vm_virtio *v)
{
	uint64_t cnt, one = 1;
	int more;

	if (read(v->notify_fd, &cnt, sizeof(cnt)) < 0)
		return;		/* EAGAIN: nothing new */
	pthread_mutex_lock(&vm->dev_lock);
	more = virtio_mmio_notify(v->t);
	pthread_mutex_unlock(&vm->dev_lock);
	if (more)
		(void)!write(v->notify_fd, &one, 8);
}

/* Console input: bytes from input_fd into the UART as its FIFO makes room; virtio queues. */
static void *io_thread(void *arg)
{
	struct vm *vm = arg;
	int in = vm->cfg->input_fd;
	uint8_t buf[64];
	size_t off = 0, len = 0;

	for (;;) {
		struct pollfd p[2 + VIO_SLOTS];
		int waiting = len > off;	/* bytes the FIFO had no room for yet */

		memset(p, 0, sizeof(p));
		p[0] = (struct pollfd){ vm->stop_fd, POLLIN, 0 };
		/* poll skips negative fds: input is not read while the FIFO is full. */
		p[1] = (struct pollfd){ in >= 0 && !waiting ? in : -1, POLLIN, 0 };
		for (int i = 0; i < VIO_SLOTS; i++)
			p[2 + i] = (struct pollfd){ vm->vio[i].notify_fd, POLLIN, 0 };
		if (poll(p, 2 + VIO_SLOTS, waiting ? 10 : -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		for (int i = 0; i < VIO_SLOTS; i++)
			if (p[2 + i].revents)
				serve_virtio(vm, &vm->vio[i]);
		if (!waiting && in >= 0 && p[1].revents) {
			ssize_t n = read(in, buf, sizeof(buf));

			if (n <= 0) {
				if (n < 0 && (errno == EINTR || errno == EAGAIN))
					continue;
				in = -1;	/* end of input: the guest just hears no more */
				continue;
			}
			off = 0;
			len = n;
		}
		if (len > off) {
			pthread_mutex_lock(&vm->dev_lock);
			off += serial_receive(&vm->serial, buf + off, len - off);
			pthread_mutex_unlock(&vm->dev_lock);
		}
	}
	return NULL;
}

int vm_start(struct vm *vm, char *err)
{
	int e;

	pthread_mutex_lock(&vm->end_lock);	/* vm_end sees started threads only */
	for (int i = 0; i < vm->nr_vcpus; i++) {
		e = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (e)
			goto fail;
		vm->vcpus[i].started = 1;
	}
	e = pthread_create(&vm->io_thread, NULL, io_thread, vm);
	if (e)
		goto fail;
	vm->io_started = 1;
	pthread_mutex_unlock(&vm->end_lock);
	return 0;
fail:
	pthread_mutex_unlock(&vm->end_lock);
	errorf(err, "%s: starting threads: %s", vm->cfg->name, strerror(e));
	vm_end(vm, VM_ERROR, 0, "%s", err);
	return -1;
}

void vm_destroy(struct vm *vm)
{
	for (int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->started)
			pthread_join(v->thread, NULL);
		if (v->run)
			munmap(v->run, vm->run_size);
		close(v->fd);
	}
	if (vm->io_started)
		pthread_join(vm->io_thread, NULL);
	if (vm->con.fd >= 0)
		console_close(&vm->con);
	for (int i = 0; i < VIO_SLOTS; i++) {
		if (vm->vio[i].notify_fd >= 0)
			close(vm->vio[i].notify_fd);
		if (vm->vio[i].irq_fd >= 0)
			close(vm->vio[i].irq_fd);
	}
	virtio_blk_close(&vm->blk);
	if (vm->ram.hva)
		munmap(vm->ram.hva, vm->ram.size);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	pthread_mutex_destroy(&vm->dev_lock);
	pthread_mutex_destroy(&vm->end_lock);
	free(vm);
}

int vm_result(const struct vm *vm, char *buf, size_t len)
{
	snprintf(buf, len, "%s", vm->end_msg);
	switch (vm->end) {
	case VM_DEBUG_EXIT:
		return vm->end_value & 0xff;
	case VM_REBOOT:
		return 0;
	case VM_TRIPLE_FAULT:
		return 124;
	case VM_SIGNAL:
		return 128 + vm->end_value;
	case VM_RUNNING:
		snprintf(buf, len, "still running");
		/* fall through */
	case VM_ERROR:
	default:
		return 125;
	}
}
