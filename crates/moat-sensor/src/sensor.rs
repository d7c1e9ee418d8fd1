//! The loader and event loop (feature `bpf`): opens the embedded CO-RE object, creates a
//! ring buffer per CPU, loads only the programs the plan needs, fills the configuration and
//! per-syscall maps, attaches, and drains the rings, merged in time order ([`Reorder`]),
//! into [`Decoder`] → callback.
//! Nothing is pinned: every program and map lives in this process's file descriptors, so
//! any exit (even SIGKILL) detaches everything.

use std::cell::RefCell;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use libbpf_rs::{
    Link, MapCore, MapFlags, MapHandle, MapType, Object, ObjectBuilder, RingBufferBuilder,
};

use crate::container::{CgroupMode, Resolver};
use crate::decode::Decoder;
use crate::event::EventView;
use crate::merge::{GRACE_NS, Reorder, parse_cpu_list, ring_of_cpu};
use crate::pathkeys::{FILTER_ON, PathKeys};
use crate::proctree::ProcTree;
use crate::syscalls::kernel_spec;
use crate::users::Users;
use crate::{OpenFilter, Plan, SensorError, Stats, boot_offset_ns};

/// The compiled eBPF object.
const OBJECT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/sensor.bpf.o"));

/// Tunables of a sensor.
#[derive(Clone, Debug)]
pub struct Options {
    /// Size in bytes of each CPU's ring buffer (a power of two, at least a page).
    pub ringbuf_bytes: u32,
    /// The kernel wakes user space only once this many bytes wait in a CPU's ring
    /// (batched wake-ups).
    pub wakeup_bytes: u64,
    /// How long user space sleeps between drains when not woken.
    pub poll_interval: Duration,
    /// How often a growing lost-event count is reported.
    pub warn_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ringbuf_bytes: 8 << 20,
            wakeup_bytes: 256 << 10,
            poll_interval: Duration::from_millis(20),
            warn_interval: Duration::from_secs(10),
        }
    }
}

/// An attached sensor.
pub struct Sensor {
    obj: Object,
    /// The rings, one per online CPU (offline CPUs share them).
    rings: Vec<MapHandle>,
    _links: Vec<Link>,
    decoder: Decoder,
    attached: Vec<String>,
    opts: Options,
}

fn bpf_err(what: &str) -> impl FnOnce(libbpf_rs::Error) -> SensorError + '_ {
    move |e| SensorError::Bpf {
        what: what.to_string(),
        message: e.to_string(),
    }
}

#[allow(clippy::needless_pass_by_value)] // libbpf-rs's callback type
fn route_libbpf_log(level: libbpf_rs::PrintLevel, msg: String) {
    let msg = msg.trim_end();
    if level == libbpf_rs::PrintLevel::Warn {
        tracing::warn!(target: "libbpf", "{msg}");
    } else {
        tracing::debug!(target: "libbpf", "{msg}");
    }
}

