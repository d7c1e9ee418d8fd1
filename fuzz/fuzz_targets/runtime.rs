//! Fuzzes the Falco rules loader, condition parser and compiler, and the audit-line and
//! syscall-event parsers and evaluator: arbitrary bytes must never panic or hang, every diagnostic line
//! must lie inside the input, and a ruleset that compiles must evaluate any line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use moat_runtime::{Engine, RuleSet, Source, compile, parser::parse_condition, run_audit, run_stream};

#[path = "common.rs"]
mod common;
use common::{count_lines, install_panic_hook};

/// Rules the audit lines are always evaluated against (exercising most operators).
const RULES: &str = r#"
- list: l
  items: [create, "a b", x]
- macro: m
  condition: ka.verb in (l) or ka.user.name startswith sys or ka.uri contains "?"
- rule: r
  desc: d
  condition: m and not (ka.target.resource pmatch (/a) or ka.user.groups intersects (g)) and len(ka.user.groups) >= 0 and tolower(ka.verb) glob "c*" and jevt.value[/a~1b/0] exists and ka.req.pod.containers.image[1] != x and ka.uri.param[p] = val(ka.verb)
  output: "%ka.user.name %ka.req.pod.containers.image %jevt.value[/x] %evt.time"
  priority: INFO
  source: k8s_audit
  exceptions:
    - name: e
      fields: [ka.user.name, ka.verb]
      comps: [=, in]
      values: [[u, [a, b]]]
- rule: s
  desc: d
  condition: evt.type in (execve, openat) and (proc.aname[2] = sshd or proc.env[HOME] startswith /root or evt.arg.flags contains O_TRUNC or fd.name pmatch (/etc) or proc.tty != 0)
  output: "%proc.name %proc.aname[1] %evt.arg.flags"
  priority: INFO
"#;

fuzz_target!(init: install_panic_hook(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_condition(text);
    let mut set = RuleSet::new();
    set.load_str("fuzz.yaml", text);
    let compiled = compile(&set);
    let lines = count_lines(data);
    for d in &compiled.diagnostics {
        assert!(d.line <= lines + 1, "diagnostic line {} > {lines} + 1: {d}", d.line);
    }
    let mut fixed = RuleSet::new();
    fixed.load_str("fixed.yaml", RULES);
    let fixed = compile(&fixed);
    assert!(!fixed.has_errors(), "{:?}", fixed.diagnostics);
    for c in [&fixed, &compiled] {
        if let Ok(engine) = Engine::new(c, true) {
            let _ = run_audit(&engine, &mut data.as_ref(), &mut |_| {}, &mut |_| {});
            let _ = run_stream(&engine, Source::Syscall, &mut data.as_ref(), &mut |_| {}, &mut |_| {});
        }
    }
});
