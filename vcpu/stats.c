// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's binary statistics: KVM_GET_STATS_FD on a VM or vCPU fd gives a
 * read-only fd whose contents are, at the offsets the header names,
 *   struct kvm_stats_header
 *   the id string ("kvm-PID" or "kvm-PID/vcpu-ID", NAME_SIZE bytes)
 *   the descriptors (struct kvm_stats_desc, each followed by its name)
 *   the data: u64 values, read live at each read.
 * Tools read the first three once and pread the data as often as they like
 * (kvm_stat, hcvm-stat). A stats fd holds a reference on the VM, so it stays
 * readable after every other fd is closed.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kvm.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "stats.h"
#include "vcpu.h"
#include "vm.h"

#define NAME_SIZE	48	/* KVM_STATS_NAME_SIZE */

struct stat_def {
	const char *name;
	u32 flags;
	s16 exponent;
	u16 size;		/* in u64s */
	u32 offset;		/* in the data block */
	u32 bucket_size;
};

#define COUNTER(st, field, type)						\
	{ #field, (type) | KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10, 0, 1,	\
	  offsetof(st, field), 0 }

static const struct stat_def vcpu_stats[] = {
	COUNTER(struct hcvm_vcpu_stats, exits, KVM_STATS_TYPE_CUMULATIVE),
	COUNTER(struct hcvm_vcpu_stats, halt_wakeups, KVM_STATS_TYPE_CUMULATIVE),
	COUNTER(struct hcvm_vcpu_stats, irq_injections, KVM_STATS_TYPE_CUMULATIVE),
	COUNTER(struct hcvm_vcpu_stats, nmi_injections, KVM_STATS_TYPE_CUMULATIVE),
	{ "guest_cycles", KVM_STATS_TYPE_CUMULATIVE | KVM_STATS_UNIT_CYCLES |
	  KVM_STATS_BASE_POW10, 0, 1, offsetof(struct hcvm_vcpu_stats, guest_cycles), 0 },
	{ "exit_reason", KVM_STATS_TYPE_LINEAR_HIST | KVM_STATS_UNIT_NONE |
	  KVM_STATS_BASE_POW10, 0, HCVM_STATS_EXIT_REASONS,
	  offsetof(struct hcvm_vcpu_stats, exit_reason), 1 },
};

/* The VM's: read from its parts when the fd is read. */
struct hcvm_vm_stats {
	u64 vcpus;
	u64 pages_pinned;
	u64 coalesced_zones;
};

static const struct stat_def vm_stats[] = {
	COUNTER(struct hcvm_vm_stats, vcpus, KVM_STATS_TYPE_INSTANT),
	COUNTER(struct hcvm_vm_stats, pages_pinned, KVM_STATS_TYPE_INSTANT),
	COUNTER(struct hcvm_vm_stats, coalesced_zones, KVM_STATS_TYPE_INSTANT),
};

static struct dentry *vms_dir;	/* debugfs hcvm/vms/: one directory per VM */

struct stats_file {
	struct hcvm_vm *vm;
	struct hcvm_vcpu *vcpu;		/* NULL: the VM's */
	const struct stat_def *defs;
	unsigned int n;
	size_t data_size;
	char id[NAME_SIZE];
};

/*
 * A descriptor and its name, as userspace's <linux/kvm.h> lays them out
 * (a flexible name). The kernel's own header gives name a fixed
 * KVM_STATS_NAME_SIZE under __KERNEL__ (6.12), so sizeof() would count
 * the name twice.
 */
#define DESC_SIZE	(offsetof(struct kvm_stats_desc, name) + NAME_SIZE)

static void vm_snapshot(struct hcvm_vm *vm, struct hcvm_vm_stats *s)
{
	s->vcpus = READ_ONCE(vm->nr_vcpus);
	s->pages_pinned = atomic64_read(&vm->mmu.ept.pinned);
	s->coalesced_zones = READ_ONCE(vm->coalesced.nr_zones);
}

/* The whole file as one buffer: small (a few KiB), built at each read. */
static void *stats_build(const struct stats_file *f, size_t *len)
{
	size_t desc_off = sizeof(struct kvm_stats_header) + NAME_SIZE;
	size_t data_off = desc_off + f->n * DESC_SIZE;
	struct kvm_stats_header *h;
	unsigned int i;
	char *buf;

	*len = data_off + f->data_size;
	buf = kzalloc(*len, GFP_KERNEL);
	if (!buf)
		return NULL;
	h = (void *)buf;
	h->name_size = NAME_SIZE;
	h->num_desc = f->n;
	h->id_offset = sizeof(*h);
	h->desc_offset = desc_off;
	h->data_offset = data_off;
	memcpy(buf + h->id_offset, f->id, NAME_SIZE);
	for (i = 0; i < f->n; i++) {
		struct kvm_stats_desc *d = (void *)(buf + desc_off + i * DESC_SIZE);
		const struct stat_def *s = &f->defs[i];

		d->flags = s->flags;
		d->exponent = s->exponent;
		d->size = s->size;
		d->offset = s->offset;
		d->bucket_size = s->bucket_size;
		strscpy(d->name, s->name, NAME_SIZE);
	}
	if (f->vcpu)
		memcpy(buf + data_off, &f->vcpu->stats, f->data_size);
	else
		vm_snapshot(f->vm, (void *)(buf + data_off));
	return buf;
}

