//! `moat-sensor`: the eBPF runtime sensor (issue 12).
//!
//! The sensor itself (CO-RE programs, loader, `moat sensor run`) lands from a separate
//! branch. This skeleton only hosts the real-container test harness under `tests/support/`
//! (runc containers on a busybox root filesystem and the attack scenarios the sensor must
//! detect); see `docs/sensor-tests.md`.
