// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// moat sensor: CO-RE eBPF programs. Every record goes to the ring buffer of the CPU it
// was made on (user space merges the rings by timestamp) as a fixed
// header (struct event_hdr, mirrored in src/record.rs) followed by up to three strings and
// one binary blob. Which system calls are recorded, and which of their arguments are
// strings or socket addresses, is decided by user space in the `specs` map, so this file
// knows no syscall semantics. Nothing here blocks or loops unboundedly; every map is bounded.
// Opens can be filtered by path before anything else is read (see path_wanted).

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define MAX_STR 4096
#define MAX_BLOB 4096
#define MAX_SYSCALLS 512
#define OFF_MASK 0x3fff
#define BUF_SIZE (OFF_MASK + 1 + MAX_STR)
#define KEY_MAX 256 // the LPM trie's key size limit
#define TS_COMPAT 0x0002 // thread_info.status: in a 32-bit compat system call (x86)
#define MAX_PATTERNS 4096

// config.filter: F_ON filters opens by path; the others say which tries hold patterns.
enum filter_bits { F_PREFIXES = 1, F_SUFFIXES = 2, F_ON = 4 };

enum kind { K_SYSCALL = 1, K_EXEC = 2, K_FORK = 3, K_EXIT = 4 };

struct event_hdr {
	__u64 ts;
	__u64 cgroup_id;
	__s64 res;
	__u64 args[6];
	__u64 cap_eff;
	__u32 kind;
	__u32 nr;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 loginuid;
	__u32 tty;
	__u16 len[4];
	char comm[16];
	__u16 family;
	__u16 sk_type;
	__u16 proto;
	__u16 lport;
	__u16 rport;
	__u16 pad;
	__u8 laddr[16];
	__u8 raddr[16];
	__u32 pad2;
	// Bit length of the first string including its NUL: with the string right after the
	// header this forms an LPM trie key (struct path_key) in place.
	__u32 keylen;
};

// An LPM trie key: a bit length and up to KEY_MAX bytes.
struct path_key {
	__u32 prefixlen;
	__u8 data[KEY_MAX];
};

// What to record of one system call (index: syscall number). Argument indexes are
// stored plus one, 0 meaning none.
struct spec {
	__u8 enabled;
	__u8 str[3];      // string arguments read into the three string slots
	__u8 sockaddr;    // a user `struct sockaddr *` argument, copied into the blob
	__u8 sockaddr_len; // the argument holding its length
	__u8 sock_fd;     // 1: socket of args[0]; 2: socket of the result
	__u8 how;         // a `struct open_how *` argument: flags/mode into args[4]/args[5]
	__u8 filter;      // the first string is an opened path: apply the path filter
	__u8 dir;         // a relative first path is resolved against: 1 the cwd, 2 args[0]
};

struct config {
	__u32 self_tgid;
	__u32 cgroup_mode; // 0: cgroup v2 id; 1: v1 pids controller; 2: v1 memory controller
	__u64 wakeup_bytes;
	__u32 filter; // enum filter_bits: which pattern tries hold entries
	__u32 pad;
};

// One ring buffer per CPU, so that CPUs never contend for one ring's lock. User space
// creates the rings (its size) and fills this array before attaching; the template below
// only tells the verifier what the slots hold.
struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); // the number of possible CPUs, set by user space
	__type(key, __u32);
	__array(values, struct ring);
} moat_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} moat_lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct config);
} moat_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALLS);
	__type(key, __u32);
	__type(value, struct spec);
} moat_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[BUF_SIZE]);
} moat_scratch SEC(".maps");

struct path_trie {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MAX_PATTERNS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct path_key);
	__type(value, __u8);
};

// Opened-path patterns: path prefixes and exact names (with their NUL), and path
// suffixes reversed (a suffix of the path is a prefix of its reverse).
struct path_trie moat_prefixes SEC(".maps");
struct path_trie moat_suffixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_key);
} moat_rev SEC(".maps");

// Two-character gates in front of the tries: bit (a << 8 | b) of gate 0 is set when some
// prefix or name could match a plain path whose characters after the leading '/' are
// a, b (b may be the NUL); of gate 1 when some suffix could match a path ending in a, b.
// One array load usually spares a trie walk.
struct gate {
	__u64 bits[1024];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct gate);
} moat_gates SEC(".maps");

