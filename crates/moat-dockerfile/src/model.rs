//! Build stages and variable scoping: global `ARG`s (before the first `FROM`) are visible
//! to `FROM` lines only; inside a stage, `ARG NAME` re-declares one, `ENV` values are
//! inherited by stages built `FROM` an earlier stage, `ARG`s are not.

use std::cell::RefCell;
use std::collections::HashMap;

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

/// How many instructions a variable lookup walks back: keeps hostile files with millions
/// of instructions linear; real Dockerfiles are far shorter.
pub const LOOKBACK: usize = 256;

/// How deeply variable values referring to other variables are expanded.
const MAX_DEPTH: u32 = 8;

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
    /// Body index of the first instruction of each keyword.
    pub first: HashMap<crate::Keyword, usize>,
    /// Body indices of the `SHELL` instructions.
    pub shells: Vec<usize>,
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
    /// First stage of each lowercased name.
    by_name: HashMap<String, usize>,
    /// Expanded values of variable definitions: (stage, instruction, name) → value.
    cache: RefCell<HashMap<(usize, usize, String), String>>,
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
        // Latest stage of each (lowercased) name so far: what a later FROM refers to.
        let mut by_name: HashMap<String, usize> = HashMap::new();
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
            let base_stage = by_name.get(&resolved.value.to_ascii_lowercase()).copied();
            if let Some(n) = name {
                by_name.insert(n.value.to_ascii_lowercase(), stages.len());
            }
            let body = instrs.get(idx + 1..end).unwrap_or_default();
            let mut first = HashMap::new();
            let mut shells = Vec::new();
            for (k, i) in body.iter().enumerate() {
                first.entry(i.keyword).or_insert(k);
                if i.keyword == crate::Keyword::Shell {
                    shells.push(k);
                }
            }
            stages.push(Stage {
                first,
                shells,
                index: stages.len(),
                from,
                image,
                resolved,
                name: name.as_ref().map(|n| n.value.to_ascii_lowercase()),
                base_stage,
                start: idx + 1,
                body,
            });
            idx = end;
        }
        let mut first_named = HashMap::new();
        for s in &stages {
            if let Some(n) = &s.name {
                first_named.entry(n.clone()).or_insert(s.index);
            }
        }
        Model {
            file,
            preamble,
            globals,
            stages,
            by_name: first_named,
            cache: RefCell::new(HashMap::new()),
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
        self.by_name
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| self.stages.get(i))
            .or_else(|| name.parse::<usize>().ok().and_then(|i| self.stages.get(i)))
    }

    /// The value of variable `name` as seen by instruction `pos` (an index into the stage
    /// body) of stage `stage`: `ENV` and `ARG` before it in the stage, `ENV` of the stages
    /// it is built from, and global `ARG` defaults for re-declared names. `None` when it
    /// has no known value.
    pub fn lookup(&self, stage: usize, pos: usize, name: &str) -> Option<String> {
        self.lookup_d(stage, pos, name, 0)
    }

    /// Expands `raw` as instruction `pos` of stage `stage` would see it.
    pub fn expand_at(&self, stage: usize, pos: usize, raw: &str) -> Expanded {
        self.expand_d(stage, pos, raw, 0)
    }

    fn lookup_d(&self, stage: usize, pos: usize, name: &str, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let s = self.stages.get(stage)?;
        let skipped = pos.saturating_sub(LOOKBACK);
        let before = s.body.get(skipped..pos).unwrap_or_default();
        // `ARG NAME` without a value keeps an earlier value, else the global default.
        let mut declared = false;
        for (j, instr) in before.iter().enumerate().rev() {
            let raw = match &instr.body {
                Body::Env(kvs) => kvs
                    .iter()
                    .rev()
                    .find(|kv| kv.key.value == name)
                    .map(|kv| kv.value.raw.as_str()),
                Body::Arg(decls) => match decls.iter().rev().find(|d| d.name.value == name) {
                    Some(d) => {
                        if d.default.is_none() {
                            declared = true;
                        }
                        d.default.as_ref().map(|w| w.raw.as_str())
                    }
                    None => None,
                },
                _ => None,
            };
            if let Some(raw) = raw {
                return Some(self.memo(stage, skipped + j, name, raw, depth));
            }
        }
        if declared && let Some(v) = lookup_in(&self.globals, name) {
            return Some(v.to_owned());
        }
        // Only ENV crosses stages; walk the base stages iteratively.
        let mut cur = s.base_stage;
        let mut hops = 0;
        while let Some(b) = cur {
            hops += 1;
            if hops > self.stages.len() {
                break;
            }
            let bs = self.stages.get(b)?;
            let sk = bs.body.len().saturating_sub(LOOKBACK);
            for (j, instr) in bs
                .body
                .get(sk..)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .rev()
            {
                if let Body::Env(kvs) = &instr.body
                    && let Some(kv) = kvs.iter().rev().find(|kv| kv.key.value == name)
                {
                    return Some(self.memo(b, sk + j, name, &kv.value.raw, depth));
                }
            }
            cur = bs.base_stage;
        }
        None
    }

    /// The expanded value of the definition of `name` at instruction `at`, computed once.
    fn memo(&self, stage: usize, at: usize, name: &str, raw: &str, depth: u32) -> String {
        let key = (stage, at, name.to_owned());
        let cached = self.cache.borrow().get(&key).cloned();
        if let Some(v) = cached {
            return v;
        }
        let v = self.expand_d(stage, at, raw, depth + 1).value;
        self.cache.borrow_mut().insert(key, v.clone());
        v
    }

    fn expand_d(&self, stage: usize, pos: usize, raw: &str, depth: u32) -> Expanded {
        if !raw.contains('$') {
            return expand(raw, self.file.escape, &|_| None);
        }
        // Values are owned; collect the names referenced first.
        let mut names: Vec<(&str, Option<String>)> = Vec::new();
        for (_, n) in crate::expand::references(raw, self.file.escape) {
            if !names.iter().any(|(k, _)| *k == n) {
                let v = self.lookup_d(stage, pos, n, depth);
                names.push((n, v));
            }
        }
        let lookup = |n: &str| {
            names
                .iter()
                .find(|(k, _)| *k == n)
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
