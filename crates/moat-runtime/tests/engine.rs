//! End-to-end engine behaviour on `k8s_audit` events: exceptions (tuple and single-field
//! forms, list values), overrides across files, list fields, transformers, `val()`,
//! output substitution and bad lines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moat_runtime::{Alert, Compiled, Engine, RuleSet, compile, run_audit};

fn compiled(files: &[&str]) -> Compiled {
    let mut set = RuleSet::new();
    for (i, f) in files.iter().enumerate() {
        set.load_str(&format!("f{i}.yaml"), f);
    }
    compile(&set)
}

fn event(user: &str, verb: &str, resource: &str, ns: &str, images: &[&str]) -> String {
    let containers: Vec<String> = images
        .iter()
        .map(|i| {
            format!(
                r#"{{"name":"c","image":"{i}","securityContext":{{"privileged":{}}}}}"#,
                i.contains("priv")
            )
        })
        .collect();
    format!(
        r#"{{"kind":"Event","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"{user}","groups":["g1","g2"]}},"objectRef":{{"resource":"{resource}","namespace":"{ns}","name":"n1"}},"requestURI":"/api/v1/x?pretty=true&dryRun=All","stageTimestamp":"2024-01-02T03:04:05.000000006Z","requestObject":{{"spec":{{"containers":[{}]}}}}}}"#,
        containers.join(",")
    )
}

fn run(c: &Compiled, lines: &[String]) -> (Vec<Alert>, u64) {
    let engine = Engine::new(c, false).unwrap_or_else(|e| panic!("{:?}", e.errors));
    let log = lines.join("\n");
    let mut alerts = Vec::new();
    let stats = run_audit(
        &engine,
        &mut log.as_bytes(),
        &mut |a| alerts.push(a),
        &mut |_| {},
    )
    .unwrap();
    (alerts, stats.bad_lines)
}

const BASE: &str = r"
- list: trusted_users
  items: [alice]
- list: more_users
  items: [trusted_users, bob]
- rule: Create
  desc: any create
  condition: ka.verb=create
  output: created %ka.target.resource by %ka.user.name groups=%ka.user.groups img0=%ka.req.pod.containers.image[0]
  priority: NOTICE
  source: k8s_audit
  tags: [k8s]
  exceptions:
    - name: user_ns
      fields: [ka.user.name, ka.target.namespace]
      values:
        - [alice, default]
    - name: resources
      fields: ka.target.resource
      values: [secrets]
";

#[test]
fn exceptions_tuple_single_and_appended_values() {
    let c = compiled(&[BASE]);
    let (alerts, _) = run(
        &c,
        &[
            event("alice", "create", "pods", "default", &["nginx"]),
            event("alice", "create", "pods", "prod", &["nginx"]),
            event("bob", "create", "secrets", "prod", &[]),
            event("bob", "get", "pods", "prod", &[]),
        ],
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].output,
        "created pods by alice groups=(g1,g2) img0=nginx"
    );
    assert_eq!(
        alerts[0].to_text(),
        "2024-01-02T03:04:05.000000006Z: Notice created pods by alice groups=(g1,g2) img0=nginx"
    );

    // A second file appends exception values (a list name among them) and overrides output.
    let overlay = r"
- rule: Create
  exceptions:
    - name: resources
      values: [configmaps]
    - name: users
      fields: ka.user.name
      comps: in
      values: [more_users]
  append: true
";
    let c = compiled(&[BASE, overlay]);
    let (alerts, _) = run(
        &c,
        &[
            event("carol", "create", "configmaps", "prod", &[]),
            event("bob", "create", "pods", "prod", &[]),
            event("carol", "create", "pods", "prod", &[]),
        ],
    );
    let users: Vec<&str> = alerts
        .iter()
        .map(|a| a.output_fields[1].1.as_deref().unwrap())
        .collect();
    assert_eq!(users, ["carol"]);
}

#[test]
fn list_fields_transformers_and_val() {
    let rules = r#"
- rule: Privileged
  desc: d
  condition: ka.req.pod.containers.privileged intersects (true) and ka.req.pod.containers.image in (priv, other)
  output: "priv %ka.req.pod.containers.image"
  priority: WARNING
  source: k8s_audit
- rule: Upper
  desc: d
  condition: toupper(ka.verb) = CREATE and len(ka.user.groups) = 2 and ka.uri.param[dryRun] = All and basename(ka.uri) startswith "x?"
  output: upper
  priority: INFO
  source: k8s_audit
- rule: Same
  desc: d
  condition: ka.target.name = val(ka.target.name) and not ka.target.name = val(ka.verb)
  output: same
  priority: DEBUG
  source: k8s_audit
"#;
    let c = compiled(&[rules]);
    assert!(!c.has_errors(), "{:?}", c.diagnostics);
    let (alerts, bad) = run(
        &c,
        &[
            event("u", "create", "pods", "ns", &["priv"]),
            event("u", "create", "pods", "ns", &["priv", "nginx"]),
            "{\"kind\":\"Other\"}".to_string(),
        ],
    );
    let names: Vec<&str> = alerts.iter().map(|a| a.rule.as_str()).collect();
    assert_eq!(names, ["Privileged", "Upper", "Same", "Upper", "Same"]);
    assert_eq!(bad, 1);
}