static __always_inline int gate_open(__u32 which, __u8 a, __u8 b)
{
	struct gate *g = bpf_map_lookup_elem(&moat_gates, &which);
	if (!g)
		return 1;
	__u32 i = ((__u32)a << 8) | b;
	return (g->bits[(i >> 6) & 1023] >> (i & 63)) & 1;
}

static __always_inline struct config *cfg(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&moat_config, &zero);
}

static __always_inline int is_self(struct config *c)
{
	return c && c->self_tgid == (__u32)(bpf_get_current_pid_tgid() >> 32);
}

static __always_inline __u64 cgroup_of(struct task_struct *t, struct config *c)
{
	int idx;
	if (!c || c->cgroup_mode == 0)
		return bpf_get_current_cgroup_id();
	if (c->cgroup_mode == 1)
		idx = bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id);
	else
		idx = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (idx < 0 || idx >= CGROUP_SUBSYS_COUNT)
		return 0;
	return BPF_CORE_READ(t, cgroups, subsys[idx], cgroup, kn, id);
}

static __always_inline __u32 tty_of(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	if (!tty)
		return 0;
	__u32 index = BPF_CORE_READ(tty, index);
	__u32 major = BPF_CORE_READ(tty, driver, major);
	__u32 minor = BPF_CORE_READ(tty, driver, minor_start) + index;
	// new_encode_dev
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

// Fills the header's process part from task `t` (the current task except for fork).
static __always_inline void fill_task(struct event_hdr *h, struct task_struct *t, struct config *c)
{
	h->ts = bpf_ktime_get_boot_ns();
	h->pid = BPF_CORE_READ(t, tgid);
	h->tid = BPF_CORE_READ(t, pid);
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->uid = BPF_CORE_READ(t, cred, uid.val);
	h->gid = BPF_CORE_READ(t, cred, gid.val);
	h->euid = BPF_CORE_READ(t, cred, euid.val);
	h->egid = BPF_CORE_READ(t, cred, egid.val);
	kernel_cap_t cap = BPF_CORE_READ(t, cred, cap_effective);
	__builtin_memcpy(&h->cap_eff, &cap, sizeof(h->cap_eff));
	h->loginuid = (__u32)-1;
	if (bpf_core_field_exists(t->loginuid))
		h->loginuid = BPF_CORE_READ(t, loginuid.val);
	h->tty = tty_of(t);
	h->cgroup_id = cgroup_of(t, c);
	BPF_CORE_READ_STR_INTO(&h->comm, t, comm);
	h->family = h->sk_type = h->proto = h->lport = h->rport = h->pad = 0;
	h->res = 0;
	h->nr = 0;
}

// The per-CPU record buffer, its string lengths cleared.
static __always_inline __u8 *scratch_buf(void)
{
	__u32 zero = 0;
	__u8 *buf = bpf_map_lookup_elem(&moat_scratch, &zero);
	if (buf) {
		struct event_hdr *h = (struct event_hdr *)buf;
		h->len[0] = h->len[1] = h->len[2] = h->len[3] = 0;
	}
	return buf;
}

#define CWD_DEPTH 32
#define CWD_END 256 // the working directory is written backwards, ending here
#define CWD_MASK 511

struct cwd_text {
	__u8 text[1024];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cwd_text);
} moat_cwd SEC(".maps");

// A relative path joined to the working directory, as an LPM key (room for both).
struct join_key {
	__u32 prefixlen;
	__u8 data[2 * KEY_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct join_key);
} moat_join SEC(".maps");

#define AT_FDCWD -100

