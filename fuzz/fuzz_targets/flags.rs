//! Fuzz the component command-line parser and the CIS flag rules: arbitrary argument
//! vectors must never panic, whatever component they are judged as.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_flags::cis::CIS_1_10;
use moat_flags::{CommandLine, Component, EnvVar, evaluate};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // NUL separates arguments; the first byte picks environment variables too.
    let args: Vec<&str> = text.split('\0').collect();
    let env = [EnvVar { name: "ETCD_CLIENT_CERT_AUTH", value: args.first().copied(), index: 0 }];
    for component in Component::ALL {
        let line = CommandLine::parse(&args, component.schema());
        for rule in CIS_1_10 {
            let _ = evaluate(rule, component, &line, &env);
        }
    }
});
