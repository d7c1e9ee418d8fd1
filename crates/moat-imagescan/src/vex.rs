//! OpenVEX documents (<https://openvex.dev>, v0.0.1 and v0.2.0 forms): statements that a
//! vulnerability does not affect (or is fixed in) a product. A `not_affected` or `fixed`
//! statement suppresses the matching vulnerability findings, which are then reported as
//! waived with the statement's justification; `affected` and `under_investigation`
//! statements leave them as they are.

use serde_json::Value;

use moat_image::purl::Purl;

/// A statement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The product is not affected (suppresses).
    NotAffected,
    /// The vulnerability is fixed in the product (suppresses).
    Fixed,
    /// The product is affected.
    Affected,
    /// Not known yet.
    UnderInvestigation,
}

/// One VEX statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The vulnerability name and its aliases.
    pub ids: Vec<String>,
    /// Products (package URLs, subcomponents included); empty = every product.
    pub products: Vec<Purl>,
    /// Status.
    pub status: Status,
    /// Justification and impact statement, joined, when given.
    pub justification: Option<String>,
}

/// A parsed OpenVEX document.
#[derive(Debug, Clone)]
pub struct Vex {
    /// Where it came from (shown as the waiver's origin).
    pub source: String,
    /// Its statements, in document order.
    pub statements: Vec<Statement>,
}

impl Vex {
    /// Parses an OpenVEX JSON document; `source` names it in messages.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Self, String> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("{source}: not JSON: {e}"))?;
        let statements = doc
            .get("statements")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{source}: not an OpenVEX document (no statements)"))?;
        let mut out = Vec::new();
        for (i, s) in statements.iter().enumerate() {
            let bad = |what: &str| format!("{source}: statements[{i}]: {what}");
            let mut ids = Vec::new();
            match s.get("vulnerability") {
                Some(Value::String(name)) => ids.push(name.clone()),
                Some(v @ Value::Object(_)) => {
                    for key in ["name", "@id"] {
                        if let Some(n) = v.get(key).and_then(Value::as_str) {
                            ids.push(n.to_owned());
                        }
                    }
                    for a in v
                        .get("aliases")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(a) = a.as_str() {
                            ids.push(a.to_owned());
                        }
                    }
                }
                _ => return Err(bad("no vulnerability")),
            }
            let status = match s.get("status").and_then(Value::as_str) {
                Some("not_affected") => Status::NotAffected,
                Some("fixed") => Status::Fixed,
                Some("affected") => Status::Affected,
                Some("under_investigation") => Status::UnderInvestigation,
                other => return Err(bad(&format!("unknown status {other:?}"))),
            };
            let mut products = Vec::new();
            for p in s
                .get("products")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let ids: Vec<&Value> = std::iter::once(p)
                    .chain(
                        p.get("subcomponents")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten(),
                    )
                    .collect();
                for v in ids {
                    let id = v.as_str().or_else(|| v.get("@id").and_then(Value::as_str));
                    if let Some(id) = id.filter(|id| id.starts_with("pkg:")) {
                        products.push(Purl::parse(id).map_err(|e| bad(&e.to_string()))?);
                    }
                }
            }
            let text: Vec<&str> = ["justification", "impact_statement", "status_notes"]
                .iter()
                .filter_map(|k| s.get(*k).and_then(Value::as_str))
                .collect();
            out.push(Statement {
                ids,
                products,
                status,
                justification: (!text.is_empty()).then(|| text.join("; ")),
            });
        }
        Ok(Self {
            source: source.to_owned(),
            statements: out,
        })
    }

    /// The last statement about any of `ids` for the package `purl`.
    pub fn decision(&self, ids: &[String], purl: &Purl) -> Option<&Statement> {
        self.statements.iter().rev().find(|s| {
            s.ids
                .iter()
                .any(|id| ids.iter().any(|x| x.eq_ignore_ascii_case(id)))
                && (s.products.is_empty() || s.products.iter().any(|p| same_package(p, purl)))
        })
    }
}

/// The waiver the first of `docs` gives a vulnerability of a package: `not_affected` and
/// `fixed` statements waive it, with the justification as the reason.
pub fn waiver(
    docs: &[Vex],
    m: &crate::vulns::VulnMatch,
    s: &crate::vulns::Subject,
) -> Option<moat_core::Waived> {
    docs.iter().find_map(|doc| {
        let st = doc.decision(&m.ids, &s.purl)?;
        let word = match st.status {
            Status::NotAffected => "not_affected",
            Status::Fixed => "fixed",
            Status::Affected | Status::UnderInvestigation => return None,
        };
        Some(moat_core::Waived {
            reason: format!(
                "VEX {word}{}",
                st.justification
                    .as_deref()
                    .map(|j| format!(": {j}"))
                    .unwrap_or_default()
            ),
            expires: None,
            by: doc.source.clone(),
        })
    })
}

/// Same type, namespace and name; the same version when the statement names one.
fn same_package(statement: &Purl, package: &Purl) -> bool {
    statement.ty == package.ty
        && statement.namespace.as_deref().map(str::to_ascii_lowercase)
            == package.namespace.as_deref().map(str::to_ascii_lowercase)
        && statement.name.eq_ignore_ascii_case(&package.name)
        && statement
            .version
            .as_ref()
            .is_none_or(|v| Some(v) == package.version.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_and_matching() {
        let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
            {"vulnerability":{"name":"CVE-2021-25900","aliases":["RUSTSEC-2021-0003"]},
             "products":[{"@id":"pkg:cargo/app@1.0","subcomponents":[{"@id":"pkg:cargo/smallvec@1.6.0"}]}],
             "status":"not_affected","justification":"vulnerable_code_not_in_execute_path"},
            {"vulnerability":"CVE-2018-18074","products":["pkg:pypi/requests"],"status":"fixed"},
            {"vulnerability":"CVE-2023-32681","status":"under_investigation"}]}"#;
        let vex = Vex::parse(doc, "x.vex.json").unwrap();
        let smallvec = Purl::parse("pkg:cargo/smallvec@1.6.0").unwrap();
        let ids = vec!["RUSTSEC-2021-0003".to_owned()];
        let s = vex.decision(&ids, &smallvec).unwrap();
        assert_eq!(s.status, Status::NotAffected);
        assert_eq!(
            s.justification.as_deref(),
            Some("vulnerable_code_not_in_execute_path")
        );
        let other = Purl::parse("pkg:cargo/smallvec@1.6.1").unwrap();
        assert!(
            vex.decision(&ids, &other).is_none(),
            "version given: must match"
        );
        let requests = Purl::parse("pkg:pypi/requests@2.19.1").unwrap();
        assert_eq!(
            vex.decision(&["CVE-2018-18074".into()], &requests)
                .unwrap()
                .status,
            Status::Fixed
        );
        assert_eq!(
            vex.decision(&["CVE-2023-32681".into()], &requests)
                .unwrap()
                .status,
            Status::UnderInvestigation
        );
        assert!(Vex::parse(b"{}", "x").is_err());
        assert!(
            Vex::parse(
                br#"{"statements":[{"vulnerability":"X","status":"maybe"}]}"#,
                "x"
            )
            .is_err()
        );
    }
}
