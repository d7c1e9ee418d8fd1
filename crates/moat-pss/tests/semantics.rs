//! The tricky parts of the Pod Security Standards, on small fixtures of our own: version
//! boundaries, restricted-level overrides, Windows and user-namespace relaxations, the
//! exact upstream messages, defaulting, and field paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use moat_manifest::{PodSpecView, load_bytes};
use moat_pss::{
    CheckId, Level, LevelVersion, Version, Violation, denial_message, evaluate, forbidden_reason,
};

const B: Level = Level::Baseline;
const R: Level = Level::Restricted;

fn v(n: u32) -> Version {
    Version::V1(n)
}

fn eval(yaml: &str, level: Level, version: Version) -> Vec<Violation> {
    let lf = load_bytes("t.yaml", yaml.as_bytes());
    assert!(lf.errors.is_empty(), "{:?}", lf.errors);
    let pod = PodSpecView::of(&lf.resources[0]).expect("a workload");
    evaluate(&pod, level, version)
}

fn ids(yaml: &str, level: Level, version: Version) -> Vec<&'static str> {
    eval(yaml, level, version)
        .iter()
        .map(|v| v.check.as_str())
        .collect()
}

/// A pod that passes restricted at every version, with `extra` appended to the spec and
/// `container` appended to the one container.
fn pod(spec_extra: &str, container_extra: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {{type: RuntimeDefault}}
  containers:
  - name: app
    image: x
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {{drop: [ALL]}}
{container_extra}
{spec_extra}
"
    )
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for l in s.lines() {
        out.push_str(&pad);
        out.push_str(l);
        out.push('\n');
    }
    out
}

fn container_sc(extra: &str) -> String {
    indent(extra, 6)
}

#[test]
fn the_hardened_pod_passes_everywhere() {
    let p = pod("", "");
    for version in Version::known() {
        assert!(eval(&p, R, version).is_empty(), "{version}");
        assert!(eval(&p, B, version).is_empty(), "{version}");
        assert!(eval(&p, Level::Privileged, version).is_empty());
    }
}

#[test]
fn minimum_versions() {
    let bare = "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsNonRoot: true}\n  containers:\n  - name: app\n";
    // allowPrivilegeEscalation exists from v1.8, capabilities_restricted from v1.22
    assert!(ids(bare, R, v(7)).is_empty());
    assert_eq!(ids(bare, R, v(8)), ["allowPrivilegeEscalation"]);
    assert_eq!(ids(bare, R, v(18)), ["allowPrivilegeEscalation"]);
    assert_eq!(
        ids(bare, R, v(19)),
        ["allowPrivilegeEscalation", "seccompProfile_restricted"]
    );
    assert_eq!(
        ids(bare, R, v(22)),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    // runAsUser from v1.23
    let root = pod("", &container_sc("runAsUser: 0"));
    assert!(ids(&root, R, v(22)).is_empty());
    assert_eq!(ids(&root, R, v(23)), ["runAsUser"]);
    // hostProbesAndHostLifecycle from v1.34, at baseline too
    let probe = pod(
        "",
        "    livenessProbe: {httpGet: {host: 10.0.0.1, port: 80}}",
    );
    assert!(ids(&probe, B, v(33)).is_empty());
    assert_eq!(ids(&probe, B, v(34)), ["hostProbesAndHostLifecycle"]);
    assert_eq!(
        ids(&probe, R, Version::Latest),
        ["hostProbesAndHostLifecycle"]
    );
}

#[test]
fn allowed_values_grow_by_version() {
    let sysctl = |name: &str| {
        pod("  hostNetwork: false\n", "").replace(
            "    runAsNonRoot: true\n",
            &format!("    runAsNonRoot: true\n    sysctls: [{{name: {name}, value: '1'}}]\n"),
        )
    };
    for (name, since) in [
        ("net.ipv4.ping_group_range", 0),
        ("net.ipv4.ip_local_reserved_ports", 27),
        ("net.ipv4.tcp_keepalive_time", 29),
        ("net.ipv4.tcp_rmem", 32),
        ("net.ipv4.tcp_notsent_lowat", 37),
    ] {
        let p = sysctl(name);
        if since > 0 {
            assert_eq!(ids(&p, B, v(since - 1)), ["sysctls"], "{name}");
        }
        assert!(ids(&p, B, v(since)).is_empty(), "{name}");
        assert!(ids(&p, B, Version::Latest).is_empty(), "{name}");
    }
    let p = sysctl("kernel.msgmax");
    let got = eval(&p, B, Version::Latest);
    assert_eq!(got[0].message(), "forbidden sysctls (kernel.msgmax)");
    assert_eq!(got[0].path(), "spec.securityContext.sysctls[0].name");

    let engine = pod(
        "",
        &container_sc("seLinuxOptions: {type: container_engine_t}"),
    );
    assert_eq!(ids(&engine, B, v(30)), ["seLinuxOptions"]);
    assert!(ids(&engine, B, v(31)).is_empty());
}

#[test]
fn seccomp_annotations_before_v1_19_fields_after() {
    let annotated = "apiVersion: v1
kind: Pod
metadata:
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/app: \"\"
spec:
  containers:
  - name: app
";
    let got = eval(annotated, B, v(18));
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].message(),
        r#"seccompProfile (forbidden annotations container.seccomp.security.alpha.kubernetes.io/app="", seccomp.security.alpha.kubernetes.io/pod="unconfined")"#
    );
    assert!(eval(annotated, B, v(19)).is_empty());
    // restricted before v1.19 still runs the baseline annotation check
    assert_eq!(
        ids(annotated, R, v(18)),
        [
            "seccompProfile_baseline",
            "allowPrivilegeEscalation",
            "runAsNonRoot"
        ]
    );

    let field = pod("", &container_sc("seccompProfile: {type: Unconfined}"));
    assert!(eval(&field, B, v(18)).is_empty());
    let got = eval(&field, B, v(19));
    assert_eq!(
        got[0].message(),
        r#"seccompProfile (container "app" must not set securityContext.seccompProfile.type to "Unconfined")"#
    );
    assert_eq!(got[0].check, CheckId::SeccompProfileBaseline);
    // at restricted the restricted check replaces it, with the same message
    let got = eval(&field, R, v(19));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].check, CheckId::SeccompProfileRestricted);
}

