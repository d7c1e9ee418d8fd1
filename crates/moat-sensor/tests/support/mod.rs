//! Test support for the sensor: real runc containers ([`runc`]) and the attack and benign
//! scenarios performed in them ([`scenarios`]). Each test binary uses a subset.
#![allow(dead_code)]

#[cfg(all(feature = "bpf", target_os = "linux"))]
pub mod observe;
pub mod runc;
pub mod scenarios;
