//! The Kubernetes bootstrap RBAC objects (default `ClusterRoles`, Roles and their
//! bindings), kept as YAML data in `builtin/bootstrap.yaml` and parsed once.

use std::sync::OnceLock;

use moat_manifest::Resource;

/// File name the built-in objects report as their origin.
pub const FILE: &str = "<builtin>";

const DATA: &[u8] = include_bytes!("builtin/bootstrap.yaml");

/// The built-in objects, parsed on first use.
pub fn resources() -> &'static [Resource] {
    static CELL: OnceLock<Vec<Resource>> = OnceLock::new();
    CELL.get_or_init(|| moat_manifest::load_bytes(FILE, DATA).resources)
}

#[cfg(test)]
mod tests {
    #[test]
    fn bootstrap_data_parses_cleanly() {
        let lf = moat_manifest::load_bytes(super::FILE, super::DATA);
        assert!(lf.errors.is_empty(), "{:?}", lf.errors);
        assert!(lf.warnings.is_empty(), "{:?}", lf.warnings);
        assert_eq!(lf.resources.len(), 119);
        for r in &lf.resources {
            assert_eq!(
                r.node
                    .get_path(&["metadata", "labels", "kubernetes.io/bootstrapping"])
                    .and_then(moat_manifest::Node::as_str),
                Some("rbac-defaults"),
                "{}",
                r.rref.display()
            );
        }
    }
}
