//! `moat-flags` reads the command lines of Kubernetes control-plane components and
//! judges them against flag rules. It is shared by the manifest checks (static pods in
//! `/etc/kubernetes/manifests`) and the node audit (running processes), so it depends on
//! nothing but `std` and knows nothing about manifests.
//!
//! - [`parse`]: [`CommandLine::parse`] follows Go's `pflag` (every Kubernetes component)
//!   and standard `flag` (etcd): `--flag=value` and `--flag value` (only for flags that
//!   take a value; a bare boolean means `true`), repeated flags (the last wins for
//!   scalars, comma lists such as `--enable-admission-plugins` accumulate, `key=value`
//!   maps such as `--feature-gates` merge), `--` and, for etcd, the stop at the first
//!   positional argument. It never fails; what the program would reject is an [`Issue`].
//! - [`component`]: the four components, their flag [`Schema`]s, and recognising one
//!   from an argument vector (`/usr/local/bin/kube-apiserver`, `hyperkube apiserver`,
//!   `go-runner … kube-scheduler`) or an image name.
//! - [`rule`]: a data-driven [`Rule`] (check ID, benchmark control, component, flag,
//!   [`Expect`]ation, what absence means, configuration files that take over) and
//!   [`evaluate`], whose [`Violation`] names the flag, expected and actual value and the
//!   argument or environment variable that decided it.
//! - [`cis`]: the CIS Kubernetes Benchmark v1.10 table ([`cis::CIS_1_10`]).
//!
//! ```
//! use moat_flags::{CommandLine, Component, Verdict, cis, evaluate};
//!
//! let argv = ["kube-apiserver", "--authorization-mode", "AlwaysAllow", "--anonymous-auth=false"];
//! let (component, start) = Component::locate(&argv).unwrap();
//! let line = CommandLine::parse(&argv[start..], component.schema());
//! let rule = cis::rules("MOAT-405").next().unwrap();
//! let Verdict::Fail(v) = evaluate(rule, component, &line, &[]) else { panic!() };
//! assert_eq!(v.message, "--authorization-mode=AlwaysAllow includes AlwaysAllow");
//! ```
#![deny(clippy::indexing_slicing)]

pub mod cis;
pub mod component;
pub mod parse;
pub mod rule;

pub use component::Component;
pub use parse::{
    CommandLine, Dialect, FlagKind, Form, Issue, IssueKind, Item, MapEntry, Occurrence, Schema,
};
pub use rule::{Absent, EnvVar, Expect, NotJudged, Rule, Site, Verdict, Violation, evaluate};
