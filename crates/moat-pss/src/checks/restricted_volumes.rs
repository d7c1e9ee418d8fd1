//! `restrictedVolumes` (restricted, v1.0+): only ephemeral and API-backed volume types.
//!
//! Inline network and host volume sources (NFS, iSCSI, cloud disks, `hostPath`, …) bypass
//! `PersistentVolume` access control and may reach host or cluster storage directly.
//!
//! Restricted fields: `spec.volumes[*]`. Allowed sources: `configMap`, `csi`,
//! `downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected`,
//! `secret`. Replaces `hostPathVolumes` at the restricted level. A volume with no source
//! at all is allowed: the API server defaults it to `emptyDir`.

use moat_manifest::Node;

use super::{Check, CheckId, Forbidden, VersionedCheck};
use crate::Level;
use crate::message::{join_quote, pluralize, sorted_set};
use crate::pod::{Pod, set};

pub(super) const CHECK: Check = Check {
    id: CheckId::RestrictedVolumes,
    level: Level::Restricted,
    title: "Only ephemeral and API-backed volume types are allowed",
    description: "Volumes must use configMap, csi, downwardAPI, emptyDir, ephemeral, image, \
                  persistentVolumeClaim, projected or secret; replaces hostPathVolumes at the \
                  restricted level.",
    versions: &[VersionedCheck {
        since: 0,
        overrides: &[CheckId::HostPathVolumes],
        change: "introduced; replaces hostPathVolumes at the restricted level",
        eval: v1_0,
    }],
};

const ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Restricted sources, in the order upstream names the first one found.
const RESTRICTED: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn has(volume: &Node, source: &str) -> bool {
    set(volume.get(source)).is_some()
}

fn v1_0(pod: &Pod<'_>) -> Option<Forbidden> {
    let volumes = pod.volumes?;
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut paths = Vec::new();
    for (i, v) in volumes.items().iter().enumerate() {
        if ALLOWED.iter().any(|s| has(v, s)) {
            continue;
        }
        let source = RESTRICTED.iter().copied().find(|s| has(v, s));
        // The API server defaults a volume without any source to `emptyDir: {}`. Fields it
        // does not know are dropped before that, but we cannot tell a newer source type
        // from a typo, so any other set field fails closed as type "unknown".
        if source.is_none()
            && v.entries()
                .iter()
                .all(|e| e.key == "name" || e.value.is_null())
        {
            continue;
        }
        names.push(v.get("name").and_then(Node::as_str).unwrap_or(""));
        types.push(source.unwrap_or("unknown"));
        paths.push(pod.item_path("volumes", i, source.as_slice()));
    }
    if names.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    Some(Forbidden {
        reason: "restricted volume types",
        detail: format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
        paths,
    })
}
