//! The packages the matching benchmark and the `match_count` example scan: 10,000
//! subjects of which `advised` have advisories in the database.

use moat_image::purl::Purl;
use moat_imagescan::vulns::Subject;

/// 10,000 subjects: the first `advised` are (ecosystem, name) keys of `db` at old versions,
/// the rest names no advisory mentions.
pub fn subjects(db: &moat_vulndb::Database, advised: usize) -> Vec<Subject> {
    let mut out = Vec::new();
    let packages = db.packages().unwrap();
    let mut i = 0usize;
    while out.len() < 10_000 {
        if out.len() >= advised {
            let n = out.len();
            let purl = match n % 3 {
                0 => format!("pkg:deb/debian/libnothing{n}@1.0-1?distro=debian-11"),
                1 => format!("pkg:pypi/no-such-project-{n}@1.0"),
                _ => format!("pkg:golang/example.com/mod{n}@v1.0.0"),
            };
            out.push(Subject {
                purl: Purl::parse(&purl).unwrap(),
                source: None,
                location: String::new(),
            });
            continue;
        }
        let (eco, name) = &packages[i % packages.len()];
        i += 1;
        let purl = match eco.split(':').collect::<Vec<_>>().as_slice() {
            ["Debian", rel] => format!("pkg:deb/debian/{name}@1.0-1?distro=debian-{rel}"),
            ["Alpine", rel] => format!(
                "pkg:apk/alpine/{name}@1.0-r0?distro=alpine-{}",
                rel.trim_start_matches('v')
            ),
            ["AlmaLinux", rel] => {
                format!("pkg:rpm/almalinux/{name}@1.0-1.el{rel}?distro=almalinux-{rel}")
            }
            ["PyPI"] => format!("pkg:pypi/{name}@0.1.0"),
            ["Go"] => format!("pkg:golang/{name}@v0.1.0"),
            ["crates.io"] => format!("pkg:cargo/{name}@0.1.0"),
            _ => continue,
        };
        let Ok(purl) = Purl::parse(&purl) else {
            continue;
        };
        out.push(Subject {
            source: Some((name.clone(), String::new())),
            purl,
            location: String::new(),
        });
    }
    out
}