// The directory a relative path of the current task is resolved against — its working
// directory for AT_FDCWD, else the directory open as descriptor `dirfd` — as the task
// sees it (up to its own root, so a container's view), written backwards into moat_cwd
// so that it ends at text[CWD_END]. Returns its length (0 for "/"), or -1 when deeper
// than CWD_DEPTH, longer than CWD_END, or unreadable. A global function: the verifier
// checks it once, on its own, and the caller sees only a number.
__noinline int moat_dir_walk(int dirfd)
{
	__u32 zero = 0;
	struct cwd_text *s = bpf_map_lookup_elem(&moat_cwd, &zero);
	if (!s)
		return -1;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	if (!fs)
		return -1;
	struct dentry *root_d = BPF_CORE_READ(fs, root.dentry);
	struct vfsmount *root_m = BPF_CORE_READ(fs, root.mnt);
	struct dentry *d;
	struct vfsmount *vm;
	if (dirfd == AT_FDCWD) {
		d = BPF_CORE_READ(fs, pwd.dentry);
		vm = BPF_CORE_READ(fs, pwd.mnt);
	} else {
		if (dirfd < 0)
			return -1;
		struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
		if (!fdt || dirfd >= BPF_CORE_READ(fdt, max_fds))
			return -1;
		struct file **fds = BPF_CORE_READ(fdt, fd);
		struct file *f = NULL;
		if (bpf_probe_read_kernel(&f, sizeof(f), &fds[dirfd]) || !f)
			return -1;
		d = BPF_CORE_READ(f, f_path.dentry);
		vm = BPF_CORE_READ(f, f_path.mnt);
	}
	if (!d || !vm)
		return -1;
	__u64 mnt_off = bpf_core_field_offset(struct mount, mnt);
	struct mount *m = (struct mount *)((char *)vm - mnt_off);
	__u32 pos = CWD_END;
	// One name per step, after crossing at most one mount: a step that only crossed would
	// give the verifier two states per step (2^CWD_DEPTH in all). A mount stacked on a
	// mount root makes the walk write the root's name "/", and so "//": a path that is
	// never filtered, never a wrong one.
	for (int i = 0; i < CWD_DEPTH; i++) {
		if (d == root_d && vm == root_m)
			return CWD_END - pos;
		if (d == BPF_CORE_READ(vm, mnt_root)) {
			struct mount *parent = BPF_CORE_READ(m, mnt_parent);
			if (!parent || parent == m)
				return CWD_END - pos; // the root of the mount namespace
			d = BPF_CORE_READ(m, mnt_mountpoint);
			m = parent;
			vm = (struct vfsmount *)((char *)parent + mnt_off);
			if (d == root_d && vm == root_m)
				return CWD_END - pos;
		}
		struct dentry *up = BPF_CORE_READ(d, d_parent);
		if (!up || up == d)
			return CWD_END - pos;
		__u32 len = BPF_CORE_READ(d, d_name.len);
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		if (len == 0 || len + 1 > pos)
			return -1;
		pos -= len;
		if (bpf_probe_read_kernel(&s->text[pos & CWD_MASK], len & 0xff, name))
			return -1;
		pos -= 1;
		s->text[pos & CWD_MASK] = '/';
		d = up;
	}
	return -1;
}

// Joins relative path `p` (`n` bytes with its NUL) to the directory of `dirfd` in
// moat_join; returns the joined length with its NUL, or 0 when it cannot (then the open is
// kept).
static __always_inline __u32 join_dir(int dirfd, const __u8 *p, __u32 n, struct join_key **out)
{
	int cl = moat_dir_walk(dirfd);
	if (cl < 0 || cl > CWD_END)
		return 0;
	__u32 zero = 0;
	struct cwd_text *s = bpf_map_lookup_elem(&moat_cwd, &zero);
	struct join_key *k = bpf_map_lookup_elem(&moat_join, &zero);
	if (!s || !k)
		return 0;
	__u32 len = cl;
	if (len > 0 &&
	    bpf_probe_read_kernel(k->data, len & 0xff, &s->text[(CWD_END - len) & CWD_MASK]))
		return 0;
	*out = k;
	if (n == 2 && p[0] == '.') { // "." is the directory itself
		if (len == 0)
			k->data[len++] = '/';
		k->data[len & 0xff] = 0;
		return len + 1;
	}
	if (len + 1 + n > KEY_MAX)
		return 0;
	k->data[len & 0xff] = '/';
	if (bpf_probe_read_kernel(&k->data[(len + 1) & 0xff], n & 0xff, p))
		return 0;
	return len + 1 + n;
}

