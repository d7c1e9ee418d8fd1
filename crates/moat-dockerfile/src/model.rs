//! Build stages and variable scoping: global `ARG`s (before the first `FROM`) are visible
//! to `FROM` lines only; inside a stage, `ARG NAME` re-declares one, `ENV` values are
//! inherited by stages built `FROM` an earlier stage, `ARG`s are not.

use crate::ast::{Body, Dockerfile, Instruction, Word};
use crate::expand::{Expanded, expand};

/// Build arguments BuildKit defines automatically in the global scope.
pub const AUTOMATIC_ARGS: &[&str] = &[
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "TARGETSTAGE",
    "BUILDKIT_SYNTAX",
];

/// Proxy arguments every stage sees without declaring them.
pub const PREDEFINED_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// One build stage.
#[derive(Debug)]
pub struct Stage<'a> {
    /// 0-based index.
    pub index: usize,
    /// Its `FROM`.
    pub from: &'a Instruction,
    /// The image word of `FROM`.
    pub image: &'a Word,
    /// The image after global-`ARG` expansion.
    pub resolved: Expanded,
    /// `AS name`, lowercased.
    pub name: Option<String>,
    /// Index of the earlier stage this one is built from, if `FROM` names one.
    pub base_stage: Option<usize>,
    /// Index of the first instruction after `FROM` in [`Dockerfile::instructions`].
    pub start: usize,
    /// Instructions after `FROM` up to the next `FROM`.
    pub body: &'a [Instruction],
}

impl Stage<'_> {
    /// `scratch` or an earlier stage: nothing is pulled.
    pub fn is_scratch(&self) -> bool {
        self.resolved.value.eq_ignore_ascii_case("scratch")
    }
}

/// A Dockerfile with its stages resolved.
#[derive(Debug)]
pub struct Model<'a> {
    /// The syntax tree.
    pub file: &'a Dockerfile,
    /// Instructions before the first `FROM` (global `ARG`s).
    pub preamble: &'a [Instruction],
    /// Global `ARG`s: name and default.
    pub globals: Vec<(&'a str, Option<String>)>,
    /// Stages in order.
    pub stages: Vec<Stage<'a>>,
}