#[test]
fn restricted_overrides_baseline_checks() {
    let caps = pod("", "").replace("drop: [ALL]", "drop: [ALL], add: [SYS_ADMIN, NET_RAW]");
    assert_eq!(ids(&caps, R, v(21)), ["capabilities_baseline"]);
    assert_eq!(ids(&caps, R, v(22)), ["capabilities_restricted"]);
    assert_eq!(ids(&caps, B, v(22)), ["capabilities_baseline"]);
    assert_eq!(
        eval(&caps, R, v(22))[0].message(),
        r#"unrestricted capabilities (container "app" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#
    );
    assert_eq!(
        eval(&caps, B, v(22))[0].message(),
        r#"non-default capabilities (container "app" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add)"#
    );

    let host_path = pod("  volumes:\n  - name: root\n    hostPath: {path: /}\n", "");
    assert_eq!(ids(&host_path, B, v(0)), ["hostPathVolumes"]);
    assert_eq!(ids(&host_path, R, v(0)), ["restrictedVolumes"]);
    let r = eval(&host_path, R, Version::Latest);
    assert_eq!(
        r[0].message(),
        r#"restricted volume types (volume "root" uses restricted volume type "hostPath")"#
    );
    assert_eq!(r[0].path(), "spec.volumes[0].hostPath");
    assert_eq!(
        eval(&host_path, B, Version::Latest)[0].message(),
        r#"hostPath volumes (volume "root")"#
    );
}

#[test]
fn windows_pods_are_relaxed_from_v1_25() {
    let win = "apiVersion: v1
kind: Pod
spec:
  os: {name: windows}
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
";
    assert_eq!(
        ids(win, R, v(24)),
        [
            "allowPrivilegeEscalation",
            "capabilities_restricted",
            "seccompProfile_restricted"
        ]
    );
    assert!(ids(win, R, v(25)).is_empty());
    assert!(ids(win, R, Version::Latest).is_empty());
    // runAsNonRoot is not relaxed for Windows
    let win_root = win.replace("runAsNonRoot: true", "runAsNonRoot: false");
    assert_eq!(ids(&win_root, R, Version::Latest), ["runAsNonRoot"]);
    // hostProcess stays forbidden at baseline
    let host_process = win.replace(
        "  securityContext: {runAsNonRoot: true}",
        "  securityContext: {windowsOptions: {hostProcess: true}}",
    );
    let got = eval(&host_process, B, Version::Latest);
    assert_eq!(
        got[0].message(),
        "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)"
    );
    // a Linux os name is no relaxation
    let linux = win.replace("name: windows", "name: linux");
    assert_eq!(ids(&linux, R, v(25)).len(), 3);
}

