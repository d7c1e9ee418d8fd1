//! `moat-pss` owns the Pod Security Standards: every upstream check of
//! `k8s.io/pod-security-admission` with its exact per-version behaviour from `v1.0` to
//! `latest` (minimum versions, restricted-level overrides of baseline checks, Windows-pod
//! and user-namespace relaxations), the forbidden reasons and details exactly as the API
//! server prints them, the namespace labels that select a policy, and the `PodSecurity`
//! admission configuration (defaults and exemptions).
//!
//! It evaluates the spanned manifest tree directly (no typed Kubernetes structs) and
//! reports, for each violation, the upstream check ID, reason, detail and the field paths
//! it judged, so callers can resolve lines with `Resource::pos_of`. It does no IO and
//! never prints.
//!
//! ```
//! use moat_manifest::{load_bytes, PodSpecView};
//! use moat_pss::{evaluate, Level, Version};
//!
//! let file = load_bytes("pod.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    image: nginx\n");
//! let pod = PodSpecView::of(&file.resources[0]).unwrap();
//! let v = evaluate(&pod, Level::Restricted, Version::Latest);
//! assert_eq!(v[0].check.as_str(), "allowPrivilegeEscalation");
//! assert_eq!(v[0].message(), r#"allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)"#);
//! assert_eq!(v[0].path(), "spec.containers[0].securityContext.allowPrivilegeEscalation");
//! assert!(evaluate(&pod, Level::Baseline, Version::Latest).is_empty());
//! ```

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod checks;
pub mod config;
mod evaluate;
mod message;
pub mod namespace;
mod pod;
mod version;

pub use checks::{CHECKS, Check, CheckId, VersionedCheck};
pub use evaluate::{
    Violation, active_checks, allowed, denial_message, evaluate, evaluate_pod, forbidden_detail,
    forbidden_reason,
};
pub use namespace::{Mode, Policy, policy_for_labels};
pub use pod::Pod;
pub use version::{Level, LevelVersion, MAX_MINOR, ParseError, Version};
