//! The secret rules `MOAT-700`…`MOAT-716` (IDs up to `MOAT-729` are reserved for more),
//! each with the catalogue metadata `moat explain` and `docs/checks.md` show.

use moat_core::CheckMeta;

macro_rules! meta {
    (
        $id:literal, $name:literal, $sev:ident, $title:literal,
        rationale: $rationale:expr,
        remediation: $remediation:literal,
        fix: $fix:expr,
        refs: [$($r:expr),* $(,)?],
        frameworks: [$($f:literal),* $(,)?] $(,)?
    ) => {
        CheckMeta {
            id: $id,
            name: $name,
            severity: moat_core::Severity::$sev,
            title: $title,
            rationale: $rationale,
            remediation: $remediation,
            fix_example: $fix,
            references: &[$($r),*],
            frameworks: &[$($f),*],
        }
    };
}

const OWASP: &str =
    "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html";
const K8S_SECRETS: &str = "https://kubernetes.io/docs/concepts/security/secrets-good-practices/";
const MITRE_FILES: &str = "https://attack.mitre.org/techniques/T1552/001/";
const CWE_798: &str = "https://cwe.mitre.org/data/definitions/798.html";

const FIX_SECRET_REF: &str = "# keep the value in a Secret (or an external secret store) and reference it\nenv:\n  - name: API_TOKEN\n    valueFrom:\n      secretKeyRef: {name: api-credentials, key: token}\n";