impl Sensor {
    /// Loads and attaches the programs `plan` needs.
    pub fn start(plan: &Plan, opts: Options) -> Result<Self, SensorError> {
        libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, route_libbpf_log)));
        let mut open = ObjectBuilder::default()
            .open_memory(OBJECT)
            .map_err(bpf_err("open the eBPF object"))?;
        let possible = libbpf_rs::num_possible_cpus().map_err(bpf_err("count the CPUs"))?;
        let online = std::fs::read_to_string("/sys/devices/system/cpu/online")
            .ok()
            .and_then(|t| parse_cpu_list(&t))
            .unwrap_or_default();
        let ring_of = ring_of_cpu(possible, &online);
        let rings = create_rings(
            ring_of.iter().max().map_or(1, |&r| r + 1),
            opts.ringbuf_bytes,
        )?;
        for mut m in open.maps_mut() {
            if m.name() == "moat_rings" {
                let slots = u32::try_from(possible).unwrap_or(u32::MAX);
                m.set_max_entries(slots)
                    .map_err(bpf_err("size the ring buffers"))?;
                if let Some(first) = rings.first() {
                    m.set_inner_map_fd(first.as_fd())
                        .map_err(bpf_err("size the ring buffers"))?;
                }
            }
        }
        let want_syscalls = !plan.syscalls.is_empty();
        for mut p in open.progs_mut() {
            let name = p.name().to_string_lossy().into_owned();
            if name.starts_with("moat_sys_") {
                p.set_autoload(want_syscalls);
            }
        }
        let obj = open.load().map_err(bpf_err("load the eBPF programs"))?;
        let (mode, root) = CgroupMode::detect(std::path::Path::new("/sys/fs/cgroup"));
        let map = |name: &str| obj.maps().find(|m| m.name() == name);
        let slots = map("moat_rings").ok_or(SensorError::MissingMap("moat_rings"))?;
        for (cpu, &ring) in (0u32..).zip(&ring_of) {
            let Some(ring) = rings.get(ring) else {
                continue;
            };
            let fd = u32::try_from(ring.as_fd().as_raw_fd()).unwrap_or(u32::MAX);
            slots
                .update(&cpu.to_le_bytes(), &fd.to_le_bytes(), MapFlags::ANY)
                .map_err(bpf_err("install the ring buffers"))?;
        }
        let filter = match &plan.open_filter {
            OpenFilter::Paths(paths) => {
                let prefixes =
                    map("moat_prefixes").ok_or(SensorError::MissingMap("moat_prefixes"))?;
                let suffixes =
                    map("moat_suffixes").ok_or(SensorError::MissingMap("moat_suffixes"))?;
                let keys = PathKeys::of(paths);
                for (trie, keys) in [(&prefixes, &keys.prefixes), (&suffixes, &keys.suffixes)] {
                    for k in keys {
                        trie.update(k, &[1], MapFlags::ANY)
                            .map_err(bpf_err("fill the path filter"))?;
                    }
                }
                let gates = map("moat_gates").ok_or(SensorError::MissingMap("moat_gates"))?;
                for (i, g) in (0u32..).zip(&keys.gates) {
                    gates
                        .update(&i.to_le_bytes(), g, MapFlags::ANY)
                        .map_err(bpf_err("fill the path filter"))?;
                }
                // An empty set still filters: no plain path can match.
                keys.bits() | FILTER_ON
            }
            _ => 0,
        };
        let mut config = Vec::with_capacity(24);
        config.extend_from_slice(&std::process::id().to_le_bytes());
        config.extend_from_slice(&mode.kernel_value().to_le_bytes());
        config.extend_from_slice(&opts.wakeup_bytes.to_le_bytes());
        config.extend_from_slice(&filter.to_le_bytes());
        config.extend_from_slice(&0u32.to_le_bytes());
        let cfg = map("moat_config").ok_or(SensorError::MissingMap("moat_config"))?;
        cfg.update(&0u32.to_le_bytes(), &config, MapFlags::ANY)
            .map_err(bpf_err("write the configuration map"))?;
        let specs = map("moat_specs").ok_or(SensorError::MissingMap("moat_specs"))?;
        for sc in &plan.syscalls {
            specs
                .update(
                    &sc.nr.to_le_bytes(),
                    &kernel_spec(sc.kind, filter != 0),
                    MapFlags::ANY,
                )
                .map_err(bpf_err("enable a system call"))?;
        }
        let mut links = Vec::new();
        let mut attached = Vec::new();
        for p in obj.progs_mut() {
            if !p.autoload() {
                continue;
            }
            let name = p.name().to_string_lossy().into_owned();
            links.push(p.attach().map_err(|e| SensorError::Bpf {
                what: format!("attach {name}"),
                message: e.to_string(),
            })?);
            attached.push(name);
        }
        let proc_root = std::path::PathBuf::from("/proc");
        let mut decoder = Decoder::new(
            ProcTree::from_proc(&proc_root),
            Users::load(std::path::Path::new("/")),
            Resolver::new(mode, root, proc_root.clone()),
            proc_root,
            boot_offset_ns(),
        );
        decoder.set_tracks_chdir(plan.syscalls.iter().any(|s| s.name == "chdir"));
        Ok(Self {
            obj,
            rings,
            _links: links,
            decoder,
            attached,
            opts,
        })
    }

    /// Names of the attached programs.
    pub fn attached(&self) -> &[String] {
        &self.attached
    }

    /// Events the kernel could not queue (ring buffer full), all CPUs.
    pub fn lost(&self) -> u64 {
        lost_of(&self.obj)
    }

    /// Drains events until `stop` is set, calling `on_event` for each (with the process
    /// tree at that point) in the order the kernel made them, and `on_lost` with the
    /// total whenever it grew, at most every `warn_interval`.
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        on_event: &mut dyn FnMut(&EventView<'_>),
        on_lost: &mut dyn FnMut(u64),
    ) -> Result<Stats, SensorError> {
        let mut stats = Stats::default();
        let pending = RefCell::new(Reorder::new());
        let mut builder = RingBufferBuilder::new();
        for ring in &self.rings {
            builder
                .add(ring, |data: &[u8]| {
                    pending.borrow_mut().push(data);
                    0
                })
                .map_err(bpf_err("open the ring buffers"))?;
        }
        let rb = builder.build().map_err(bpf_err("open the ring buffers"))?;
        let decoder = &mut self.decoder;
        let mut deliver = |data: &[u8]| {
            stats.records += 1;
            match decoder.handle(data) {
                Ok(Some(ev)) => {
                    stats.events += 1;
                    on_event(&decoder.view(&ev));
                }
                Ok(None) => {}
                Err(e) => {
                    stats.bad_records += 1;
                    tracing::debug!("bad record: {e}");
                }
            }
        };
        let mut reported = 0u64;
        let mut last_check = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            let began = Instant::now();
            // Everything stamped GRACE_NS before this instant is in its ring by the
            // time the drain below reads it.
            let cutoff = boot_clock_ns().saturating_sub(GRACE_NS);
            if let Err(e) = rb.poll(self.opts.poll_interval)
                && e.kind() != libbpf_rs::ErrorKind::Interrupted
            {
                return Err(bpf_err("poll the ring buffers")(e));
            }
            if let Err(e) = rb.consume()
                && e.kind() != libbpf_rs::ErrorKind::Interrupted
            {
                return Err(bpf_err("read the ring buffers")(e));
            }
            pending.borrow_mut().release(cutoff, &mut deliver);
            if last_check.elapsed() >= self.opts.warn_interval {
                last_check = Instant::now();
                let lost = lost_of(&self.obj);
                if lost > reported {
                    reported = lost;
                    on_lost(lost);
                }
            }
            // A ring's descriptor polls ready while it holds any data, so under a steady
            // stream poll returns at once: drain at most once per DRAIN_PERIOD and let
            // the rings batch in between.
            if let Some(rest) = DRAIN_PERIOD.checked_sub(began.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        // What is already queued is still delivered.
        let _ = rb.consume();
        pending.borrow_mut().release(u64::MAX, &mut deliver);
        stats.lost = lost_of(&self.obj);
        Ok(stats)
    }
}