#[test]
fn type_and_operator_errors_are_load_errors() {
    let bad = |cond: &str| {
        let c = compiled(&[&format!(
            "- rule: r\n  desc: d\n  condition: {cond}\n  output: o\n  priority: INFO\n"
        )]);
        let e: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.code.starts_with("LOAD_ERR"))
            .map(|d| d.message.clone())
            .collect();
        e.join("|")
    };
    assert_eq!(
        bad("evt.type=open and proc.pid = abc"),
        "'abc' is not a valid number"
    );
    assert!(
        bad("evt.type=open and proc.pid contains 1")
            .contains("operator 'contains' is not supported")
    );
    assert_eq!(
        bad("evt.type=nosuchevent"),
        "unknown event type nosuchevent"
    );
    assert_eq!(
        bad("evt.type=open and proc.nobody=1"),
        "filter_check called with nonexistent field proc.nobody"
    );
    assert!(
        bad("evt.type=open and proc.name regex \"(\"").starts_with("invalid regular expression")
    );
    assert_eq!(
        bad(
            "evt.type=open and fd.name pmatch (/etc) and proc.aname[2]=bash and evt.arg.flags contains O_WRONLY"
        ),
        ""
    );
    // IP networks and addresses are checked when the rules load.
    assert_eq!(
        bad("evt.type=connect and fd.snet in (\"10.0.0.0/8\", 172.16.0.0/33)"),
        "'172.16.0.0/33' is not a valid IP network (ADDRESS/PREFIX)"
    );
    assert_eq!(
        bad("evt.type=connect and fd.sip = 10.0.0.0/8"),
        "'10.0.0.0/8' is not a valid IP address"
    );
    assert!(bad("evt.type=connect and fd.net contains 10").contains("not supported"));
    assert_eq!(
        bad("evt.type=connect and fd.net != \"fd00::/8\" and fd.cip in (::1, 10.0.0.1)"),
        ""
    );
}

#[test]
fn hostile_macro_graphs_are_bounded() {
    // A chain of 3,000 macros: an error (too deep), not a stack overflow.
    let mut text = String::from("- macro: m0\n  condition: ka.verb=get\n");
    for i in 1..3000 {
        text.push_str(&format!("- macro: m{i}\n  condition: m{}\n", i - 1));
    }
    text.push_str("- rule: r\n  desc: d\n  condition: m2999\n  output: o\n  priority: INFO\n  source: k8s_audit\n");
    let c = compiled(&[&text]);
    assert!(c.has_errors());
    // A diamond of 40 levels (2^40 paths): compiles quickly thanks to memoisation, and
    // each level nests one more `or`, which stays within the limit.
    let mut text = String::from("- macro: d0\n  condition: ka.verb=get\n");
    for i in 1..40 {
        text.push_str(&format!(
            "- macro: d{i}\n  condition: d{p} or d{p}\n",
            p = i - 1
        ));
    }
    let start = std::time::Instant::now();
    let c = compiled(&[&text]);
    assert!(!c.has_errors(), "{:?}", c.diagnostics.first());
    // A rule using it would inline 2^40 checks: a size error, quickly.
    text.push_str("- rule: r\n  desc: d\n  condition: d39\n  output: o\n  priority: INFO\n  source: k8s_audit\n");
    let c = compiled(&[&text]);
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.message.contains("nodes once macros are inlined"))
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // Lists of lists doubling at each level: an error, not 2^40 items.
    let mut text = String::from("- list: l0\n  items: [a]\n");
    for i in 1..40 {
        text.push_str(&format!("- list: l{i}\n  items: [l{p}, l{p}]\n", p = i - 1));
    }
    let c = compiled(&[&text]);
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.item_name == "l17" && d.message.contains("more than 100000 items"))
    );
    // A loop is reported on the macros in it.
    let c = compiled(&["- macro: a\n  condition: b\n- macro: b\n  condition: a\n"]);
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.item_name == "a" && d.message.contains("reference loop"))
    );
}

#[test]
fn engine_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    assert_send_sync::<Compiled>();
}
