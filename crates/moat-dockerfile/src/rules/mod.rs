//! The Dockerfile hardening rules, `MOAT-600`…`MOAT-646`, grouped in small family
//! modules. Each rule's metadata is its documentation (`moat explain`, `docs/checks.md`).

macro_rules! meta {
    (
        $id:literal, $name:literal, $sev:ident, $title:literal,
        rationale: $rationale:literal,
        remediation: $remediation:literal,
        fix: $fix:literal,
        refs: [$($r:expr),* $(,)?],
        frameworks: [$($f:literal),* $(,)?] $(,)?
    ) => {
        moat_core::CheckMeta {
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

/// Implements `Rule::meta` for a unit struct.
macro_rules! rule_meta {
    ($meta:ident) => {
        fn meta(&self) -> &'static moat_core::CheckMeta {
            &$meta
        }
    };
}

pub mod add;
pub mod apt;
pub mod build;
pub mod download;
pub mod image;
pub mod instructions;
pub mod packages;
pub mod perms;
pub mod secrets;
pub mod stages;
pub mod user;
pub mod util;

use crate::rule::Rule;

/// Best-practice reference used by many rules.
pub(crate) const BEST_PRACTICES: &str = "https://docs.docker.com/build/building/best-practices/";
/// The Dockerfile reference.
pub(crate) const REFERENCE: &str = "https://docs.docker.com/reference/dockerfile/";
/// CIS Docker Benchmark.
pub(crate) const CIS_DOCKER: &str = "https://www.cisecurity.org/benchmark/docker";

/// Every rule, in ID order.
pub static ALL: &[&dyn Rule] = &[
    &user::FinalUserRoot,
    &user::Sudo,
    &image::Untagged,
    &image::Latest,
    &image::NoDigest,
    &add::AddUrl,
    &add::AddLocal,
    &download::CurlPipeShell,
    &download::InsecureTls,
    &apt::NoYes,
    &apt::Recommends,
    &apt::ListsKept,
    &apt::Upgrade,
    &apt::UpdateAlone,
    &packages::ApkNoCache,
    &packages::PipNoCache,
    &packages::NpmInstall,
    &apt::Unpinned,
    &packages::ApkUnpinned,
    &packages::PipUnpinned,
    &packages::NpmUnpinned,
    &secrets::SecretName,
    &secrets::SecretValue,
    &secrets::SecretFile,
    &secrets::SecretNotMounted,
    &instructions::ExposeSsh,
    &perms::WorldWritable,
    &perms::Setuid,
    &instructions::HealthcheckMissing,
    &instructions::MultipleCmd,
    &instructions::ShellFormCmd,
    &instructions::RelativeWorkdir,
    &instructions::CdInRun,
    &stages::CopyContext,
    &stages::GlobalArg,
    &image::PlatformHardcoded,
    &stages::DuplicateStage,
    &stages::CopyFromUnknown,
    &instructions::Maintainer,
    &instructions::LabelsMissing,
    &stages::BuildToolsInFinal,
    &build::Pipefail,
    &packages::YumHygiene,
    &apt::AptNotAptGet,
    &build::InsecureStep,
    &instructions::MultipleHealthcheck,
    &download::Unverified,
];