// Whether the path in an LPM key (`n` bytes with its NUL; `which` 0: in the record
// buffer, right after the header; 1: the joined path in moat_join) may interest a rule.
// Only a plain path (absolute; no "//", "/.", ".." or trailing "/"; shorter than KEY_MAX)
// is checked against the patterns (`filter`: enum filter_bits): user space normalises
// paths, and for a plain path the normalised and the raw text are the same. Anything else
// is let through. A global function, verified once on its own.
__noinline int moat_key_wanted(__u32 which, __u32 n, __u32 filter)
{
	__u32 zero = 0;
	struct path_key *k;
	if (which == 0) {
		__u8 *buf = bpf_map_lookup_elem(&moat_scratch, &zero);
		if (!buf)
			return 1;
		k = (struct path_key *)&((struct event_hdr *)buf)->keylen;
	} else {
		k = bpf_map_lookup_elem(&moat_join, &zero);
		if (!k)
			return 1;
	}
	if (n < 2 || n > KEY_MAX)
		return 1;
	__u8 *p = k->data;
	__u32 len = n - 1;
	if (p[0] != '/')
		return 1;
	// Ends on the NUL, not on `len`: a bound on `len` learnt at each exit would give the
	// verifier one state per exit to explore the rest with.
	for (__u32 i = 0; i < KEY_MAX - 1; i++) {
		__u8 a = p[i], b = p[i + 1];
		if (a == 0)
			break;
		if (a == '/' && (b == '/' || b == '.' || (b == 0 && i > 0)))
			return 1;
		if (a == '.' && b == '.')
			return 1;
	}
	if ((filter & F_PREFIXES) && (n < 3 || gate_open(0, p[1], p[2]))) {
		k->prefixlen = n * 8;
		if (bpf_map_lookup_elem(&moat_prefixes, k))
			return 1;
	}
	if ((filter & F_SUFFIXES) &&
	    (n < 3 || gate_open(1, p[(len - 2) & (KEY_MAX - 1)], p[(len - 1) & (KEY_MAX - 1)]))) {
		struct path_key *rk = bpf_map_lookup_elem(&moat_rev, &zero);
		if (!rk)
			return 1;
		rk->prefixlen = len * 8;
		for (__u32 i = 0; i < KEY_MAX - 1; i++) {
			if (i >= len)
				break;
			rk->data[i] = p[(len - 1 - i) & (KEY_MAX - 1)];
		}
		if (bpf_map_lookup_elem(&moat_suffixes, rk))
			return 1;
	}
	return 0;
}

// Whether the opened path in the first string slot may interest a rule. A relative path
// is first joined to the directory it is resolved against (`dirfd`: AT_FDCWD or a
// descriptor), which the kernel walks up to the task's root.
static __always_inline int path_wanted(__u8 *buf, struct config *c, int dirfd)
{
	struct event_hdr *h = (struct event_hdr *)buf;
	__u32 n = h->len[0];
	if (n < 2 || n > KEY_MAX)
		return 1;
	__u8 *p = buf + sizeof(struct event_hdr);
	if (p[0] == '/')
		return moat_key_wanted(0, n, c->filter);
	struct join_key *jk = NULL;
	n = join_dir(dirfd, p, n, &jk);
	if (!n)
		return 1;
	return moat_key_wanted(1, n, c->filter);
}

static __always_inline void submit(__u8 *buf, __u32 size, struct config *c)
{
	__u32 cpu = bpf_get_smp_processor_id();
	void *ring = bpf_map_lookup_elem(&moat_rings, &cpu);
	size &= OFF_MASK;
	if (size < sizeof(struct event_hdr))
		return;
	// Batched wake-ups: user space is woken once a ring holds wakeup_bytes; below
	// that it drains on its own timer.
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (ring && c && bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= c->wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (!ring || bpf_ringbuf_output(ring, buf, size, flags)) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&moat_lost, &zero);
		if (n)
			*n += 1;
	}
}

static __always_inline __u32 put_user_str(__u8 *buf, __u32 off, struct event_hdr *h, int slot,
					  const void *ptr)
{
	long n = bpf_probe_read_user_str(buf + (off & OFF_MASK), MAX_STR, ptr);
	if (n <= 0)
		return off;
	h->len[slot & 3] = n;
	return off + n;
}

static __always_inline struct socket *socket_of(struct task_struct *t, long fd)
{
	if (fd < 0)
		return NULL;
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return NULL;
	struct socket *s = BPF_CORE_READ(f, private_data);
	if (!s || BPF_CORE_READ(s, file) != f)
		return NULL;
	return s;
}

