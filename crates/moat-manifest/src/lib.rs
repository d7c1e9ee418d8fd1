//! `moat-manifest` reads Kubernetes manifests: it finds files, parses YAML and JSON
//! streams into spanned [`Node`] trees (every field path resolves to a line and column),
//! expands `List` kinds, reports bad input as located errors, and presents every
//! workload kind through one [`PodSpecView`]/[`ContainerView`] with effective
//! security-context inheritance. It also parses `.moat.yaml` ([`config`]).

pub mod config;
pub mod inventory;
pub mod loader;
pub mod node;
pub mod selector;
pub mod workload;
pub mod yaml;

pub use loader::{
    Input, LoadOptions, LoadedFile, Resource, discover, discover_matching, is_manifest_path, load,
    load_bytes, load_bytes_matching, read_input,
};
pub use node::{Entry, Lookup, Node, Pos, Value};
pub use workload::{ContainerKind, ContainerView, Effective, Level, PodSpecView, effective};