#[test]
fn user_namespaces_relax_from_v1_35() {
    let userns = "apiVersion: v1
kind: Pod
spec:
  hostUsers: false
  securityContext:
    seccompProfile: {type: RuntimeDefault}
    runAsUser: 0
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
      procMount: Unmasked
";
    assert_eq!(
        ids(userns, R, v(34)),
        ["procMount", "runAsNonRoot", "runAsUser"]
    );
    assert_eq!(ids(userns, R, v(35)), ["procMount_restricted"]);
    assert_eq!(ids(userns, B, v(34)), ["procMount"]);
    assert!(ids(userns, B, v(35)).is_empty());
    let got = eval(userns, R, Version::Latest);
    assert_eq!(
        got[0].message(),
        r#"procMount (container "app" must not set securityContext.procMount to "Unmasked")"#
    );
    // hostUsers: true (or unset) is no relaxation
    let host = userns.replace("hostUsers: false", "hostUsers: true");
    assert_eq!(
        ids(&host, R, v(35)),
        ["procMount_restricted", "runAsNonRoot", "runAsUser"]
    );
    assert_eq!(ids(&host, B, v(35)), ["procMount"]);
}

#[test]
fn aggregated_messages_match_the_api_server() {
    let bad = "apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  hostNetwork: true
  hostPID: true
  initContainers:
  - name: init
    securityContext: {privileged: true, runAsNonRoot: false}
  containers:
  - name: a
    ports: [{containerPort: 8080, hostPort: 9090}, {containerPort: 80}]
    securityContext: {privileged: true}
  - name: b
    securityContext:
      allowPrivilegeEscalation: false
      seLinuxOptions: {type: spc_t, user: root, role: sysadm_r}
      capabilities: {drop: [ALL]}
  volumes:
  - {name: data, nfs: {server: x, path: /}}
  - {name: empty}
";
    let got = eval(bad, R, Version::Latest);
    let lv = LevelVersion::new(R, Version::Latest);
    assert_eq!(
        forbidden_reason(&got),
        "host namespaces, hostPort, privileged, seLinuxOptions, allowPrivilegeEscalation != false, \
         unrestricted capabilities, restrictedVolumes, runAsNonRoot != true, seccompProfile"
            .replace("restrictedVolumes", "restricted volume types")
    );
    let expected = [
        "host namespaces (hostNetwork=true, hostPID=true)",
        // hostNetwork defaults the second port's hostPort to its containerPort
        r#"hostPort (container "a" uses hostPorts 80, 9090)"#,
        r#"privileged (containers "init", "a" must not set securityContext.privileged=true)"#,
        r#"seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set; role may not be set)"#,
        r#"allowPrivilegeEscalation != false (containers "init", "a" must set securityContext.allowPrivilegeEscalation=false)"#,
        r#"unrestricted capabilities (containers "init", "a" must set securityContext.capabilities.drop=["ALL"])"#,
        r#"restricted volume types (volume "data" uses restricted volume type "nfs")"#,
        r#"runAsNonRoot != true (container "init" must not set securityContext.runAsNonRoot=false)"#,
        r#"seccompProfile (pod or containers "init", "a", "b" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")"#,
    ];
    assert_eq!(
        got.iter().map(Violation::message).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        denial_message(lv, &got),
        format!(
            "violates PodSecurity \"restricted:latest\": {}",
            expected.join(", ")
        )
    );
}

#[test]
fn app_armor_annotations_are_quoted_like_go() {
    let p = "apiVersion: v1
kind: Pod
metadata:
  annotations:
    container.apparmor.security.beta.kubernetes.io/a: unconfined
    container.apparmor.security.beta.kubernetes.io/b: \"say \\\"hi\\\"\\n\"
    container.apparmor.security.beta.kubernetes.io/c: localhost/ok
spec:
  securityContext: {appArmorProfile: {type: Unconfined}}
  containers:
  - name: x
";
    let got = eval(p, B, Version::Latest);
    assert_eq!(got[0].reason, "forbidden AppArmor profiles");
    assert_eq!(
        got[0].detail,
        r#"pod and annotations must not set AppArmor profile type to "Unconfined", "container.apparmor.security.beta.kubernetes.io/a="unconfined"", "container.apparmor.security.beta.kubernetes.io/b="say \"hi\"\n"""#
    );
    assert_eq!(
        got[0].paths,
        [
            "spec.securityContext.appArmorProfile.type",
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/a\"]",
            "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/b\"]",
        ]
    );
}

