//! The RBAC risk checks (`MOAT-200`…`MOAT-229`) as data: what `moat explain` prints.
//! The evaluation is in [`crate::risks`].

use moat_core::{CheckMeta, Severity};

const RBAC_DOC: &str = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/";
const GOOD_PRACTICES: &str = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/";
const CIS: &str = "https://www.cisecurity.org/benchmark/kubernetes";

macro_rules! check {
    ($static:ident, $id:literal, $name:literal, $sev:ident, $title:literal,
     rationale: $rationale:literal, remediation: $remediation:literal, fix: $fix:literal,
     refs: [$($r:expr),* $(,)?], frameworks: [$($f:literal),* $(,)?]) => {
        #[doc = concat!("`", $id, "` ", $title)]
        pub static $static: CheckMeta = CheckMeta {
            id: $id,
            name: $name,
            severity: Severity::$sev,
            title: $title,
            rationale: $rationale,
            remediation: $remediation,
            fix_example: $fix,
            references: &[$($r),*],
            frameworks: &[$($f),*],
        };
    };
}

check!(CLUSTER_ADMIN, "MOAT-200", "rbac-cluster-admin", Critical,
    "Subject bound to cluster-admin (every verb on every resource cluster-wide)",
    rationale: "A ClusterRoleBinding to cluster-admin, or to any ClusterRole granting `*` verbs on `*` resources in `*` API groups, gives its subjects complete control of the cluster: every Secret, every workload, every node through privileged pods, and RBAC itself. Leaked credentials of such a subject are a full compromise.",
    remediation: "Bind a purpose-built role with only the verbs and resources the subject needs, scoped with a RoleBinding to the namespaces it works in. Keep cluster-admin for break-glass accounts.",
    fix: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: team-a-edit\n  namespace: team-a\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: edit\nsubjects:\n- kind: Group\n  name: team-a\n  apiGroup: rbac.authorization.k8s.io\n",
    refs: [RBAC_DOC, GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.1", "NSA-CISA", "MITRE:T1078"]);

check!(WILDCARD, "MOAT-201", "rbac-wildcard", Medium,
    "Role grants wildcard verbs or resources",
    rationale: "`*` in verbs or resources grants everything that exists now and everything added later (new subresources, custom resources, `escalate`, `bind`, `impersonate`). `*` verbs on `*` resources make the subject an administrator of the binding's scope.",
    remediation: "List the verbs and resources the subject needs explicitly.",
    fix: "rules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\", \"update\"]\n",
    refs: [RBAC_DOC, GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.3", "NSA-CISA", "MITRE:T1078"]);

check!(SECRETS_READ, "MOAT-202", "rbac-read-secrets", High,
    "Subject can read Secrets",
    rationale: "`get`, `list` or `watch` on Secrets discloses every credential stored in the scope, including ServiceAccount token Secrets, which turns into the permissions of those accounts. `list` and `watch` return the values, not just names.",
    remediation: "Remove read access to Secrets, or restrict it with `resourceNames` to the Secrets the subject needs, in a RoleBinding of one namespace.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n  resourceNames: [\"app-config\"]\n  verbs: [\"get\"]\n",
    refs: [RBAC_DOC, GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.2", "NSA-CISA", "MITRE:T1552.007"]);

check!(WORKLOAD_CREATE, "MOAT-203", "rbac-create-workloads", High,
    "Subject can create pods or change pod controllers",
    rationale: "Whoever creates a pod (directly or through a Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob or ReplicationController) chooses its ServiceAccount and mounts, so they obtain the token of any ServiceAccount in the namespace, and — unless Pod Security admission forbids it — a privileged or hostPath pod gives root on a node.",
    remediation: "Grant workload creation only to deployment pipelines; enforce Pod Security `baseline` or `restricted` on the namespace; keep powerful ServiceAccounts out of namespaces where others can create pods.",
    fix: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
    refs: [RBAC_DOC, GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.4", "NSA-CISA", "MITRE:T1610"]);

check!(POD_EXEC, "MOAT-204", "rbac-exec-pods", High,
    "Subject can run code in existing pods (exec, attach, port-forward, update pods, ephemeral containers)",
    rationale: "`pods/exec` and `pods/attach` give a shell in running containers and their mounted ServiceAccount tokens; updating pods swaps images; ephemeral containers add a (possibly privileged) container to a running pod; `pods/portforward` reaches pod ports past NetworkPolicies and Services. WebSocket clients use `get` for exec, attach and port-forward, so `get` is as dangerous as `create` on clusters before Kubernetes 1.31.",
    remediation: "Remove these subresources from day-to-day roles; grant them through a separate, time-limited binding when debugging is needed.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods\", \"pods/log\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: [RBAC_DOC, GOOD_PRACTICES],
    frameworks: ["NSA-CISA", "MITRE:T1609"]);

check!(BIND_ESCALATE, "MOAT-205", "rbac-bind-escalate", Critical,
    "Subject has the bind or escalate verb on roles",
    rationale: "The API server normally refuses to let a subject grant permissions it does not hold. `bind` lifts that check for role bindings (bind any role, e.g. cluster-admin, to yourself) and `escalate` lifts it for role edits (add any rule to a role you hold).",
    remediation: "Remove `bind` and `escalate`; if delegation is needed, restrict `bind` with `resourceNames` to specific roles.",
    fix: "rules:\n- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"clusterroles\"]\n  resourceNames: [\"view\"]\n  verbs: [\"bind\"]\n",
    refs: [RBAC_DOC, "https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb", CIS],
    frameworks: ["CIS-5.1.8", "NSA-CISA", "MITRE:T1098.006"]);

check!(IMPERSONATE, "MOAT-206", "rbac-impersonate", Critical,
    "Subject can impersonate users, groups or ServiceAccounts",
    rationale: "Impersonation lets the subject act as another identity with that identity's permissions; impersonating the group `system:masters` bypasses authorization entirely.",
    remediation: "Remove `impersonate`, or restrict it with `resourceNames` to specific low-privilege identities.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"users\"]\n  resourceNames: [\"readonly-bot\"]\n  verbs: [\"impersonate\"]\n",
    refs: [RBAC_DOC, "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation", CIS],
    frameworks: ["CIS-5.1.8", "NSA-CISA", "MITRE:T1078"]);

check!(RBAC_WRITE, "MOAT-207", "rbac-modify-rbac", Medium,
    "Subject can create or modify roles and role bindings",
    rationale: "Writing Roles and bindings lets the subject hand its own permissions to other identities (persistence, lateral movement) and, combined with `bind`/`escalate` or with permissions it already holds, rewrite who can do what.",
    remediation: "Manage RBAC through a reviewed pipeline; grant RBAC write access only to it.",
    fix: "rules:\n- apiGroups: [\"rbac.authorization.k8s.io\"]\n  resources: [\"roles\", \"rolebindings\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: [RBAC_DOC, GOOD_PRACTICES],
    frameworks: ["NSA-CISA", "MITRE:T1098.006"]);

check!(TOKEN_CREATE, "MOAT-208", "rbac-create-tokens", High,
    "Subject can issue ServiceAccount tokens",
    rationale: "`create` on `serviceaccounts/token` issues a token for any ServiceAccount in scope (TokenRequest API), which carries that account's permissions — including long-lived ones that outlive the subject's own access. Creating a Secret of type `kubernetes.io/service-account-token` has the token controller issue a long-lived token into it (reported at medium severity: the token must still be read back or mounted).",
    remediation: "Remove `serviceaccounts/token` create, or restrict it with `resourceNames` to the accounts the subject manages.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"serviceaccounts/token\"]\n  resourceNames: [\"ci-runner\"]\n  verbs: [\"create\"]\n",
    refs: ["https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/", GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.13", "NSA-CISA", "MITRE:T1528"]);

check!(NODES_PROXY, "MOAT-209", "rbac-nodes-proxy", High,
    "Subject can use the nodes/proxy subresource (kubelet API)",
    rationale: "`nodes/proxy` reaches the kubelet API of every node: run commands in any pod (`/exec`, `/run`), read logs, all without API-server audit entries for the commands.",
    remediation: "Remove `nodes/proxy`; monitoring agents need `nodes/metrics` and `nodes/stats` only.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"nodes/metrics\", \"nodes/stats\"]\n  verbs: [\"get\"]\n",
    refs: ["https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/", GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.10", "NSA-CISA", "MITRE:T1609"]);

check!(CSR_APPROVE, "MOAT-210", "rbac-approve-csr", High,
    "Subject can approve CertificateSigningRequests",
    rationale: "Updating `certificatesigningrequests/approval` approves client certificates. With `create` on CSRs and `approve` on the `kubernetes.io/kube-apiserver-client` signer, the subject can mint a certificate for any user and group, including `system:masters`.",
    remediation: "Leave CSR approval to the controller manager and node bootstrap; remove approval rights from people and workloads.",
    fix: "rules:\n- apiGroups: [\"certificates.k8s.io\"]\n  resources: [\"certificatesigningrequests\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: ["https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/#authorization", GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.11", "NSA-CISA", "MITRE:T1649"]);

check!(WEBHOOKS, "MOAT-211", "rbac-admission-webhooks", High,
    "Subject can modify admission webhooks or policies",
    rationale: "A mutating webhook sees and can change every object admitted to the cluster (inject containers, swap ServiceAccounts); a validating webhook sees every object, Secrets included, and can block the cluster. Deleting them disables security controls.",
    remediation: "Restrict write access to `validatingwebhookconfigurations`, `mutatingwebhookconfigurations` and admission policies to the platform's deployment pipeline.",
    fix: "rules:\n- apiGroups: [\"admissionregistration.k8s.io\"]\n  resources: [\"validatingwebhookconfigurations\", \"mutatingwebhookconfigurations\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: ["https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/", GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.12", "NSA-CISA", "MITRE:T1562.001"]);

check!(STATUS_MODIFY, "MOAT-212", "rbac-modify-status", Low,
    "Subject can modify nodes, or node, pod or service status",
    rationale: "Patching `nodes/status` changes node labels and capacity seen by the scheduler and updating nodes cordons them (with delete on pods: steer powerful pods onto a compromised node); `pods/status` can make a pod match other Services' endpoints; `services/status` sets load-balancer IPs (CVE-2020-8554 interception).",
    remediation: "Leave status subresources to the kubelet and controllers.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"nodes\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: [RBAC_DOC, "https://github.com/kubernetes/kubernetes/issues/97076"],
    frameworks: ["NSA-CISA", "MITRE:T1557"]);

check!(PV_CREATE, "MOAT-213", "rbac-create-persistentvolumes", High,
    "Subject can create PersistentVolumes",
    rationale: "A PersistentVolume can be a `hostPath` on any node; binding it to a claim and mounting it in a pod gives read/write access to the node's filesystem, bypassing Pod Security's hostPath restriction.",
    remediation: "Let storage provisioners create PersistentVolumes; users should only create PersistentVolumeClaims.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"persistentvolumeclaims\"]\n  verbs: [\"create\", \"get\", \"list\"]\n",
    refs: ["https://kubernetes.io/docs/concepts/storage/persistent-volumes/", GOOD_PRACTICES, CIS],
    frameworks: ["CIS-5.1.9", "NSA-CISA", "MITRE:T1611"]);

check!(ANONYMOUS, "MOAT-214", "rbac-anonymous-access", Critical,
    "Permissions granted to unauthenticated requests",
    rationale: "A binding to `system:anonymous` or `system:unauthenticated` grants its permissions to anyone who can reach the API server, without credentials. Kubernetes itself only grants health and version endpoints this way.",
    remediation: "Remove the subject from the binding; disable anonymous authentication (`--anonymous-auth=false`) or limit it to health endpoints (AuthenticationConfiguration `anonymous.conditions`).",
    fix: "subjects:\n- kind: Group\n  name: system:authenticated\n  apiGroup: rbac.authorization.k8s.io\n",
    refs: [RBAC_DOC, "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests", CIS],
    frameworks: ["CIS-5.1.1", "NSA-CISA", "MITRE:T1078.001"]);

check!(BROAD_GROUP, "MOAT-215", "rbac-broad-group", High,
    "Sensitive permissions granted to every authenticated user or every ServiceAccount",
    rationale: "`system:authenticated` includes every user and every ServiceAccount of the cluster (and, on managed clusters, sometimes every account of the cloud provider); `system:serviceaccounts[:NS]` includes every pod's token. Access to pods, nodes, Secrets, workloads or any write granted to them is granted to any compromised pod.",
    remediation: "Bind the permission to the specific users, groups or ServiceAccounts that need it.",
    fix: "subjects:\n- kind: Group\n  name: platform-team\n  apiGroup: rbac.authorization.k8s.io\n",
    refs: [RBAC_DOC, GOOD_PRACTICES],
    frameworks: ["NSA-CISA", "MITRE:T1078"]);

check!(DEFAULT_SA, "MOAT-216", "rbac-default-serviceaccount-bound", Medium,
    "The default ServiceAccount is granted permissions",
    rationale: "Every pod that does not name a ServiceAccount runs as `default`, so permissions bound to it are silently shared by all such pods of the namespace.",
    remediation: "Create a dedicated ServiceAccount for the workload that needs the permissions, bind them to it and set `serviceAccountName`.",
    fix: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: report-builder\n  namespace: team-a\nautomountServiceAccountToken: false\n",
    refs: ["https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts", CIS],
    frameworks: ["CIS-5.1.5", "NSA-CISA", "MITRE:T1078.001"]);

check!(MISSING_SUBJECT, "MOAT-217", "rbac-missing-serviceaccount", Info,
    "Binding names a ServiceAccount that is not in the input",
    rationale: "A binding to a ServiceAccount that does not exist grants nothing today, but whoever later creates an account of that name (anyone who can create ServiceAccounts in the namespace) inherits the permissions.",
    remediation: "Remove the subject, or fix its name or namespace.",
    fix: "subjects:\n- kind: ServiceAccount\n  name: builder\n  namespace: ci\n",
    refs: [RBAC_DOC],
    frameworks: ["NSA-CISA", "MITRE:T1098"]);

check!(MISSING_ROLE, "MOAT-218", "rbac-missing-role", Info,
    "Binding references a role that is not in the input",
    rationale: "A binding to a missing role grants nothing today, but whoever later creates a role of that name decides what its subjects may do.",
    remediation: "Remove the binding or create the intended role.",
    fix: "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\n",
    refs: [RBAC_DOC],
    frameworks: ["NSA-CISA", "MITRE:T1098"]);

check!(SYSTEM_CONFIGMAP, "MOAT-219", "rbac-modify-system-configmaps", Medium,
    "Subject can modify the CoreDNS or aws-auth ConfigMap in kube-system",
    rationale: "The `coredns` ConfigMap controls cluster DNS: changing it redirects any service name (man-in-the-middle). On EKS, `aws-auth` maps IAM identities to Kubernetes groups: changing it grants `system:masters` to any AWS principal.",
    remediation: "Restrict `update`/`patch` on ConfigMaps in kube-system; use `resourceNames` to exclude `coredns` and `aws-auth` where ConfigMap writes are needed.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"configmaps\"]\n  resourceNames: [\"my-app-config\"]\n  verbs: [\"update\", \"patch\"]\n",
    refs: ["https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/", "https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html"],
    frameworks: ["NSA-CISA", "MITRE:T1557"]);

check!(DELETE_EVENTS, "MOAT-220", "rbac-delete-events", Low,
    "Subject can delete events",
    rationale: "Deleting Events removes the trace of what happened in the cluster (failed logins to pods, image pulls, evictions), hiding an intrusion.",
    remediation: "Remove `delete`/`deletecollection` on events.",
    fix: "rules:\n- apiGroups: [\"\", \"events.k8s.io\"]\n  resources: [\"events\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: [RBAC_DOC],
    frameworks: ["NSA-CISA", "MITRE:T1070"]);

check!(DELETE_RESOURCES, "MOAT-221", "rbac-delete-resources", Low,
    "Subject can delete workloads, Secrets, storage or namespaces",
    rationale: "Delete rights on workloads, Services, ConfigMaps, Secrets, volumes or namespaces allow destroying applications and data.",
    remediation: "Grant `delete` only to the pipelines that manage those objects.",
    fix: "rules:\n- apiGroups: [\"apps\"]\n  resources: [\"deployments\"]\n  verbs: [\"get\", \"list\", \"watch\", \"update\", \"patch\"]\n",
    refs: [RBAC_DOC],
    frameworks: ["NSA-CISA", "MITRE:T1485"]);

check!(ESCALATION_PATH, "MOAT-222", "rbac-escalation-path", Critical,
    "Subject can escalate to cluster-admin",
    rationale: "Chained permissions — create a pod as a more powerful ServiceAccount, read its token Secret, exec into its pods, impersonate it, bind a role — lead from this subject to complete control of the cluster. The finding shows the shortest chain.",
    remediation: "Break the chain at its first step: remove the permission named in the first step, or move the powerful ServiceAccount out of the namespace the subject controls.",
    fix: "# remove the first step's permission, e.g.\nrules:\n- apiGroups: [\"\"]\n  resources: [\"pods\"]\n  verbs: [\"get\", \"list\", \"watch\"]\n",
    refs: [GOOD_PRACTICES, "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping"],
    frameworks: ["NSA-CISA", "MITRE:T1078", "MITRE:T1098.006"]);

check!(WORKLOAD_ADMIN, "MOAT-223", "rbac-workload-admin-token", Critical,
    "Workload mounts a token with full control (every verb on every resource cluster-wide)",
    rationale: "Anyone who gets code execution in this workload (an application vulnerability, a compromised image) reads its ServiceAccount token and controls the whole cluster.",
    remediation: "Give the workload a ServiceAccount with only the permissions it needs, or disable the token with `automountServiceAccountToken: false`.",
    fix: "spec:\n  serviceAccountName: app-readonly\n  automountServiceAccountToken: false\n",
    refs: ["https://kubernetes.io/docs/concepts/security/service-accounts/", GOOD_PRACTICES],
    frameworks: ["CIS-5.1.1", "CIS-5.1.6", "NSA-CISA", "MITRE:T1528"]);

check!(WORKLOAD_TAKEOVER, "MOAT-224", "rbac-workload-takeover-token", High,
    "Workload mounts a token that can take over other identities",
    rationale: "The workload's ServiceAccount can create pods, read Secrets, exec into pods, create tokens, impersonate or bind roles: code execution in this workload spreads to the identities listed (cluster-admin when a path exists, then the finding is critical).",
    remediation: "Move those permissions to a separate ServiceAccount used only where needed, or disable the token with `automountServiceAccountToken: false`.",
    fix: "spec:\n  serviceAccountName: app-readonly\n  automountServiceAccountToken: false\n",
    refs: ["https://kubernetes.io/docs/concepts/security/service-accounts/", GOOD_PRACTICES],
    frameworks: ["CIS-5.1.6", "NSA-CISA", "MITRE:T1528"]);

check!(WORKLOAD_TOKEN, "MOAT-225", "rbac-workload-token-with-permissions", Low,
    "Workload mounts a ServiceAccount token that has RBAC permissions",
    rationale: "The token is mounted into every container; its permissions are available to anyone who gets code execution in the workload. Most applications never call the Kubernetes API.",
    remediation: "Set `automountServiceAccountToken: false` unless the application uses the API, and keep its ServiceAccount's permissions minimal.",
    fix: "spec:\n  automountServiceAccountToken: false\n",
    refs: ["https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting", CIS],
    frameworks: ["CIS-5.1.6", "NSA-CISA", "MITRE:T1528"]);

check!(EXPOSED_ADMIN, "MOAT-226", "rbac-exposed-workload-cluster-admin", Critical,
    "Workload exposed by a Service or Ingress has a token that reaches cluster-admin",
    rationale: "The workload accepts network traffic and its mounted token is, or leads to, cluster-admin: one remote code execution bug in it is a cluster compromise.",
    remediation: "Remove the permissions (or the escalation path) from the workload's ServiceAccount, or disable its token; put the privileged part in a separate, unexposed workload.",
    fix: "spec:\n  serviceAccountName: web-frontend\n  automountServiceAccountToken: false\n",
    refs: ["https://kubernetes.io/docs/concepts/security/service-accounts/", GOOD_PRACTICES],
    frameworks: ["CIS-5.1.6", "NSA-CISA", "MITRE:T1190", "MITRE:T1528"]);

check!(INEFFECTIVE, "MOAT-227", "rbac-ineffective-grant", Low,
    "RBAC rule or binding that cannot work as written",
    rationale: "Kubernetes does not treat `pods/*` as a wildcard (it only matches a subresource literally named `*`; use `*/exec` or list subresources), a ClusterRoleBinding cannot reference a Role, and a Role cannot grant non-resource URLs. Such objects grant less than their author believes — or nothing — and hide the intended policy.",
    remediation: "List the subresources explicitly (`pods/exec`, `pods/log`), reference a ClusterRole from ClusterRoleBindings, and grant non-resource URLs through a ClusterRole and ClusterRoleBinding.",
    fix: "rules:\n- apiGroups: [\"\"]\n  resources: [\"pods/log\", \"pods/status\"]\n  verbs: [\"get\"]\n",
    refs: [RBAC_DOC, "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources"],
    frameworks: ["NSA-CISA"]);

check!(DASHBOARD, "MOAT-228", "rbac-dashboard-role-bound", Low,
    "Kubernetes Dashboard role bound to a subject other than the Dashboard",
    rationale: "The Dashboard's role is sized for the Dashboard's own ServiceAccount; binding it to people or other workloads hands them the Dashboard's access and hides who really holds it.",
    remediation: "Bind the Dashboard role only to the `kubernetes-dashboard` ServiceAccount; give users their own roles and log in to the Dashboard with their own tokens.",
    fix: "subjects:\n- kind: ServiceAccount\n  name: kubernetes-dashboard\n  namespace: kubernetes-dashboard\n",
    refs: ["https://github.com/kubernetes/dashboard/blob/master/docs/user/access-control/README.md"],
    frameworks: ["NSA-CISA", "MITRE:T1078"]);

check!(CLOUD_IAM, "MOAT-229", "rbac-serviceaccount-cloud-iam", Info,
    "ServiceAccount is linked to a cloud IAM role",
    rationale: "Annotations such as `eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account` or `azure.workload.identity/client-id` give every pod of the account credentials for the cloud account; Kubernetes RBAC does not limit what they can do there, and anyone who can run pods as this account obtains them.",
    remediation: "Review the cloud role's permissions; keep such ServiceAccounts in namespaces where only trusted pipelines can create pods.",
    fix: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s3-reader\n  namespace: data\n  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-read-only\n",
    refs: ["https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html", "https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity"],
    frameworks: ["NSA-CISA", "MITRE:T1078.004"]);

/// Every RBAC check, in ID order.
pub static CHECKS: &[&CheckMeta] = &[
    &CLUSTER_ADMIN,
    &WILDCARD,
    &SECRETS_READ,
    &WORKLOAD_CREATE,
    &POD_EXEC,
    &BIND_ESCALATE,
    &IMPERSONATE,
    &RBAC_WRITE,
    &TOKEN_CREATE,
    &NODES_PROXY,
    &CSR_APPROVE,
    &WEBHOOKS,
    &STATUS_MODIFY,
    &PV_CREATE,
    &ANONYMOUS,
    &BROAD_GROUP,
    &DEFAULT_SA,
    &MISSING_SUBJECT,
    &MISSING_ROLE,
    &SYSTEM_CONFIGMAP,
    &DELETE_EVENTS,
    &DELETE_RESOURCES,
    &ESCALATION_PATH,
    &WORKLOAD_ADMIN,
    &WORKLOAD_TAKEOVER,
    &WORKLOAD_TOKEN,
    &EXPOSED_ADMIN,
    &INEFFECTIVE,
    &DASHBOARD,
    &CLOUD_IAM,
];

/// The RBAC checks as a registry.
pub fn registry() -> moat_core::Registry {
    moat_core::Registry::new(CHECKS.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_ordered_and_documented() {
        let reg = registry();
        assert!(reg.duplicates().is_empty(), "{:?}", reg.duplicates());
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
        for c in CHECKS {
            assert!(c.id.starts_with("MOAT-2") && c.id.len() == 8, "{}", c.id);
            assert!(
                !c.references.is_empty() && c.references.iter().all(|r| r.starts_with("https://")),
                "{}",
                c.id
            );
            // Every check that describes an attack step names its ATT&CK technique.
            assert!(
                c.id == INEFFECTIVE.id || c.frameworks.iter().any(|f| f.starts_with("MITRE:T")),
                "{} lacks a MITRE technique",
                c.id
            );
            assert!(c.fix_example.ends_with('\n'), "{}", c.id);
            assert!(!c.rationale.is_empty() && !c.remediation.is_empty());
        }
        // Every CIS 5.1.x control that concerns RBAC objects maps to a check.
        for cis in [
            "CIS-5.1.1",
            "CIS-5.1.2",
            "CIS-5.1.3",
            "CIS-5.1.4",
            "CIS-5.1.5",
            "CIS-5.1.6",
            "CIS-5.1.8",
            "CIS-5.1.9",
            "CIS-5.1.10",
            "CIS-5.1.11",
            "CIS-5.1.12",
            "CIS-5.1.13",
        ] {
            assert!(CHECKS.iter().any(|c| c.frameworks.contains(&cis)), "{cis}");
        }
    }
}
