//! The rule trait, the context rules see, and the engine that runs them.

use moat_core::CheckMeta;

use crate::ast::{Body, CmdLine, Dockerfile, Heredoc, Instruction, Pos, Word};
use crate::model::{Model, Stage};
use crate::shell::{self, Command};
use crate::source::SourceMap;

/// Tunables of the Dockerfile rules (`.moat.yaml` `dockerfile:` section).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Require base images pinned by digest (`MOAT-604`).
    pub require_digest: bool,
    /// Whether the build context has a `.dockerignore`; `None` when unknown (stdin).
    pub dockerignore: Option<bool>,
    /// Labels the final image must carry (`MOAT-639`); empty = at least one `LABEL`.
    pub required_labels: Vec<String>,
}

/// A rule. Implement the hooks that fit; the others do nothing.
pub trait Rule: Sync + Send {
    /// The rule's metadata.
    fn meta(&self) -> &'static CheckMeta;

    /// Called once per file.
    fn check_file(&self, _cx: &Context<'_>, _out: &mut Emit<'_>) {}

    /// Called for every instruction (also the one inside each `ONBUILD`).
    fn check_instruction(&self, _cx: &Context<'_>, _at: &At<'_>, _out: &mut Emit<'_>) {}

    /// Called for every simple command of a `RUN` (shell form, exec form and heredoc
    /// scripts); `i` indexes [`At::commands`].
    fn check_command(&self, _cx: &Context<'_>, _at: &At<'_>, _i: usize, _out: &mut Emit<'_>) {}
}

/// A finding as a rule reports it.
#[derive(Clone, Debug)]
pub struct Hit {
    /// The rule.
    pub meta: &'static CheckMeta,
    /// Where.
    pub pos: Pos,
    /// What is wrong, specifically.
    pub message: String,
    /// The build stage (its name, or its index as `#N`), if any.
    pub stage: Option<String>,
}

/// Collects what a rule reports.
pub struct Emit<'a> {
    meta: &'static CheckMeta,
    /// Index into `labels` of the current instruction's stage.
    stage: Option<usize>,
    labels: &'a [String],
    out: &'a mut Vec<Hit>,
}

impl Emit<'_> {
    /// Reports a finding at `pos`.
    pub fn report(&mut self, pos: Pos, message: String) {
        self.out.push(Hit {
            meta: self.meta,
            pos,
            message,
            stage: self.stage.and_then(|i| self.labels.get(i)).cloned(),
        });
    }

    /// Reports a finding attributed to a specific stage.
    pub fn report_in(&mut self, stage: Option<&Stage<'_>>, pos: Pos, message: String) {
        self.out.push(Hit {
            meta: self.meta,
            pos,
            message,
            stage: stage.map(stage_label),
        });
    }
}

/// `name` or `#index` of a stage.
pub fn stage_label(s: &Stage<'_>) -> String {
    s.name.clone().unwrap_or_else(|| format!("#{}", s.index))
}

/// How many stages built on one another are followed (hostile files stay linear).
pub const MAX_CHAIN: usize = 64;

/// What every rule sees about the file.
pub struct Context<'a> {
    /// Stages and scoping.
    pub model: Model<'a>,
    /// Tunables.
    pub settings: &'a Settings,
}

impl Context<'_> {
    /// The syntax tree.
    pub fn file(&self) -> &Dockerfile {
        self.model.file
    }

    /// Whether `stage` is the final stage.
    pub fn is_final(&self, stage: Option<&Stage<'_>>) -> bool {
        stage.is_some_and(|s| s.index + 1 == self.model.stages.len())
    }

    /// The stage and the ones it is built from (itself first), at most [`MAX_CHAIN`].
    pub fn chain<'s>(&'s self, stage: &'s Stage<'_>) -> Vec<&'s Stage<'s>> {
        let mut out = vec![stage];
        let mut cur = stage.base_stage;
        while let Some(i) = cur {
            let Some(s) = self.model.stages.get(i) else {
                break;
            };
            if out.len() >= MAX_CHAIN {
                break;
            }
            out.push(s);
            cur = s.base_stage;
        }
        out
    }
}

/// One instruction with where it sits.
pub struct At<'a> {
    /// Index in [`Dockerfile::instructions`].
    pub index: usize,
    /// The instruction (for `ONBUILD X`, the inner `X`).
    pub instr: &'a Instruction,
    /// Whether it is the inner instruction of an `ONBUILD`.
    pub onbuild: bool,
    /// Its stage (`None` before the first `FROM`).
    pub stage: Option<&'a Stage<'a>>,
    /// The simple commands of a `RUN`.
    pub commands: &'a [Command],
}

impl At<'_> {
    /// Index within its stage's body.
    pub fn in_stage(&self) -> usize {
        self.stage
            .map_or(self.index, |s| self.index.saturating_sub(s.start))
    }
}

