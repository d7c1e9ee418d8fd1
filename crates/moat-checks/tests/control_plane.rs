//! Control-plane flag checks: their fixtures (`tests/fixtures/MOAT-4NN/`, lines tagged
//! `# expect: <ID>`) hold by ID and line, and findings carry the exact path, container
//! and message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use moat_checks::Checker;
use moat_checks::checks::control_plane::ALL;

fn expected(text: &str, id: &str) -> BTreeSet<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            l.split_once("# expect:")
                .is_some_and(|(_, ids)| ids.split(',').any(|i| i.trim() == id))
        })
        .map(|(i, _)| u32::try_from(i + 1).unwrap())
        .collect()
}

#[test]
fn fixtures_hold_by_id_and_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let checker = Checker::new(ALL.to_vec());
    let mut failures = Vec::new();
    for check in ALL {
        let id = check.meta().id;
        let dir = root.join(id);
        let (mut pass, mut fail) = (0, 0);
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixture dir for {id}"))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let text = std::fs::read_to_string(&path).unwrap();
            let want = expected(&text, id);
            if want.is_empty() {
                pass += 1;
            } else {
                fail += 1;
            }
            let lf = moat_manifest::load_bytes(&path.display().to_string(), text.as_bytes());
            assert!(lf.errors.is_empty(), "{}: {:?}", path.display(), lf.errors);
            let got: BTreeSet<u32> = lf
                .resources
                .iter()
                .flat_map(|r| checker.run(r))
                .filter(|f| f.check_id == id)
                .map(|f| f.location.line)
                .collect();
            if got != want {
                let findings: Vec<String> = lf
                    .resources
                    .iter()
                    .flat_map(|r| checker.run(r))
                    .filter(|f| f.check_id == id)
                    .map(|f| format!("{}: {}", f.location.line, f.message))
                    .collect();
                failures.push(format!(
                    "{}:\n  expected lines {want:?}\n  got            {got:?}\n  {findings:#?}",
                    path.display()
                ));
            }
        }
        assert!(
            pass >= 1 && fail >= 1,
            "{id} needs at least one passing and one failing fixture"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn run(yaml: &str) -> Vec<(String, String, String, Option<String>)> {
    let lf = moat_manifest::load_bytes("t.yaml", yaml.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}", lf.errors);
    let checker = Checker::new(ALL.to_vec());
    lf.resources
        .iter()
        .flat_map(|r| checker.run(r))
        .map(|f| {
            (
                f.check_id.to_string(),
                f.location.path,
                f.message,
                f.container,
            )
        })
        .collect()
}

#[test]
fn findings_name_the_argument_the_component_and_the_container() {
    let found = run("apiVersion: v1
kind: Pod
metadata: {name: kube-scheduler, namespace: kube-system}
spec:
  initContainers:
  - name: wait
    image: busybox
    command: [sh, -c, 'kube-scheduler --profiling=true']
  containers:
  - name: scheduler
    image: registry.k8s.io/kube-scheduler:v1.30.2
    command:
    - /go-runner
    - --log-file=/var/log/kube-scheduler.log
    - /usr/local/bin/kube-scheduler
    - --kubeconfig=/etc/kubernetes/scheduler.conf
    args:
    - --bind-address
    - 0.0.0.0
    - --profiling=false
");
    assert_eq!(
        found,
        [(
            "MOAT-471".to_owned(),
            "spec.containers[0].args[1]".to_owned(),
            "kube-scheduler: --bind-address=0.0.0.0; expected a loopback address such as 127.0.0.1"
                .to_owned(),
            Some("scheduler".to_owned()),
        )]
    );
}

#[test]
fn absent_flags_of_one_check_make_one_finding_at_command() {
    let found = run("apiVersion: v1
kind: Pod
metadata: {name: etcd}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.12-0
    command: [etcd, --client-cert-auth, --peer-client-cert-auth=true, --peer-cert-file=/p.crt, --peer-key-file=/p.key]
    env:
    - name: ETCD_AUTO_TLS
      value: 'true'
");
    let ids: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|(id, path, msg, _)| (id.as_str(), path.as_str(), msg.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (
                "MOAT-480",
                "spec.containers[0].command",
                "etcd: --cert-file is not set; --key-file is not set"
            ),
            (
                "MOAT-482",
                "spec.containers[0].env[0].value",
                "etcd: ETCD_AUTO_TLS=true (environment variable); expected false"
            ),
        ]
    );
}

#[test]
fn config_files_take_rules_out_of_the_command_line() {
    let found = run("apiVersion: v1
kind: Pod
metadata: {name: etcd}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.5.12-0
    command: [etcd, --config-file=/etc/etcd/etcd.conf.yml]
");
    assert!(found.is_empty(), "{found:?}");
}
