//! The checks, one file each. IDs are `MOAT-NNN`, grouped by family:
//! 001–049 security context, 050–099 host access, 100–119 images, 120–149 resources.
//! IDs are never reused.

use crate::Check;

mod host_path_volume;
mod image_tag;
mod privileged;
mod resource_limits;
mod run_as_non_root;

/// Every check, in ID order.
pub static ALL: &[&dyn Check] = &[
    &privileged::Privileged,
    &run_as_non_root::RunAsNonRoot,
    &host_path_volume::HostPathVolume,
    &image_tag::ImageTag,
    &resource_limits::ResourceLimits,
];
