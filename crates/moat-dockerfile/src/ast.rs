//! The Dockerfile syntax tree. Every node keeps the line and column where it starts.

use crate::source::SourceMap;

/// A 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Pos {
    /// A position.
    pub const fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }
}

/// A parsed Dockerfile: directives, instructions in order, comments and syntax errors.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dockerfile {
    /// Parser directives (`# syntax=`, `# escape=`, `# check=`) from the top of the file.
    pub directives: Vec<Directive>,
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// Instructions in file order.
    pub instructions: Vec<Instruction>,
    /// Full-line comments (also those inside line continuations), in file order.
    pub comments: Vec<Comment>,
    /// Syntax errors; the instructions around them are still parsed.
    pub errors: Vec<ParseError>,
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lowercased name.
    pub name: String,
    /// Value, trimmed.
    pub value: String,
    /// Where the line starts.
    pub pos: Pos,
}

/// A full-line comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Where the `#` is.
    pub pos: Pos,
    /// Text after the `#`, trimmed.
    pub text: String,
}

/// A syntax error at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// Instruction keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Keyword {
    From,
    Run,
    Cmd,
    Entrypoint,
    Shell,
    Copy,
    Add,
    Env,
    Arg,
    Label,
    User,
    Workdir,
    Expose,
    Volume,
    Healthcheck,
    Onbuild,
    Maintainer,
    Stopsignal,
}

impl Keyword {
    /// Every keyword.
    pub const ALL: [Keyword; 18] = [
        Keyword::From,
        Keyword::Run,
        Keyword::Cmd,
        Keyword::Entrypoint,
        Keyword::Shell,
        Keyword::Copy,
        Keyword::Add,
        Keyword::Env,
        Keyword::Arg,
        Keyword::Label,
        Keyword::User,
        Keyword::Workdir,
        Keyword::Expose,
        Keyword::Volume,
        Keyword::Healthcheck,
        Keyword::Onbuild,
        Keyword::Maintainer,
        Keyword::Stopsignal,
    ];

    /// The keyword in upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::From => "FROM",
            Keyword::Run => "RUN",
            Keyword::Cmd => "CMD",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Shell => "SHELL",
            Keyword::Copy => "COPY",
            Keyword::Add => "ADD",
            Keyword::Env => "ENV",
            Keyword::Arg => "ARG",
            Keyword::Label => "LABEL",
            Keyword::User => "USER",
            Keyword::Workdir => "WORKDIR",
            Keyword::Expose => "EXPOSE",
            Keyword::Volume => "VOLUME",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Stopsignal => "STOPSIGNAL",
        }
    }

    /// Parses a keyword, case-insensitively.
    pub fn parse(s: &str) -> Option<Keyword> {
        Keyword::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// A word of an instruction's arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes and escapes removed (variables not expanded).
    pub value: String,
    /// The word as written, quotes included (what variable expansion works on).
    pub raw: String,
    /// Where it starts.
    pub pos: Pos,
}

/// A `--name[=value]` flag of `FROM`, `RUN`, `COPY`, `ADD` or `HEALTHCHECK`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name without the dashes, lowercased.
    pub name: String,
    /// Value after `=`, if any (quotes removed).
    pub value: Option<String>,
    /// Where the flag starts.
    pub pos: Pos,
}

/// A here-document attached to `RUN`, `COPY` or `ADD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter word (`EOF`).
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from the body and the terminator.
    pub strip_tabs: bool,
    /// The delimiter was quoted: no expansion in the body.
    pub quoted: bool,
    /// Where `<<` is.
    pub pos: Pos,
    /// The body, lines joined with `\n` (ending with `\n` when not empty).
    pub body: String,
    /// Line of the first body line.
    pub body_line: u32,
}

/// Shell-form text with the map back to source positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellText {
    /// The text after line continuations are joined.
    pub text: String,
    /// Offset → position map.
    pub map: SourceMap,
}

impl ShellText {
    /// The position of a byte offset of [`ShellText::text`].
    pub fn pos(&self, offset: usize) -> Pos {
        self.map.pos(&self.text, offset)
    }
}

/// Arguments of `RUN`, `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdLine {
    /// JSON (exec) form: `["bin", "arg"]`.
    Exec(Vec<Word>),
    /// Shell form: run by the stage's shell.
    Shell(ShellText),
}

/// Sources and destination of `COPY`/`ADD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Sources (heredoc markers included as written, e.g. `<<EOF`).
    pub sources: Vec<Word>,
    /// Destination.
    pub dest: Word,
    /// Written in JSON form.
    pub exec: bool,
}

/// `KEY=value` of `ENV`/`LABEL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// Key.
    pub key: Word,
    /// Value (raw keeps quotes for expansion).
    pub value: Word,
}

/// `NAME[=default]` of `ARG`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    /// Name.
    pub name: Word,
    /// Default value.
    pub default: Option<Word>,
}

/// What an instruction says, by keyword.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Body {
    From {
        image: Word,
        name: Option<Word>,
    },
    Run(CmdLine),
    Cmd(CmdLine),
    Entrypoint(CmdLine),
    Shell(Vec<Word>),
    Copy(Transfer),
    Add(Transfer),
    Env(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Label(Vec<KeyValue>),
    User(Word),
    Workdir(Word),
    Expose(Vec<Word>),
    Volume(Vec<Word>),
    /// `None` for `HEALTHCHECK NONE`.
    Healthcheck(Option<CmdLine>),
    Onbuild(Box<Instruction>),
    Maintainer(Word),
    Stopsignal(Word),
}

/// One instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Its keyword.
    pub keyword: Keyword,
    /// Where the keyword is.
    pub pos: Pos,
    /// Last source line it spans (continuations and heredocs included).
    pub end_line: u32,
    /// Flags, in order.
    pub flags: Vec<Flag>,
    /// Arguments.
    pub body: Body,
    /// Here-documents, in order.
    pub heredocs: Vec<Heredoc>,
}

impl Instruction {
    /// The first flag called `name`.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// Values of every `--mount` flag, parsed into `key=value` pairs.
    pub fn mounts(&self) -> impl Iterator<Item = Mount<'_>> {
        self.flags
            .iter()
            .filter(|f| f.name == "mount")
            .map(|f| Mount::parse(f.value.as_deref().unwrap_or(""), f.pos))
    }

    /// The shell text or exec words of `RUN`/`CMD`/`ENTRYPOINT`/`HEALTHCHECK CMD`.
    pub fn cmdline(&self) -> Option<&CmdLine> {
        match &self.body {
            Body::Run(c) | Body::Cmd(c) | Body::Entrypoint(c) | Body::Healthcheck(Some(c)) => {
                Some(c)
            }
            _ => None,
        }
    }
}

/// A `--mount=type=…,target=…` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount<'a> {
    /// `type` (default `bind`).
    pub kind: &'a str,
    /// Every `key=value` (a bare key gets an empty value).
    pub options: Vec<(&'a str, &'a str)>,
    /// Where the flag is.
    pub pos: Pos,
}

impl<'a> Mount<'a> {
    fn parse(value: &'a str, pos: Pos) -> Self {
        let options: Vec<(&str, &str)> = value
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
            .collect();
        let kind = options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("type"))
            .map_or("bind", |(_, v)| *v);
        Mount { kind, options, pos }
    }

    /// The value of an option (`target`, `id`, …).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }

    /// The mount point (`target`, `dst` or `destination`).
    pub fn target(&self) -> Option<&'a str> {
        self.get("target")
            .or_else(|| self.get("dst"))
            .or_else(|| self.get("destination"))
    }
}