/// `MOAT-700`: AWS access key ID.
pub static AWS_ACCESS_KEY_ID: CheckMeta = meta!(
    "MOAT-700", "secret-aws-access-key-id", High, "AWS access key ID in a file",
    rationale: "An AWS access key ID (`AKIA…` long-term, `ASIA…` temporary) is half of an AWS credential; where it sits, the secret access key is usually next to it. Anyone who can read the file or image layer can act as that IAM principal.",
    remediation: "Deactivate and rotate the key in IAM, remove it from the file and from history (image layers keep deleted files), and give workloads credentials through IAM roles (IRSA, instance profiles) instead.",
    fix: FIX_SECRET_REF,
    refs: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", MITRE_FILES, CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-701`: AWS secret access key.
pub static AWS_SECRET_ACCESS_KEY: CheckMeta = meta!(
    "MOAT-701", "secret-aws-secret-access-key", Critical, "AWS secret access key in a file",
    rationale: "A 40-character value assigned to `aws_secret_access_key` (or `SecretAccessKey`) is the signing secret of an AWS credential: with the key ID it grants every permission of that IAM principal.",
    remediation: "Deactivate and rotate the key in IAM immediately, remove it from the file and from history, and use IAM roles for workloads.",
    fix: FIX_SECRET_REF,
    refs: ["https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html", MITRE_FILES, CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-702`: GCP service-account key file.
pub static GCP_SERVICE_ACCOUNT: CheckMeta = meta!(
    "MOAT-702", "secret-gcp-service-account-key", Critical, "GCP service-account key (JSON) in a file",
    rationale: "A JSON file with `\"type\": \"service_account\"` and a `private_key` is a long-lived Google Cloud credential: it authenticates as the service account from anywhere until the key is deleted.",
    remediation: "Delete the key in IAM (Service accounts → Keys), remove the file and its history, and use Workload Identity instead of exported keys.",
    fix: "# GKE Workload Identity: no key file\nserviceAccountName: app\n# annotated with iam.gke.io/gcp-service-account: app@PROJECT.iam.gserviceaccount.com\n",
    refs: ["https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys", MITRE_FILES, CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-703`: GitHub token.
pub static GITHUB_TOKEN: CheckMeta = meta!(
    "MOAT-703", "secret-github-token", High, "GitHub token in a file",
    rationale: "GitHub personal access, OAuth, app installation, user-to-server and refresh tokens (`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`) give repository and organisation access with the owner's rights.",
    remediation: "Revoke the token on GitHub, remove it from the file and its history, and pass tokens at build or run time as secrets (BuildKit `--mount=type=secret`, a Kubernetes Secret).",
    fix: FIX_SECRET_REF,
    refs: ["https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/about-authentication-to-github#githubs-token-formats", CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-704`: GitLab token.
pub static GITLAB_TOKEN: CheckMeta = meta!(
    "MOAT-704", "secret-gitlab-token", High, "GitLab token in a file",
    rationale: "GitLab personal, project and group access tokens (`glpat-`), deploy tokens (`gldt-`), runner tokens (`glrt-`) and pipeline trigger tokens (`glptt-`) grant API, repository or runner access.",
    remediation: "Revoke the token in GitLab, remove it from the file and its history, and inject it at run time from a secret store.",
    fix: FIX_SECRET_REF,
    refs: ["https://docs.gitlab.com/security/tokens/", CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-705`: Slack token.
pub static SLACK_TOKEN: CheckMeta = meta!(
    "MOAT-705", "secret-slack-token", High, "Slack token in a file",
    rationale: "Slack bot, user, app and refresh tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`) read and post messages in the workspace with the token's scopes.",
    remediation: "Revoke the token in the Slack app settings, remove it from the file and its history, and load it from a secret at run time.",
    fix: FIX_SECRET_REF,
    refs: ["https://api.slack.com/authentication/token-types", CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-706`: Slack incoming-webhook URL.
pub static SLACK_WEBHOOK: CheckMeta = meta!(
    "MOAT-706", "secret-slack-webhook", Medium, "Slack incoming-webhook URL in a file",
    rationale: "An incoming-webhook URL (`https://hooks.slack.com/services/T…/B…/…`) is a bearer credential: anyone holding it can post into the channel, e.g. convincing phishing messages.",
    remediation: "Regenerate the webhook in Slack, remove the URL from the file and its history, and keep it in a Secret.",
    fix: FIX_SECRET_REF,
    refs: ["https://api.slack.com/messaging/webhooks", CWE_798],
    frameworks: ["CIS-Docker-4.10", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-707`: Stripe live secret or restricted key.
pub static STRIPE_LIVE: CheckMeta = meta!(
    "MOAT-707", "secret-stripe-live-key", Critical, "Stripe live secret key in a file",
    rationale: "A Stripe live secret key (`sk_live_`) or restricted key (`rk_live_`) moves real money: charges, refunds and payouts on the account.",
    remediation: "Roll the key in the Stripe dashboard, remove it from the file and its history, and load it from a secret store at run time.",
    fix: FIX_SECRET_REF,
    refs: ["https://docs.stripe.com/keys", CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-708`: Stripe test key.
pub static STRIPE_TEST: CheckMeta = meta!(
    "MOAT-708", "secret-stripe-test-key", Low, "Stripe test-mode secret key in a file",
    rationale: "Test-mode keys (`sk_test_`, `rk_test_`) cannot move money but expose the account's test data and configuration, and a committed test key shows the live key is probably handled the same way.",
    remediation: "Roll the test key if the file left your control and keep keys out of source and images.",
    fix: FIX_SECRET_REF,
    refs: ["https://docs.stripe.com/keys#test-live-modes"],
    frameworks: ["CWE-798"],
);

/// `MOAT-709`: PEM private key.
pub static PRIVATE_KEY: CheckMeta = meta!(
    "MOAT-709", "secret-private-key", High, "Private key (PEM) in a file",
    rationale: "A PEM block `-----BEGIN … PRIVATE KEY-----` with a key body lets anyone impersonate the TLS server, client or signer it belongs to, and decrypt traffic recorded with it (without forward secrecy).",
    remediation: "Revoke and reissue the certificate or key pair, remove the key from the file and its history, and mount keys at run time from a Secret (cert-manager, CSI secret store).",
    fix: "volumes:\n  - name: tls\n    secret: {secretName: app-tls}\n",
    refs: ["https://kubernetes.io/docs/concepts/configuration/secret/#tls-secrets", "https://attack.mitre.org/techniques/T1552/004/", CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.004", "CWE-321"],
);

/// `MOAT-710`: OpenSSH private key.
pub static OPENSSH_KEY: CheckMeta = meta!(
    "MOAT-710", "secret-openssh-private-key", High, "OpenSSH private key in a file",
    rationale: "An `-----BEGIN OPENSSH PRIVATE KEY-----` block is an SSH identity: every host and Git server that trusts its public key accepts whoever holds the file.",
    remediation: "Remove the public key from every `authorized_keys` and deploy-key list, generate a new pair, and forward the agent or mount the key at build time (`RUN --mount=type=ssh`).",
    fix: "# Dockerfile: use the build's SSH agent instead of copying a key\nRUN --mount=type=ssh git clone git@example.com:org/repo.git\n",
    refs: ["https://docs.docker.com/build/building/secrets/#ssh-mounts", "https://attack.mitre.org/techniques/T1552/004/"],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.004", "CWE-321"],
);

/// `MOAT-711`: JSON Web Token.
pub static JWT: CheckMeta = meta!(
    "MOAT-711", "secret-jwt", Medium, "JSON Web Token in a file",
    rationale: "A signed JWT (three base64url segments whose header decodes to JSON with an `alg`) is a bearer token: until it expires (Kubernetes legacy service-account tokens never do) anyone holding it is authenticated as its subject.",
    remediation: "Revoke the token (delete the service-account token Secret, rotate the signing key if needed), remove it from the file and its history, and use short-lived projected tokens.",
    fix: "volumes:\n  - name: token\n    projected:\n      sources:\n        - serviceAccountToken: {path: token, expirationSeconds: 3600}\n",
    refs: ["https://datatracker.ietf.org/doc/html/rfc7519", "https://kubernetes.io/docs/concepts/security/service-accounts/#get-a-token", CWE_798],
    frameworks: ["NSA-CISA", "MITRE:T1528", "CWE-798"],
);

/// `MOAT-712`: kubeconfig with embedded credentials.
pub static KUBECONFIG: CheckMeta = meta!(
    "MOAT-712", "secret-kubeconfig-credentials", Critical, "kubeconfig with embedded credentials",
    rationale: "A kubeconfig user with `client-key-data`, `token` or `password` carries a cluster credential; often a cluster-admin one. Anyone reading the file reaches the API server as that user.",
    remediation: "Revoke the credential (rotate the client certificate, delete the token), remove the file and its history, and use exec credential plugins or short-lived tokens instead of embedded ones.",
    fix: "users:\n  - name: dev\n    user:\n      exec:\n        apiVersion: client.authentication.k8s.io/v1\n        command: kubelogin\n",
    refs: ["https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins", CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-713`: npm registry credentials.
pub static NPMRC: CheckMeta = meta!(
    "MOAT-713", "secret-npmrc-auth", High, "npm registry credential (.npmrc _authToken/_auth)",
    rationale: "`_authToken`, `_auth` and `_password` entries of an `.npmrc` authenticate to the package registry: with publish rights a leaked token is a supply-chain attack waiting to happen.",
    remediation: "Revoke the token (`npm token revoke`), reference an environment variable instead (`_authToken=${NPM_TOKEN}`), and pass `.npmrc` to builds as a secret mount.",
    fix: "# .npmrc\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
    refs: ["https://docs.npmjs.com/cli/configuring-npm/npmrc#auth-related-configuration", "https://docs.docker.com/build/building/secrets/"],
    frameworks: ["CIS-Docker-4.10", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-714`: `PyPI` credentials.
pub static PYPIRC: CheckMeta = meta!(
    "MOAT-714", "secret-pypi-credentials", High, "PyPI credential (.pypirc password or pypi- token)",
    rationale: "A `.pypirc` `password` or a PyPI API token (`pypi-AgEIcHlwaS5vcmc…`) can upload releases of the owner's packages.",
    remediation: "Revoke the token on PyPI, remove it from the file and its history, and use trusted publishing or a token passed at run time.",
    fix: "# upload with a token from the environment instead of ~/.pypirc\nTWINE_USERNAME=__token__ TWINE_PASSWORD=$PYPI_TOKEN twine upload dist/*\n",
    refs: ["https://packaging.python.org/en/latest/specifications/pypirc/", "https://docs.pypi.org/trusted-publishers/"],
    frameworks: ["CIS-Docker-4.10", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-715`: Docker registry credentials.
pub static DOCKER_AUTH: CheckMeta = meta!(
    "MOAT-715", "secret-docker-config-auth", High, "Registry credential in a Docker config (auths.*.auth)",
    rationale: "An `auth` entry of `~/.docker/config.json` (or a `.dockerconfigjson` Secret) is base64 of `user:password`: it pushes and pulls images as that user.",
    remediation: "Revoke the password or token at the registry, remove the file and its history, and use a credential helper or an image-pull Secret created at deploy time.",
    fix: "{\"credsStore\": \"secretservice\"}\n",
    refs: ["https://docs.docker.com/reference/cli/docker/login/#credential-stores", "https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/"],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// `MOAT-716`: generic secret assignment.
pub static GENERIC: CheckMeta = meta!(
    "MOAT-716", "secret-generic-assignment", Medium, "High-entropy value assigned to a secret-like key",
    rationale: "A key named like a credential (`password`, `secret`, `token`, `api_key`, `client_secret`…) assigned a random-looking value (Shannon entropy above the threshold, mixed letters and digits, not a placeholder or variable reference) is most likely a real credential.",
    remediation: "Move the value to a secret store or a Kubernetes Secret referenced by name, rotate it, and remove it from the file and its history; waive the finding if the value is a known non-secret.",
    fix: FIX_SECRET_REF,
    refs: [OWASP, K8S_SECRETS, CWE_798],
    frameworks: ["CIS-Docker-4.10", "NSA-CISA", "MITRE:T1552.001", "CWE-798"],
);

/// Every secret rule, in ID order.
pub static ALL: &[&CheckMeta] = &[
    &AWS_ACCESS_KEY_ID,
    &AWS_SECRET_ACCESS_KEY,
    &GCP_SERVICE_ACCOUNT,
    &GITHUB_TOKEN,
    &GITLAB_TOKEN,
    &SLACK_TOKEN,
    &SLACK_WEBHOOK,
    &STRIPE_LIVE,
    &STRIPE_TEST,
    &PRIVATE_KEY,
    &OPENSSH_KEY,
    &JWT,
    &KUBECONFIG,
    &NPMRC,
    &PYPIRC,
    &DOCKER_AUTH,
    &GENERIC,
];

/// Which of two findings on overlapping bytes is kept: the more specific rule (a JWT used
/// as a kubeconfig token is reported as the kubeconfig credential).
pub(crate) fn specificity(meta: &CheckMeta) -> u8 {
    match meta.id {
        "MOAT-716" => 0,
        "MOAT-711" => 1,
        "MOAT-700" | "MOAT-709" => 2,
        _ => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_in_range_ordered_and_unique() {
        let ids: Vec<&str> = ALL.iter().map(|m| m.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for m in ALL {
            let n: u32 = m.id.trim_start_matches("MOAT-").parse().unwrap();
            assert!((700..=729).contains(&n), "{}", m.id);
            assert!(m.name.starts_with("secret-"));
            assert!(!m.references.is_empty() && !m.frameworks.is_empty());
        }
    }
}
