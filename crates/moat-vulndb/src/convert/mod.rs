//! Converters from non-OSV advisory formats to [`Record`](crate::Record)s.

pub mod alpine;
pub mod debian;
pub mod rubysec;

use crate::model::{Affected, Event, Package, Range, RangeKind};

/// An `affected[]` entry for a distribution package fixed in `version`: one ECOSYSTEM
/// range `introduced: 0, fixed: version`.
pub(crate) fn fixed_in(ecosystem: String, name: &str, version: &str) -> Affected {
    Affected {
        package: Package {
            ecosystem,
            name: name.to_owned(),
            purl: None,
        },
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            events: vec![
                Event::Introduced("0".into()),
                Event::Fixed(version.to_owned()),
            ],
        }],
        ..Affected::default()
    }
}