static __always_inline void fill_sock(struct event_hdr *h, struct socket *s)
{
	struct sock *sk = BPF_CORE_READ(s, sk);
	if (!sk)
		return;
	h->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	h->sk_type = BPF_CORE_READ(s, type);
	h->proto = BPF_CORE_READ(sk, sk_protocol);
	h->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	h->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (h->family == 2) {
		bpf_core_read(h->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(h->raddr, 4, &sk->__sk_common.skc_daddr);
	} else if (h->family == 10) {
		bpf_core_read(h->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(h->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

// Appends the directory of `dirfd` (from moat_dir_walk) as string `slot`.
static __always_inline __u32 put_dir(__u8 *buf, __u32 off, struct event_hdr *h, int slot, int dirfd)
{
	int cl = moat_dir_walk(dirfd);
	if (cl < 0 || cl > 255)
		return off;
	__u32 zero = 0;
	struct cwd_text *s = bpf_map_lookup_elem(&moat_cwd, &zero);
	if (!s)
		return off;
	__u32 len = cl;
	__u8 *dst = buf + (off & OFF_MASK);
	if (len == 0) {
		dst[0] = '/';
		len = 1;
	} else if (bpf_probe_read_kernel(dst, len & 0xff, &s->text[(CWD_END - len) & CWD_MASK])) {
		return off;
	}
	dst[len & 0xff] = 0;
	h->len[slot & 3] = len + 1;
	return off + len + 1;
}

// Records the exit of a system call. The saved user registers still hold the system
// call number (orig_ax) and its arguments (x86-64: rdi, rsi, rdx, r10, r8, r9), and the
// memory they point to is read here, as Falco's modern probe does: one program per call
// instead of two, and no per-thread map of calls in flight. `regs` is a BTF pointer, so
// its fields are plain (CO-RE relocated) loads, not helper calls.
static __always_inline int on_sys_exit(struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	__u32 nr = id;
	if (id < 0 || nr >= MAX_SYSCALLS)
		return 0;
	struct spec *sp = bpf_map_lookup_elem(&moat_specs, &nr);
	if (!sp || !sp->enabled)
		return 0;
	struct config *c = cfg();
	if (is_self(c))
		return 0;
	// A 32-bit compat call (int 0x80, or a 32-bit process) numbers calls differently:
	// ia32 42 is pipe, not connect. Its numbers are not in the specs' table.
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	if (bpf_core_field_exists(t->thread_info.status) &&
	    (BPF_CORE_READ(t, thread_info.status) & TS_COMPAT))
		return 0;
	__u64 args[6];
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
	__u8 *buf = scratch_buf();
	if (!buf)
		return 0;
	struct event_hdr *h = (struct event_hdr *)buf;
	// The strings come first: the path filter needs the first one, and drops the event
	// before the task is read.
	__u32 off = sizeof(struct event_hdr);
	#pragma unroll
	for (int s = 0; s < 3; s++) {
		__u8 a = sp->str[s];
		if (a >= 1 && a <= 6)
			off = put_user_str(buf, off, h, s, (const void *)args[(a - 1) & 7]);
		if (s == 0 && sp->filter && c && c->filter &&
		    !path_wanted(buf, c, sp->dir == 2 ? (int)args[0] : AT_FDCWD))
			return 0;
	}
	fill_task(h, t, c);
	h->kind = K_SYSCALL;
	h->nr = nr;
	h->res = ret;
	#pragma unroll
	for (int i = 0; i < 6; i++)
		h->args[i] = args[i];
	if (sp->dir && ((h->len[0] > 1 && buf[sizeof(struct event_hdr)] != '/') ||
			(h->len[1] > 1 && buf[(sizeof(struct event_hdr) + h->len[0]) & OFF_MASK] != '/')))
		// The directory the first path is resolved against, as string 2.
		off = put_dir(buf, off, h, 2, sp->dir == 2 ? (int)args[0] : AT_FDCWD);
	if (sp->how >= 1 && sp->how <= 6) {
		struct open_how how = {};
		if (!bpf_probe_read_user(&how, sizeof(how), (const void *)args[(sp->how - 1) & 7])) {
			h->args[4] = how.flags;
			h->args[5] = how.mode;
		}
	}
	if (sp->sockaddr >= 1 && sp->sockaddr <= 6) {
		__u64 len = 128;
		if (sp->sockaddr_len >= 1 && sp->sockaddr_len <= 6)
			len = args[(sp->sockaddr_len - 1) & 7];
		if (len > 128)
			len = 128;
		len &= 0xff;
		const void *p = (const void *)args[(sp->sockaddr - 1) & 7];
		if (p && len > 0 &&
		    !bpf_probe_read_user(buf + (off & OFF_MASK), len, p)) {
			h->len[3] = len;
			off += len;
		}
	}
	if (sp->sock_fd == 1 || (sp->sock_fd == 2 && ret >= 0)) {
		long fd = sp->sock_fd == 1 ? (long)(int)args[0] : ret;
		struct socket *s = socket_of(t, fd);
		if (s)
			fill_sock(h, s);
	}
	submit(buf, off, c);
	return 0;
}

// The sys_exit raw tracepoint (tp_btf attaches by BTF id, no tracefs needed). It runs for
// every system call of every task, recorded or not. (fexit programs on the recorded calls'
// entry points would spare the others, but kernels that lock down function tracing refuse
// them with EPERM.)
SEC("tp_btf/sys_exit")
int BPF_PROG(moat_sys_exit, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, ret);
}

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

// Where the executable lives: 0 not on an overlay filesystem, 1 in an overlay's upper
// (writable) layer, 2 only in its lower layers. An overlay inode (struct ovl_inode) keeps
// its upper dentry right after the embedded VFS inode, as Falco reads it too.
static __always_inline __u64 exe_layer(struct linux_binprm *bprm)
{
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	if (!ino)
		return 0;
	if (BPF_CORE_READ(ino, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return 0;
	struct dentry *upper = NULL;
	bpf_probe_read_kernel(&upper, sizeof(upper),
			      (char *)ino + bpf_core_type_size(struct inode));
	return upper ? 1 : 2;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(moat_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct config *c = cfg();
	if (is_self(c))
		return 0;
	__u8 *buf = scratch_buf();
	if (!buf)
		return 0;
	struct event_hdr *h = (struct event_hdr *)buf;
	fill_task(h, p, c);
	h->kind = K_EXEC;
	h->args[0] = old_pid;
	h->args[1] = exe_layer(bprm);
	__u32 off = sizeof(struct event_hdr);
	const char *fname = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(buf + (off & OFF_MASK), MAX_STR, fname);
	if (n > 0) {
		h->len[0] = n;
		off += n;
	}
	// The working directory at exec, as string 1 (for `proc.cwd`).
	off = put_dir(buf, off, h, 1, AT_FDCWD);
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	__u64 start = BPF_CORE_READ(mm, arg_start);
	__u64 end = BPF_CORE_READ(mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len >= MAX_BLOB)
		len = MAX_BLOB - 1;
	len &= MAX_BLOB - 1;
	if (len > 0 && !bpf_probe_read_user(buf + (off & OFF_MASK), len, (const void *)start)) {
		h->len[3] = len;
		off += len;
	}
	submit(buf, off, c);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(moat_fork, struct task_struct *parent, struct task_struct *child)
{
	struct config *c = cfg();
	if (is_self(c))
		return 0;
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0; // a new thread, not a new process
	__u8 *buf = scratch_buf();
	if (!buf)
		return 0;
	struct event_hdr *h = (struct event_hdr *)buf;
	fill_task(h, child, c);
	h->kind = K_FORK;
	h->ppid = BPF_CORE_READ(parent, tgid);
	submit(buf, sizeof(struct event_hdr), c);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(moat_exit, struct task_struct *p)
{
	struct config *c = cfg();
	if (is_self(c))
		return 0;
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0; // a thread ending, not the process
	__u8 *buf = scratch_buf();
	if (!buf)
		return 0;
	struct event_hdr *h = (struct event_hdr *)buf;
	fill_task(h, p, c);
	h->kind = K_EXIT;
	h->res = BPF_CORE_READ(p, exit_code);
	submit(buf, sizeof(struct event_hdr), c);
	return 0;
}