impl<'a> Model<'a> {
    /// Splits the file into stages and resolves `FROM` images.
    pub fn new(file: &'a Dockerfile) -> Self {
        let instrs = &file.instructions;
        let first_from = instrs
            .iter()
            .position(|i| i.keyword == crate::Keyword::From)
            .unwrap_or(instrs.len());
        let preamble = instrs.get(..first_from).unwrap_or_default();
        let mut globals: Vec<(&str, Option<String>)> = Vec::new();
        for i in preamble {
            if let Body::Arg(decls) = &i.body {
                for d in decls {
                    let default = d.default.as_ref().map(|w| {
                        let lookup = |n: &str| lookup_in(&globals, n);
                        expand(&w.raw, file.escape, &lookup).value
                    });
                    globals.push((d.name.value.as_str(), default));
                }
            }
        }
        let mut stages: Vec<Stage<'a>> = Vec::new();
        let mut idx = first_from;
        while let Some(from) = instrs.get(idx) {
            let end = instrs
                .iter()
                .skip(idx + 1)
                .position(|i| i.keyword == crate::Keyword::From)
                .map_or(instrs.len(), |p| idx + 1 + p);
            let Body::From { image, name } = &from.body else {
                idx = end;
                continue;
            };
            let lookup = |n: &str| lookup_in(&globals, n);
            let resolved = expand(&image.raw, file.escape, &lookup);
            let base_stage = stages
                .iter()
                .rev()
                .find(|s| {
                    s.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&resolved.value))
                })
                .map(|s| s.index);
            stages.push(Stage {
                index: stages.len(),
                from,
                image,
                resolved,
                name: name.as_ref().map(|n| n.value.to_ascii_lowercase()),
                base_stage,
                start: idx + 1,
                body: instrs.get(idx + 1..end).unwrap_or_default(),
            });
            idx = end;
        }
        Model {
            file,
            preamble,
            globals,
            stages,
        }
    }

    /// The last stage (the image that is built by default).
    pub fn final_stage(&self) -> Option<&Stage<'a>> {
        self.stages.last()
    }

    /// The stage an instruction index belongs to.
    pub fn stage_of(&self, instr: usize) -> Option<&Stage<'a>> {
        self.stages
            .iter()
            .rev()
            .find(|s| s.start <= instr + 1 && instr < s.start + s.body.len())
    }

    /// A stage by name (case-insensitive) or index, as `COPY --from` and `FROM` name them.
    pub fn stage_named(&self, name: &str) -> Option<&Stage<'a>> {
        self.stages
            .iter()
            .find(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .or_else(|| name.parse::<usize>().ok().and_then(|i| self.stages.get(i)))
    }

    /// The value of variable `name` as seen by instruction `pos` (an index into the stage
    /// body) of stage `stage`: `ENV` and `ARG` before it in the stage, `ENV` of the stages
    /// it is built from, and global `ARG` defaults for re-declared names. `None` when it
    /// has no known value.
    pub fn lookup(&self, stage: usize, pos: usize, name: &str) -> Option<String> {
        let s = self.stages.get(stage)?;
        let before = s.body.get(..pos).unwrap_or_default();
        // `ARG NAME` without a value keeps an earlier value, else the global default.
        let mut declared = false;
        for (j, instr) in before.iter().enumerate().rev() {
            match &instr.body {
                Body::Env(kvs) => {
                    if let Some(kv) = kvs.iter().rev().find(|kv| kv.key.value == name) {
                        return Some(self.expand_at(stage, j, &kv.value.raw).value);
                    }
                }
                Body::Arg(decls) => {
                    if let Some(d) = decls.iter().rev().find(|d| d.name.value == name) {
                        match &d.default {
                            Some(w) => return Some(self.expand_at(stage, j, &w.raw).value),
                            None => declared = true,
                        }
                    }
                }
                _ => {}
            }
        }
        if declared && let Some(v) = lookup_in(&self.globals, name) {
            return Some(v.to_owned());
        }
        let base = s.base_stage?;
        let len = self.stages.get(base)?.body.len();
        // Only ENV crosses stages.
        self.lookup_env_only(base, len, name)
    }

    fn lookup_env_only(&self, stage: usize, pos: usize, name: &str) -> Option<String> {
        let s = self.stages.get(stage)?;
        let before = s.body.get(..pos).unwrap_or_default();
        for (j, instr) in before.iter().enumerate().rev() {
            if let Body::Env(kvs) = &instr.body
                && let Some(kv) = kvs.iter().rev().find(|kv| kv.key.value == name)
            {
                return Some(self.expand_at(stage, j, &kv.value.raw).value);
            }
        }
        let base = s.base_stage?;
        let len = self.stages.get(base)?.body.len();
        self.lookup_env_only(base, len, name)
    }

    /// Expands `raw` as instruction `pos` of stage `stage` would see it.
    pub fn expand_at(&self, stage: usize, pos: usize, raw: &str) -> Expanded {
        if !raw.contains('$') {
            return expand(raw, self.file.escape, &|_| None);
        }
        // Values are owned; collect the names referenced first.
        let names: Vec<(String, Option<String>)> = crate::expand::references(raw, self.file.escape)
            .into_iter()
            .map(|(_, n)| (n.to_owned(), self.lookup(stage, pos, n)))
            .collect();
        let lookup = |n: &str| {
            names
                .iter()
                .find(|(k, _)| k == n)
                .and_then(|(_, v)| v.as_deref())
        };
        expand(raw, self.file.escape, &lookup)
    }
}

fn lookup_in<'v>(globals: &'v [(&str, Option<String>)], name: &str) -> Option<&'v str> {
    globals
        .iter()
        .rev()
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.as_deref())
}
