//! Exposure: NodePort and LoadBalancer Services, externalIPs, Ingress without TLS, and
//! Services or Ingresses exposing the kubelet, etcd or the dashboard.

use moat_core::{CheckMeta, Severity};
use moat_manifest::node::push_index;
use moat_manifest::{Node, Resource};

use crate::{Check, Emit, Scope};

fn is_service(res: &Resource) -> bool {
    res.rref.kind == "Service" && res.group().is_empty()
}

fn is_ingress(res: &Resource) -> bool {
    res.rref.kind == "Ingress" && matches!(res.group(), "networking.k8s.io" | "extensions")
}

fn service_type(res: &Resource) -> &str {
    res.node
        .get_path(&["spec", "type"])
        .and_then(Node::as_str)
        .unwrap_or("ClusterIP")
}

/// `type: NodePort`.
pub struct NodePort;

static NODEPORT_META: CheckMeta = CheckMeta {
    id: "MOAT-170",
    name: "service-nodeport",
    severity: Severity::Low,
    title: "Service of type NodePort",
    rationale: "A NodePort opens the same port on every node of the cluster, on every node address, usually bypassing the load balancer's filtering and TLS. Node addresses are then part of the attack surface.",
    remediation: "Use a ClusterIP Service behind an Ingress or Gateway, or a LoadBalancer with `loadBalancerSourceRanges`.",
    fix_example: "spec:\n  type: ClusterIP\n",
    references: &["https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport"],
    frameworks: &["NSA-CISA", "MITRE:T1133"],
};

impl Check for NodePort {
    fn meta(&self) -> &'static CheckMeta {
        &NODEPORT_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if is_service(res) && service_type(res) == "NodePort" {
            out.report(
                "spec.type".to_owned(),
                "Service is of type NodePort".to_owned(),
            );
        }
    }
}

/// `type: LoadBalancer` open to the world.
pub struct LoadBalancerOpen;

static LB_META: CheckMeta = CheckMeta {
    id: "MOAT-171",
    name: "loadbalancer-no-source-ranges",
    severity: Severity::Medium,
    title: "LoadBalancer Service without source ranges",
    rationale: "Without `loadBalancerSourceRanges` a LoadBalancer Service is reachable from every address the cloud load balancer faces, typically the whole Internet.",
    remediation: "Set `loadBalancerSourceRanges` to the client networks, or put the service behind an authenticated Ingress/Gateway.",
    fix_example: "spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 203.0.113.0/24\n",
    references: &[
        "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#restrict-access-for-loadbalancer-service",
    ],
    frameworks: &["NSA-CISA", "MITRE:T1133"],
};

impl Check for LoadBalancerOpen {
    fn meta(&self) -> &'static CheckMeta {
        &LB_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if !is_service(res) || service_type(res) != "LoadBalancer" {
            return;
        }
        let ranges = res
            .node
            .get_path(&["spec", "loadBalancerSourceRanges"])
            .is_some_and(|n| !n.items().is_empty());
        let annotated = res
            .annotation("service.beta.kubernetes.io/load-balancer-source-ranges")
            .is_some();
        let internal = res
            .node
            .get_path(&["metadata", "annotations"])
            .is_some_and(|a| {
                a.entries().iter().any(|e| {
                    e.key.contains("internal") && e.value.as_str().is_some_and(|v| v != "false")
                })
            });
        if !(ranges || annotated || internal) {
            out.report(
                "spec.type".to_owned(),
                "LoadBalancer Service has no loadBalancerSourceRanges".to_owned(),
            );
        }
    }
}

/// `spec.externalIPs` set.
pub struct ExternalIps;

static EXTERNAL_META: CheckMeta = CheckMeta {
    id: "MOAT-172",
    name: "service-external-ips",
    severity: Severity::Medium,
    title: "Service sets externalIPs",
    rationale: "`externalIPs` make kube-proxy capture traffic for arbitrary addresses on every node. Anyone who can create Services can intercept traffic meant for other destinations (CVE-2020-8554); CIS recommends denying it with the DenyServiceExternalIPs admission plugin.",
    remediation: "Remove `externalIPs`; use a LoadBalancer Service or an Ingress/Gateway.",
    fix_example: "spec:\n  type: LoadBalancer\n",
    references: &["https://github.com/kubernetes/kubernetes/issues/97076"],
    frameworks: &["CIS-1.2.3", "NSA-CISA", "MITRE:T1557"],
};

impl Check for ExternalIps {
    fn meta(&self) -> &'static CheckMeta {
        &EXTERNAL_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if is_service(res)
            && res
                .node
                .get_path(&["spec", "externalIPs"])
                .is_some_and(|n| !n.items().is_empty())
        {
            out.report(
                "spec.externalIPs".to_owned(),
                "Service sets externalIPs".to_owned(),
            );
        }
    }
}

/// Ingress without TLS.
pub struct IngressTls;

static TLS_META: CheckMeta = CheckMeta {
    id: "MOAT-173",
    name: "ingress-no-tls",
    severity: Severity::Medium,
    title: "Ingress without TLS",
    rationale: "An Ingress without `spec.tls` serves plain HTTP: credentials, cookies and data cross the network in clear text and can be altered in transit.",
    remediation: "Add a `tls` section with a certificate (e.g. issued by cert-manager) for every host.",
    fix_example: "spec:\n  tls:\n  - hosts: [shop.example.com]\n    secretName: shop-tls\n",
    references: &["https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"],
    frameworks: &["NSA-CISA", "MITRE:T1040"],
};

