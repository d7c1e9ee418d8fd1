//! Debian security-tracker advisory lists (`data/DSA/list`, `data/DLA/list`,
//! `data/DTSA/list`) to records.
//!
//! Each advisory starts with an unindented header `[DATE] ID PACKAGE - TITLE`; indented
//! lines below give `{CVE-… …}` and `[release] - source-package fixed-version (urgency)`.
//! Every fixed line becomes one `affected[]` entry: ecosystem `Debian:N` for the release
//! codename (see [`release_ecosystem`]), the **source** package, and an ECOSYSTEM range
//! `introduced: 0, fixed: VERSION`. Lines whose "version" is a marker (`<not-affected>`,
//! `<end-of-life>`, `<unfixed>`, …) or whose release is unknown are skipped and counted;
//! `NOTE:` lines are ignored. The CVE IDs become aliases.

use crate::model::{Affected, Record};

/// Debian release codenames and the OSV ecosystem release numbers (as in Debian's
/// `distro-info-data`: 3.0 … 6.0, then whole numbers).
const RELEASES: &[(&str, &str)] = &[
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4.0"),
    ("lenny", "5.0"),
    ("squeeze", "6.0"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
];

/// `Debian:N` for a release codename.
pub fn release_ecosystem(codename: &str) -> Option<String> {
    RELEASES
        .iter()
        .find(|(c, _)| *c == codename)
        .map(|(_, n)| format!("Debian:{n}"))
}

/// The result of converting one list.
#[derive(Debug, Default)]
pub struct Converted {
    /// The advisories.
    pub records: Vec<Record>,
    /// Fixed-version lines skipped (markers, unknown releases), with their line.
    pub skipped: Vec<(u32, String)>,
    /// Malformed lines, with their line.
    pub errors: Vec<(u32, String)>,
}

/// Converts one tracker list.
pub fn convert(text: &str) -> Converted {
    let mut out = Converted::default();
    let mut current: Option<Record> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            match header(line) {
                Ok(rec) => {
                    out.records.extend(current.take());
                    current = Some(rec);
                }
                Err(e) => out.errors.push((line_no, e)),
            }
            continue;
        }
        let body = line.trim();
        let Some(rec) = current.as_mut() else {
            out.errors
                .push((line_no, "indented line before the first advisory".into()));
            continue;
        };
        if body.starts_with("NOTE:") {
            continue;
        }
        if let Some(ids) = body.strip_prefix('{') {
            let Some(ids) = ids.strip_suffix('}') else {
                out.errors
                    .push((line_no, "unterminated `{` ID list".into()));
                continue;
            };
            for id in ids.split_whitespace() {
                if !rec.aliases.iter().any(|a| a == id) {
                    rec.aliases.push(id.to_owned());
                }
            }
            continue;
        }
        if body.starts_with('[') {
            match fixed_line(body) {
                Ok(Some(a)) => rec.affected.push(a),
                Ok(None) => out.skipped.push((line_no, body.to_owned())),
                Err(e) => out.errors.push((line_no, e)),
            }
            continue;
        }
        out.errors
            .push((line_no, format!("unrecognised line `{body}`")));
    }
    out.records.extend(current);
    out
}

fn header(line: &str) -> Result<Record, String> {
    let rest = line
        .strip_prefix('[')
        .ok_or_else(|| format!("expected an advisory header `[DATE] ID …`, found `{line}`"))?;
    let (date, rest) = rest
        .split_once(']')
        .ok_or("advisory header without `]` after the date")?;
    let mut words = rest.split_whitespace();
    let id = words.next().ok_or("advisory header without an ID")?;
    if !id.contains('-') {
        return Err(format!("`{id}` is not an advisory ID"));
    }
    let package = words.next().unwrap_or_default();
    let summary = rest
        .split_once(" - ")
        .map(|(_, s)| format!("{package}: {}", s.trim()));
    Ok(Record {
        id: id.to_owned(),
        published: parse_date(date),
        summary,
        ..Record::default()
    })
}

/// `29 Mar 2023` (and DTSA's `August 26th, 2005`) to an RFC 3339 timestamp.
fn parse_date(s: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let cleaned = s.replace(',', " ");
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for w in cleaned.split_whitespace() {
        let lower = w.to_ascii_lowercase();
        if let Some(m) = MONTHS.iter().position(|m| lower.starts_with(m)) {
            month = Some(m + 1);
        } else {
            let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
            match digits.parse::<u32>() {
                Ok(n) if n > 31 => year = Some(n),
                Ok(n) => day = Some(n),
                Err(_) => {}
            }
        }
    }
    Some(format!(
        "{:04}-{:02}-{:02}T00:00:00Z",
        year?,
        month?,
        day.filter(|d| (1..=31).contains(d))?
    ))
}

/// `[bullseye] - openssl 1.1.1n-0+deb11u4 (high)`; `None` for markers and unknown releases.
fn fixed_line(body: &str) -> Result<Option<Affected>, String> {
    let (release, rest) = body
        .strip_prefix('[')
        .and_then(|b| b.split_once(']'))
        .ok_or("release line without `]`")?;
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("- ")
        .ok_or_else(|| format!("expected `[{release}] - PACKAGE VERSION`"))?;
    let mut words = rest.split_whitespace();
    let package = words.next().ok_or("release line without a package")?;
    let version = words.next().ok_or("release line without a version")?;
    if version.starts_with('<') {
        return Ok(None);
    }
    let Some(ecosystem) = release_ecosystem(release.trim()) else {
        return Ok(None);
    };
    let urgency = words
        .next()
        .and_then(|w| w.strip_prefix('('))
        .and_then(|w| w.strip_suffix(')'))
        .map(str::to_owned);
    let mut entry = super::fixed_in(ecosystem, package, version);
    entry.ecosystem_severity = urgency;
    Ok(Some(entry))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;

    const SAMPLE: &str = "\
[29 Mar 2023] DSA-5380-1 xorg-server - security update
\t{CVE-2023-1393}
\t[bullseye] - xorg-server 2:1.20.11-1+deb11u6
\tNOTE: a note
[August 26th, 2005] DTSA-1-1 kismet - various
\t{CVE-2005-2626 CVE-2005-2627 }
\t[etch] - kismet 2005.08.R1-0.1etch1 (high)
\t[lenny] - vlc <not-affected> (Vulnerable code not present)
\t[hurd] - kismet 1.0
garbage here
\tstray
";

    #[test]
    fn converts_advisories() {
        let c = convert(SAMPLE);
        assert_eq!(c.records.len(), 2);
        let r = &c.records[0];
        assert_eq!(r.id, "DSA-5380-1");
        assert_eq!(r.published.as_deref(), Some("2023-03-29T00:00:00Z"));
        assert_eq!(r.aliases, vec!["CVE-2023-1393".to_owned()]);
        assert_eq!(r.affected[0].package.ecosystem, "Debian:11");
        assert_eq!(
            r.affected[0].ranges[0].events[1],
            Event::Fixed("2:1.20.11-1+deb11u6".into())
        );
        let d = &c.records[1];
        assert_eq!(d.published.as_deref(), Some("2005-08-26T00:00:00Z"));
        assert_eq!(d.aliases.len(), 2);
        assert_eq!(d.affected.len(), 1);
        assert_eq!(d.affected[0].package.ecosystem, "Debian:4.0");
        assert_eq!(d.affected[0].ecosystem_severity.as_deref(), Some("high"));
        assert_eq!(c.skipped.len(), 2);
        // "garbage here" is an error; "stray" then belongs to DTSA-1-1 and is an error too.
        assert_eq!(
            c.errors.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![10, 11]
        );
    }
}