/// Splits a `RUN` into simple commands: shell form, `sh -c` in exec form, and heredoc
/// scripts (`RUN <<EOF`, `RUN bash <<EOF`).
pub fn run_commands(instr: &Instruction, escape: char) -> Vec<Command> {
    let posix = escape != '`';
    let Body::Run(cmd) = &instr.body else {
        return Vec::new();
    };
    match cmd {
        CmdLine::Exec(words) => exec_commands(words),
        CmdLine::Shell(st) => {
            let mut cmds = shell::split_with(&st.text, &st.map, posix);
            let sole_marker = cmds.is_empty()
                || (cmds.len() == 1
                    && cmds
                        .first()
                        .is_some_and(|c| c.words.is_empty() && !c.redirects.is_empty()));
            let mut scripts: Vec<&Heredoc> = Vec::new();
            if sole_marker {
                scripts.extend(instr.heredocs.first());
                cmds.clear();
            } else {
                for c in &cmds {
                    if is_shell(c.program()) {
                        for r in c.redirects.iter().filter(|r| r.op.starts_with("<<")) {
                            scripts.extend(
                                instr
                                    .heredocs
                                    .iter()
                                    .find(|h| h.delimiter == r.target.value),
                            );
                        }
                    }
                }
            }
            for h in scripts {
                if h.body.starts_with("#!")
                    && !h
                        .body
                        .lines()
                        .next()
                        .is_some_and(|l| SHELLS.iter().any(|s| l.ends_with(s)))
                {
                    continue;
                }
                cmds.extend(heredoc_commands(h));
            }
            cmds
        }
    }
}

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// Whether a program is a POSIX-like shell.
pub fn is_shell(program: Option<&str>) -> bool {
    program.is_some_and(|p| SHELLS.contains(&p))
}

fn exec_commands(words: &[Word]) -> Vec<Command> {
    // ["sh", "-c", "script"]: the script is shell.
    if let [sh, flag, script, ..] = words
        && is_shell(Some(shell::basename(&sh.value)))
        && flag.value.starts_with('-')
        && flag.value.contains('c')
    {
        let mut map = SourceMap::default();
        map.push(0, Pos::new(script.pos.line, script.pos.column + 1));
        return shell::split(&script.value, &map);
    }
    let Some(first) = words.first() else {
        return Vec::new();
    };
    vec![Command {
        words: words.to_vec(),
        redirects: Vec::new(),
        pos: first.pos,
        before: shell::Op::Seq,
        after: shell::Op::Seq,
        depth: 0,
    }]
}

fn heredoc_commands(h: &Heredoc) -> Vec<Command> {
    let mut map = SourceMap::default();
    let mut off = 0;
    for (k, line) in h.body.split_inclusive('\n').enumerate() {
        map.push(off, Pos::new(h.body_line + k as u32, 1));
        off += line.len();
    }
    shell::split(&h.body, &map)
}

/// Runs a set of rules.
pub struct Linter {
    rules: Vec<&'static dyn Rule>,
    settings: Settings,
}

impl Linter {
    /// A linter for `rules` with `settings`.
    pub fn new(rules: Vec<&'static dyn Rule>, settings: Settings) -> Self {
        Linter { rules, settings }
    }

    /// The rules it runs.
    pub fn rules(&self) -> impl Iterator<Item = &'static CheckMeta> + '_ {
        self.rules.iter().map(|r| r.meta())
    }

    /// Runs every rule on a parsed file; findings sorted by position, then rule ID.
    pub fn lint(&self, file: &Dockerfile) -> Vec<Hit> {
        self.lint_in(file, &self.settings)
    }

    /// Like [`Linter::lint`], with whether the build context has a `.dockerignore`
    /// (`None`: unknown) overriding the settings.
    pub fn lint_with(&self, file: &Dockerfile, dockerignore: Option<bool>) -> Vec<Hit> {
        if dockerignore == self.settings.dockerignore {
            return self.lint(file);
        }
        let settings = Settings {
            dockerignore,
            ..self.settings.clone()
        };
        self.lint_in(file, &settings)
    }

    fn lint_in(&self, file: &Dockerfile, settings: &Settings) -> Vec<Hit> {
        let cx = Context {
            model: Model::new(file),
            settings,
        };
        // The stage of each instruction (a FROM belongs to the stage it starts).
        let mut stage_of: Vec<Option<usize>> = vec![None; file.instructions.len()];
        for s in &cx.model.stages {
            for slot in stage_of
                .iter_mut()
                .take(s.start + s.body.len())
                .skip(s.start.saturating_sub(1))
            {
                *slot = Some(s.index);
            }
        }
        let mut sites: Vec<(usize, &Instruction, bool, Vec<Command>)> = Vec::new();
        for (index, instr) in file.instructions.iter().enumerate() {
            sites.push((index, instr, false, run_commands(instr, file.escape)));
            if let Body::Onbuild(inner) = &instr.body {
                sites.push((index, inner, true, run_commands(inner, file.escape)));
            }
        }
        let labels: Vec<String> = cx.model.stages.iter().map(stage_label).collect();
        let mut hits = Vec::new();
        for rule in &self.rules {
            let mut emit = Emit {
                meta: rule.meta(),
                stage: None,
                labels: &labels,
                out: &mut hits,
            };
            rule.check_file(&cx, &mut emit);
            for (index, instr, onbuild, commands) in &sites {
                let stage = stage_of
                    .get(*index)
                    .copied()
                    .flatten()
                    .and_then(|i| cx.model.stages.get(i));
                let at = At {
                    index: *index,
                    instr,
                    onbuild: *onbuild,
                    stage,
                    commands,
                };
                emit.stage = stage.map(|s| s.index);
                rule.check_instruction(&cx, &at, &mut emit);
                for i in 0..commands.len() {
                    rule.check_command(&cx, &at, i, &mut emit);
                }
            }
        }
        hits.sort_by(|a, b| (a.pos, a.meta.id).cmp(&(b.pos, b.meta.id)));
        hits.dedup_by(|a, b| a.pos == b.pos && a.meta.id == b.meta.id && a.message == b.message);
        hits
    }
}
