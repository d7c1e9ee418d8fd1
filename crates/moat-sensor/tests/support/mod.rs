//! Test support for the sensor: real runc containers ([`runc`]) and the attack and benign
//! scenarios performed in them ([`scenarios`]). Each test binary uses a subset.
#![allow(dead_code)]

pub mod runc;
pub mod scenarios;
