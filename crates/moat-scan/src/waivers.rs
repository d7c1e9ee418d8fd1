//! Applies inline (`moat.dev/ignore`) and central (`.moat.yaml`) waivers to findings.

use moat_core::waiver::{ANNOTATION, Waivers, parse_annotation};
use moat_core::{Finding, InputError, Registry, Waived};
use moat_manifest::node::{join, push_key};
use moat_manifest::{PodSpecView, Resource};

/// Inline waivers of one resource: `(check ID, reason)` pairs.
pub type Inline = Vec<(&'static str, String)>;

/// Marks findings waived. Inline waivers are read from the resource's annotations and
/// from its pod template's; malformed ones and unknown check IDs become input errors.
pub fn apply_waivers(
    res: &Resource,
    findings: &mut [Finding],
    central: &Waivers,
    registry: &Registry,
    errors: &mut Vec<InputError>,
) -> Inline {
    let inline = inline_waivers(res, registry, errors);
    waive(findings, &inline, central);
    inline
}

/// Reads the inline waivers of a resource; problems become input errors.
pub fn inline_waivers(res: &Resource, registry: &Registry, errors: &mut Vec<InputError>) -> Inline {
    let mut inline: Inline = Vec::new();
    let pod = PodSpecView::of(res);
    let sources = [
        res.annotation(ANNOTATION)
            .map(|n| (n, "metadata".to_owned())),
        pod.as_ref()
            .filter(|p| !p.template_path.is_empty())
            .and_then(|p| {
                p.annotation(ANNOTATION)
                    .map(|n| (n, join(p.template_path, "metadata")))
            }),
    ];
    for (node, meta_path) in sources.into_iter().flatten() {
        let mut path = meta_path;
        push_key(&mut path, "annotations");
        push_key(&mut path, ANNOTATION);
        let pos = res.pos_of(&path);
        let err = |message: String| InputError {
            file: res.file.to_string(),
            line: pos.line,
            column: pos.col,
            message,
        };
        let Some(text) = node.as_str() else {
            errors.push(err(format!(
                "`{ANNOTATION}` must be a string `ID[,ID]: reason`"
            )));
            continue;
        };
        match parse_annotation(text) {
            Ok(ws) => {
                for w in ws {
                    for id in &w.checks {
                        match registry.get(id) {
                            Some(m) => inline.push((m.id, w.reason.clone())),
                            None => errors.push(err(format!(
                                "`{ANNOTATION}` names unknown check `{id}` (see `moat checks`)"
                            ))),
                        }
                    }
                }
            }
            Err(msg) => errors.push(err(msg)),
        }
    }
    inline
}

/// Marks findings waived by inline or central waivers.
pub fn waive(findings: &mut [Finding], inline: &Inline, central: &Waivers) {
    for f in findings.iter_mut() {
        if let Some((_, reason)) = inline.iter().find(|(id, _)| *id == f.check_id) {
            f.waived = Some(Waived {
                reason: reason.clone(),
                expires: None,
                by: "annotation".to_owned(),
            });
        } else if let Some(w) = central.lookup(&f.check_id, &f.resource) {
            f.waived = Some(w);
        }
    }
}