#[test]
fn singular_and_plural_forms() {
    let p = pod(
        "  volumes:\n  - {name: a, gitRepo: {repository: x}}\n  - {name: b, iscsi: {}}\n  - {name: c, iscsi: {}}\n",
        "    ports: [{hostPort: 1}]\n    livenessProbe: {tcpSocket: {host: h1, port: 1}}\n    lifecycle: {preStop: {httpGet: {host: h2, port: 1}}}",
    );
    let got = eval(&p, R, Version::Latest);
    let msgs: Vec<String> = got.iter().map(Violation::message).collect();
    assert_eq!(
        msgs,
        [
            r#"hostPort (container "app" uses hostPort 1)"#,
            r#"probe or lifecycle host (container "app" uses probe or lifecycle hosts "h1", "h2")"#,
            r#"restricted volume types (volumes "a", "b", "c" use restricted volume types "gitRepo", "iscsi")"#,
        ]
    );
}

#[test]
fn defaulting_and_fail_closed_values() {
    // a volume with no source is defaulted to emptyDir; unknown source fields fail closed
    let p = pod(
        "  volumes:\n  - name: a\n  - {name: b, emptyDir: null}\n  - {name: c, futureSource: {}}\n",
        "",
    );
    let got = eval(&p, R, Version::Latest);
    assert_eq!(
        got[0].message(),
        r#"restricted volume types (volume "c" uses restricted volume type "unknown")"#
    );
    assert_eq!(got[0].path(), "spec.volumes[2]");
    // ill-typed values are never the safe value
    let p = pod("", &container_sc("privileged: \"true\""));
    assert_eq!(ids(&p, B, Version::Latest), ["privileged"]);
    let p = pod("", "").replace(
        "allowPrivilegeEscalation: false",
        "allowPrivilegeEscalation: \"false\"",
    );
    assert_eq!(ids(&p, R, Version::Latest), ["allowPrivilegeEscalation"]);
    // null is unset
    let p = pod(
        "  hostNetwork: null\n",
        &container_sc("privileged: null\nprocMount: null"),
    );
    assert!(ids(&p, R, Version::Latest).is_empty());
}

#[test]
fn pod_level_settings_cover_containers() {
    let p = "apiVersion: v1
kind: Pod
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: Localhost, localhostProfile: p.json}}
  containers:
  - name: a
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
  - name: b
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
      runAsNonRoot: false
";
    let got = eval(p, R, Version::Latest);
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].message(),
        r#"runAsNonRoot != true (container "b" must not set securityContext.runAsNonRoot=false)"#
    );
    assert_eq!(
        got[0].path(),
        "spec.containers[1].securityContext.runAsNonRoot"
    );
}

#[test]
fn workload_paths_resolve_to_lines() {
    let d = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      containers:
      - name: app
        image: nginx
        securityContext:
          privileged: true
";
    let lf = load_bytes("d.yaml", d.as_bytes());
    let r = &lf.resources[0];
    let got = evaluate(&PodSpecView::of(r).unwrap(), B, Version::Latest);
    assert_eq!(
        ids(d, B, Version::Latest),
        ["appArmorProfile", "privileged"]
    );
    assert_eq!(
        got[0].path(),
        "spec.template.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"]"
    );
    assert_eq!(r.pos_of(got[0].path()).line, 8);
    assert_eq!(
        got[1].path(),
        "spec.template.spec.containers[0].securityContext.privileged"
    );
    assert_eq!(r.pos_of(got[1].path()).line, 14);
    // a missing field resolves to its nearest present parent
    let got = evaluate(&PodSpecView::of(r).unwrap(), R, Version::Latest);
    let ape = got
        .iter()
        .find(|v| v.check == CheckId::AllowPrivilegeEscalation)
        .unwrap();
    assert_eq!(r.pos_of(ape.path()).line, 13);
}

#[test]
fn cronjob_and_ephemeral_containers() {
    let cj = "apiVersion: batch/v1
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          ephemeralContainers:
          - name: debug
            securityContext: {capabilities: {add: [SYS_PTRACE]}}
";
    let got = eval(cj, B, Version::Latest);
    assert_eq!(
        got[0].message(),
        r#"non-default capabilities (container "debug" must not include "SYS_PTRACE" in securityContext.capabilities.add)"#
    );
    assert_eq!(
        got[0].path(),
        "spec.jobTemplate.spec.template.spec.ephemeralContainers[0].securityContext.capabilities.add[0]"
    );
}