/// The shortest time between two drains of the rings.
const DRAIN_PERIOD: Duration = Duration::from_millis(1);

/// The kernel's boot clock (`bpf_ktime_get_boot_ns`), nanoseconds.
fn boot_clock_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// Creates `n` ring buffers of `bytes` each.
fn create_rings(n: usize, bytes: u32) -> Result<Vec<MapHandle>, SensorError> {
    let opts = libbpf_rs::libbpf_sys::bpf_map_create_opts {
        sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_map_create_opts>() as _,
        ..Default::default()
    };
    (0..n)
        .map(|i| {
            MapHandle::create(
                MapType::RingBuf,
                Some(format!("moat_ring{i}")),
                0,
                0,
                bytes,
                &opts,
            )
            .map_err(bpf_err("create the ring buffers"))
        })
        .collect()
}

/// What `moat sensor check` reports.
#[derive(Clone, Debug, Default)]
pub struct Probe {
    /// Findings, one line each, with whether each is fine.
    pub lines: Vec<(bool, String)>,
}

impl Probe {
    /// Whether every check passed.
    pub fn ok(&self) -> bool {
        self.lines.iter().all(|(ok, _)| *ok)
    }
}

/// Checks what the sensor needs from the kernel: BTF, a ring-buffer map, and that every
/// program passes the verifier (loaded, never attached).
pub fn probe() -> Probe {
    libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, route_libbpf_log)));
    let mut p = Probe::default();
    let btf = std::path::Path::new("/sys/kernel/btf/vmlinux");
    p.lines.push(if btf.exists() {
        (true, format!("BTF: {} present", btf.display()))
    } else {
        (
            false,
            "BTF: /sys/kernel/btf/vmlinux missing (kernel built without CONFIG_DEBUG_INFO_BTF); CO-RE programs cannot load".into(),
        )
    });
    let opts = libbpf_rs::libbpf_sys::bpf_map_create_opts {
        sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_map_create_opts>() as _,
        ..Default::default()
    };
    p.lines.push(
        match libbpf_rs::MapHandle::create(
            libbpf_rs::MapType::RingBuf,
            Some("moat_probe"),
            0,
            0,
            4096,
            &opts,
        ) {
            Ok(_) => (
                true,
                format!(
                    "ring buffer: BPF_MAP_TYPE_RINGBUF supported (one per CPU, {} CPUs)",
                    libbpf_rs::num_possible_cpus().unwrap_or(0)
                ),
            ),
            Err(e) => (
                false,
                format!("ring buffer: cannot create BPF_MAP_TYPE_RINGBUF ({e}); needs Linux 5.8+ and CAP_BPF or root"),
            ),
        },
    );
    match ObjectBuilder::default()
        .open_memory(OBJECT)
        .and_then(libbpf_rs::OpenObject::load)
    {
        Ok(obj) => {
            for prog in obj.progs() {
                p.lines.push((
                    true,
                    format!(
                        "program {} ({:?}): verified",
                        prog.name().to_string_lossy(),
                        prog.prog_type()
                    ),
                ));
            }
        }
        Err(e) => p.lines.push((
            false,
            format!("programs: the kernel refused them ({e}); tracepoint, raw tracepoint and tp_btf programs need Linux 5.8+ with BTF and CAP_BPF+CAP_PERFMON or root"),
        )),
    }
    p
}

/// Sum over CPUs of the kernel's lost-record counter.
fn lost_of(obj: &Object) -> u64 {
    let Some(m) = obj.maps().find(|m| m.name() == "moat_lost") else {
        return 0;
    };
    m.lookup_percpu(&0u32.to_le_bytes(), MapFlags::ANY)
        .ok()
        .flatten()
        .map_or(0, |cpus| {
            cpus.iter()
                .filter_map(|v| v.get(..8).and_then(|b| b.try_into().ok()))
                .map(u64::from_le_bytes)
                .sum()
        })
}