impl Check for IngressTls {
    fn meta(&self) -> &'static CheckMeta {
        &TLS_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        if is_ingress(res)
            && res
                .node
                .get_path(&["spec", "tls"])
                .is_none_or(|n| n.items().is_empty())
        {
            out.report("spec".to_owned(), "Ingress has no tls section".to_owned());
        }
    }
}

/// Ports of node and control-plane services that must never be exposed.
const SENSITIVE_PORTS: &[(i64, &str)] = &[
    (10250, "kubelet API"),
    (10255, "kubelet read-only API"),
    (2379, "etcd client API"),
    (2380, "etcd peer API"),
    (10257, "kube-controller-manager"),
    (10259, "kube-scheduler"),
];

fn sensitive_port(n: Option<&Node>) -> Option<&'static str> {
    let p = n?.as_i64()?;
    SENSITIVE_PORTS
        .iter()
        .find(|(q, _)| *q == p)
        .map(|(_, what)| *what)
}

/// Service or Ingress exposing kubelet, etcd or the dashboard.
pub struct SensitiveExposure;

static SENSITIVE_META: CheckMeta = CheckMeta {
    id: "MOAT-174",
    name: "sensitive-service-exposed",
    severity: Severity::High,
    title: "Kubelet, etcd or dashboard exposed",
    rationale: "The kubelet API executes commands in any pod of its node, etcd holds every Secret of the cluster, and the Kubernetes dashboard has been the entry point of public cryptojacking incidents. None of them should be reachable through a NodePort, LoadBalancer or Ingress.",
    remediation: "Remove the exposure; reach the dashboard through `kubectl proxy` or an authenticated gateway.",
    fix_example: "spec:\n  type: ClusterIP\n",
    references: &[
        "https://kubernetes.io/docs/tasks/access-application-cluster/web-ui-dashboard/",
        "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/",
    ],
    frameworks: &["NSA-CISA", "MITRE:T1133"],
};

impl Check for SensitiveExposure {
    fn meta(&self) -> &'static CheckMeta {
        &SENSITIVE_META
    }

    fn scope(&self) -> Scope {
        Scope::Any
    }

    fn check_object(&self, res: &Resource, out: &mut Emit<'_>) {
        let dashboard = |s: &str| s.contains("kubernetes-dashboard");
        if is_service(res) && matches!(service_type(res), "NodePort" | "LoadBalancer") {
            let name = res.rref.name.as_deref().unwrap_or("");
            let selector_dashboard = res.node.get_path(&["spec", "selector"]).is_some_and(|s| {
                s.entries()
                    .iter()
                    .any(|e| e.value.as_str().is_some_and(dashboard))
            });
            if dashboard(name) || selector_dashboard {
                out.report(
                    "spec.type".to_owned(),
                    "the Kubernetes dashboard is exposed outside the cluster".to_owned(),
                );
            }
            let ports = res
                .node
                .get_path(&["spec", "ports"])
                .map_or(&[][..], Node::items);
            for (i, p) in ports.iter().enumerate() {
                if let Some(what) =
                    sensitive_port(p.get("port")).or_else(|| sensitive_port(p.get("targetPort")))
                {
                    let mut path = "spec.ports".to_owned();
                    push_index(&mut path, i);
                    out.report(
                        path,
                        format!("Service exposes the {what} outside the cluster"),
                    );
                }
            }
        }
        if is_ingress(res) && !authenticated_by_ingress_nginx(res) {
            let mut backends = Vec::new();
            collect_backends(&res.node, &mut String::new(), &mut backends);
            for (path, n) in backends {
                let name = n
                    .get_path(&["service", "name"])
                    .or_else(|| n.get("serviceName"))
                    .and_then(Node::as_str)
                    .unwrap_or("");
                let port = n
                    .get_path(&["service", "port", "number"])
                    .or_else(|| n.get("servicePort"));
                if dashboard(name) {
                    out.report(
                        path,
                        format!("Ingress routes to the Kubernetes dashboard ({name})"),
                    );
                } else if let Some(what) = sensitive_port(port) {
                    out.report(path, format!("Ingress routes to the {what}"));
                }
            }
        }
    }
}

/// Whether ingress-nginx authenticates every request of the Ingress before it reaches a
/// backend (the authenticated gateway MOAT-174's remediation asks for): an external auth
/// service (`auth-url`), basic or digest auth with a user file (`auth-type` and
/// `auth-secret`), or a required client certificate (`auth-tls-verify-client: on`).
fn authenticated_by_ingress_nginx(res: &Resource) -> bool {
    let annotation = |key: &str| {
        res.node
            .get_path(&["metadata", "annotations", key])
            .and_then(Node::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let nginx = |key: &str| annotation(&format!("nginx.ingress.kubernetes.io/{key}"));
    nginx("auth-url").is_some()
        || (matches!(nginx("auth-type"), Some("basic" | "digest"))
            && nginx("auth-secret").is_some())
        || nginx("auth-tls-verify-client") == Some("on")
}

/// Finds every `backend`/`defaultBackend` mapping under an Ingress, with its path.
fn collect_backends<'a>(n: &'a Node, path: &mut String, out: &mut Vec<(String, &'a Node)>) {
    match &n.value {
        moat_manifest::Value::Map(entries) => {
            for e in entries {
                let len = path.len();
                moat_manifest::node::push_key(path, &e.key);
                if matches!(e.key.as_str(), "backend" | "defaultBackend") && e.value.is_map() {
                    out.push((path.clone(), &e.value));
                } else {
                    collect_backends(&e.value, path, out);
                }
                path.truncate(len);
            }
        }
        moat_manifest::Value::Seq(items) => {
            for (i, it) in items.iter().enumerate() {
                let len = path.len();
                push_index(path, i);
                collect_backends(it, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}
