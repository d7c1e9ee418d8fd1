//! The checks, one file each (or one small family module). IDs are `MOAT-NNN`, grouped:
//! 001–049 security context, 050–099 host access, 100–119 images, 120–149 resources and
//! health, 150–169 identity and secrets, 170–189 exposure, 190–219 namespaces and hygiene,
//! 400–499 control-plane flags. IDs are never reused.

use crate::Check;

mod allow_privilege_escalation;
mod apparmor;
mod capabilities;
pub mod control_plane;
mod deprecated_api;
mod exposure;
mod host_namespaces;
mod host_path_volume;
mod host_port;
mod hygiene;
mod image_policy;
mod image_tag;
mod pdb;
mod privileged;
mod proc_mount;
pub mod pss;
mod read_only_root_fs;
mod resource_limits;
mod resources;
mod run_as_ids;
mod run_as_non_root;
mod seccomp;
mod secrets;
mod selinux;
mod service_account;
mod sysctls;
mod windows_host_process;

/// Every check, in ID order.
pub static ALL: &[&dyn Check] = &[
    &pdb::PdbMissing,
    &privileged::Privileged,
    &run_as_non_root::RunAsNonRoot,
    &allow_privilege_escalation::AllowPrivilegeEscalation,
    &capabilities::DangerousCapability,
    &capabilities::DropAll,
    &capabilities::CapabilityAdded,
    &read_only_root_fs::ReadOnlyRootFs,
    &run_as_ids::RunAsUserRoot,
    &run_as_ids::RunAsGroupRoot,
    &run_as_ids::LowUid,
    &seccomp::SeccompUnset,
    &seccomp::SeccompUnconfined,
    &apparmor::AppArmorUnconfined,
    &selinux::SeLinuxOptions,
    &proc_mount::ProcMountUnmasked,
    &sysctls::UnsafeSysctl,
    &windows_host_process::WindowsHostProcess,
    &host_path_volume::HostPathVolume,
    &host_path_volume::HostPathSensitive,
    &host_namespaces::HOST_NETWORK,
    &host_namespaces::HOST_PID,
    &host_namespaces::HOST_IPC,
    &host_port::HostPort,
    &host_namespaces::SHARE_PROCESS_NAMESPACE,
    &image_tag::ImageTag,
    &image_policy::ImageNoDigest,
    &image_policy::ImageRegistry,
    &image_policy::PullPolicy,
    &resource_limits::ResourceLimits,
    &resources::Requests,
    &resources::EphemeralStorage,
    &resources::LIVENESS,
    &resources::READINESS,
    &resources::Replicas,
    &service_account::AutomountToken,
    &service_account::DefaultServiceAccount,
    &secrets::SecretInManifest,
    &secrets::SecretLiteralEnv,
    &secrets::SecretAsEnv,
    &exposure::NodePort,
    &exposure::LoadBalancerOpen,
    &exposure::ExternalIps,
    &exposure::IngressTls,
    &exposure::SensitiveExposure,
    &hygiene::DefaultNamespace,
    &hygiene::NamespacePss,
    &deprecated_api::DeprecatedApi,
    &hygiene::RecommendedLabels,
];