static ssize_t stats_read(struct file *file, char __user *ubuf, size_t size, loff_t *pos)
{
	const struct stats_file *f = file->private_data;
	size_t len;
	ssize_t ret;
	char *buf;

	if (*pos < 0)
		return -EINVAL;
	buf = stats_build(f, &len);
	if (!buf)
		return -ENOMEM;
	ret = 0;
	if (*pos < len) {
		ret = min_t(size_t, size, len - *pos);
		if (copy_to_user(ubuf, buf + *pos, ret))
			ret = -EFAULT;
		else
			*pos += ret;
	}
	kfree(buf);
	return ret;
}

static int stats_release(struct inode *inode, struct file *file)
{
	struct stats_file *f = file->private_data;

	hcvm_vm_put(f->vm);
	kfree(f);
	return 0;
}

static const struct file_operations stats_fops = {
	.owner = THIS_MODULE,
	.read = stats_read,
	.release = stats_release,
	.llseek = noop_llseek,
};

/* What a read of @vcpu's stats (or @vm's, @vcpu NULL) shows; NULL without memory. */
static struct stats_file *stats_file_new(struct hcvm_vm *vm, struct hcvm_vcpu *vcpu)
{
	struct stats_file *f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);

	if (!f)
		return NULL;
	f->vm = vm;
	f->vcpu = vcpu;
	if (vcpu) {
		f->defs = vcpu_stats;
		f->n = ARRAY_SIZE(vcpu_stats);
		f->data_size = sizeof(struct hcvm_vcpu_stats);
		snprintf(f->id, sizeof(f->id), "kvm-%d/vcpu-%u", vm->pid, vcpu->id);
	} else {
		f->defs = vm_stats;
		f->n = ARRAY_SIZE(vm_stats);
		f->data_size = sizeof(struct hcvm_vm_stats);
		snprintf(f->id, sizeof(f->id), "kvm-%d", vm->pid);
	}
	return f;
}

static int stats_fd(struct hcvm_vm *vm, struct hcvm_vcpu *vcpu)
{
	struct stats_file *f = stats_file_new(vm, vcpu);
	struct file *file;
	int fd;

	if (!f)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto out;
	file = anon_inode_getfile(vcpu ? "hcvm-vcpu-stats" : "hcvm-vm-stats", &stats_fops, f,
				  O_RDONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto out;
	}
	file->f_mode |= FMODE_PREAD;	/* tools pread the data block, as from KVM */
	refcount_inc(&vm->users);
	fd_install(fd, file);
	return fd;
out:
	kfree(f);
	return fd;
}

/*
 * The same files in debugfs, for tools outside the VMM's process
 * (hcvm-stat): hcvm/vms/PID-N/stats and hcvm/vms/PID-N/vcpu-ID/stats.
 * i_private is the vCPU or the VM; no reference is taken: the VM removes
 * its directory first thing when it ends, which waits for reads in
 * progress and fails later ones.
 */
static int debugfs_open(struct inode *inode, struct file *file, bool vcpu)
{
	struct hcvm_vcpu *c = vcpu ? inode->i_private : NULL;
	struct hcvm_vm *vm = vcpu ? c->vm : inode->i_private;
	struct stats_file *f = stats_file_new(vm, c);

	if (!f)
		return -ENOMEM;
	file->private_data = f;
	return 0;
}

static int vm_debugfs_open(struct inode *inode, struct file *file)
{
	return debugfs_open(inode, file, false);
}

static int vcpu_debugfs_open(struct inode *inode, struct file *file)
{
	return debugfs_open(inode, file, true);
}

static int debugfs_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static const struct file_operations vm_debugfs_fops = {
	.owner = THIS_MODULE,
	.open = vm_debugfs_open,
	.read = stats_read,
	.release = debugfs_release,
	.llseek = default_llseek,
};

static const struct file_operations vcpu_debugfs_fops = {
	.owner = THIS_MODULE,
	.open = vcpu_debugfs_open,
	.read = stats_read,
	.release = debugfs_release,
	.llseek = default_llseek,
};

void hcvm_stats_debugfs_init(struct dentry *parent)
{
	vms_dir = debugfs_create_dir("vms", parent);
}

void hcvm_stats_vm_added(struct hcvm_vm *vm)
{
	static atomic_t serial = ATOMIC_INIT(0);
	char name[32];

	snprintf(name, sizeof(name), "%d-%d", vm->pid, atomic_inc_return(&serial));
	vm->debugfs = debugfs_create_dir(name, vms_dir);
	debugfs_create_file("stats", 0400, vm->debugfs, vm, &vm_debugfs_fops);
}

void hcvm_stats_vcpu_added(struct hcvm_vcpu *vcpu)
{
	struct dentry *d;
	char name[16];

	snprintf(name, sizeof(name), "vcpu-%u", vcpu->id);
	d = debugfs_create_dir(name, vcpu->vm->debugfs);
	debugfs_create_file("stats", 0400, d, vcpu, &vcpu_debugfs_fops);
}

void hcvm_stats_vm_removed(struct hcvm_vm *vm)
{
	debugfs_remove_recursive(vm->debugfs);
	vm->debugfs = NULL;
}

int hcvm_vm_stats_fd(struct hcvm_vm *vm)
{
	return stats_fd(vm, NULL);
}

int hcvm_vcpu_stats_fd(struct hcvm_vcpu *vcpu)
{
	return stats_fd(vcpu->vm, vcpu);
}
