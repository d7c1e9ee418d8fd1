//! A small POSIX-shell lexer: splits `RUN` text into simple commands at `&&`, `||`, `;`,
//! `|`, `&`, newlines and subshell parentheses, so rules see each command with its
//! arguments. Quotes are removed from words, `$(…)`, `${…}` and backquotes stay inside
//! their word, redirections are set aside, comments and nested heredoc bodies skipped.

use crate::ast::{Pos, Word};
use crate::source::SourceMap;

/// The operator that ends a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`, a newline, `(`, `)` or the end of the text.
    Seq,
    /// `|`
    Pipe,
    /// `&`
    Background,
}

/// A redirection such as `> /dev/null` or `<<EOF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The operator (`>`, `>>`, `<`, `<<`, `2>&1` is `>&`…).
    pub op: String,
    /// Its target word.
    pub target: Word,
}

/// One simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// All words, including leading `VAR=value` assignments and reserved words.
    pub words: Vec<Word>,
    /// Redirections.
    pub redirects: Vec<Redirect>,
    /// Where the command starts.
    pub pos: Pos,
    /// Operator before it (`Seq` for the first).
    pub before: Op,
    /// Operator after it.
    pub after: Op,
    /// Subshell nesting depth (inside `( … )`).
    pub depth: u32,
}

const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
];

impl Command {
    /// The command's words without leading assignments and reserved words.
    pub fn argv(&self) -> &[Word] {
        let skip = self
            .words
            .iter()
            .take_while(|w| RESERVED.contains(&w.value.as_str()) || is_assignment(&w.value))
            .count();
        self.words.get(skip..).unwrap_or_default()
    }

    /// Like [`Command::argv`], also looking through `sudo`, `env`, `command`, `exec`,
    /// `nohup` and `nice` wrappers (and their options).
    pub fn effective(&self) -> &[Word] {
        let mut argv = self.argv();
        loop {
            let Some(first) = argv.first() else {
                return argv;
            };
            match basename(&first.value) {
                "sudo" | "env" | "command" | "exec" | "nohup" | "nice" | "doas" => {
                    let rest = argv.get(1..).unwrap_or_default();
                    let skip = rest
                        .iter()
                        .take_while(|w| w.value.starts_with('-') || is_assignment(&w.value))
                        .count();
                    argv = rest.get(skip..).unwrap_or_default();
                }
                _ => return argv,
            }
        }
    }

    /// Basename of the program run, after wrappers (`/usr/bin/apt-get` → `apt-get`).
    pub fn program(&self) -> Option<&str> {
        self.effective().first().map(|w| basename(&w.value))
    }

    /// Arguments after the program.
    pub fn args(&self) -> &[Word] {
        self.effective().get(1..).unwrap_or_default()
    }

    /// Whether any argument equals one of `names`.
    pub fn has_arg(&self, names: &[&str]) -> bool {
        self.args()
            .iter()
            .any(|w| names.contains(&w.value.as_str()))
    }

    /// Whether any single-dash cluster of short options contains `c` (`-qy` has `y`),
    /// or a long option equals one of `long`.
    pub fn has_flag(&self, c: char, long: &[&str]) -> bool {
        self.args().iter().any(|w| {
            let v = w.value.as_str();
            long.iter()
                .any(|l| v == *l || v.strip_prefix(l).is_some_and(|r| r.starts_with('=')))
                || (v.starts_with('-')
                    && !v.starts_with("--")
                    && v.get(1..).is_some_and(|s| s.contains(c)))
        })
    }

    /// Non-option arguments (words not starting with `-`).
    pub fn operands(&self) -> impl Iterator<Item = &Word> {
        self.args().iter().filter(|w| !w.value.starts_with('-'))
    }
}

/// The last path component.
pub fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// `NAME=value` with a valid shell name.
pub fn is_assignment(s: &str) -> bool {
    s.split_once('=').is_some_and(|(n, _)| {
        !n.is_empty()
            && n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Splits shell text into commands; positions come from `map`.
pub fn split(text: &str, map: &SourceMap) -> Vec<Command> {
    split_with(text, map, true)
}

/// Like [`split`]; with `backslash: false` a backslash is an ordinary character (Windows
/// Dockerfiles using the `` ` `` escape directive, where paths contain backslashes).
pub fn split_with(text: &str, map: &SourceMap, backslash: bool) -> Vec<Command> {
    Lexer {
        backslash,
        text,
        bytes: text.as_bytes(),
        map,
        i: 0,
        out: Vec::new(),
        cur: Vec::new(),
        redirects: Vec::new(),
        start: None,
        before: Op::Seq,
        depth: 0,
        heredocs: Vec::new(),
    }
    .run()
}

struct Lexer<'a> {
    backslash: bool,
    text: &'a str,
    bytes: &'a [u8],
    map: &'a SourceMap,
    i: usize,
    out: Vec<Command>,
    cur: Vec<Word>,
    redirects: Vec<Redirect>,
    start: Option<usize>,
    before: Op,
    depth: u32,
    /// Heredoc delimiters whose bodies start at the next newline: `(delimiter, strip tabs)`.
    heredocs: Vec<(String, bool)>,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.bytes.get(self.i + k).copied()
    }

    fn end_command(&mut self, op: Op) {
        if !self.cur.is_empty() || !self.redirects.is_empty() {
            let start = self.start.unwrap_or(0);
            self.out.push(Command {
                words: std::mem::take(&mut self.cur),
                redirects: std::mem::take(&mut self.redirects),
                pos: self.map.pos(self.text, start),
                before: self.before,
                after: op,
                depth: self.depth,
            });
            self.before = op;
        } else if op != Op::Seq {
            self.before = op;
        }
        self.start = None;
    }

    fn run(mut self) -> Vec<Command> {
        while let Some(b) = self.peek(0) {
            match b {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\n' => {
                    self.i += 1;
                    self.end_command(Op::Seq);
                    self.skip_heredoc_bodies();
                }
                b'#' => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                }
                b'&' if self.peek(1) == Some(b'&') => {
                    self.i += 2;
                    self.end_command(Op::And);
                }
                b'&' if self.peek(1) == Some(b'>') => self.redirect(),
                b'&' => {
                    self.i += 1;
                    self.end_command(Op::Background);
                }
                b'|' if self.peek(1) == Some(b'|') => {
                    self.i += 2;
                    self.end_command(Op::Or);
                }
                b'|' => {
                    self.i += if self.peek(1) == Some(b'&') { 2 } else { 1 };
                    self.end_command(Op::Pipe);
                }
                b';' => {
                    self.i += 1;
                    self.end_command(Op::Seq);
                }
                b'(' => {
                    self.i += 1;
                    self.end_command(Op::Seq);
                    self.depth += 1;
                }
                b')' => {
                    self.i += 1;
                    self.end_command(Op::Seq);
                    self.depth = self.depth.saturating_sub(1);
                }
                b'<' | b'>' if self.peek(1) != Some(b'(') => self.redirect(),
                _ => {
                    let w = self.word();
                    // `2>` : a number right before a redirection is its file descriptor.
                    if matches!(self.peek(0), Some(b'<' | b'>'))
                        && !w.value.is_empty()
                        && w.value.bytes().all(|c| c.is_ascii_digit())
                    {
                        self.redirect();
                    } else {
                        if self.start.is_none() {
                            self.start = Some(self.i - w.raw.len());
                        }
                        self.cur.push(w);
                    }
                }
            }
        }
        self.end_command(Op::Seq);
        self.out
    }

    fn redirect(&mut self) {
        let op_start = self.i;
        if self.start.is_none() {
            self.start = Some(op_start);
        }
        while matches!(self.peek(0), Some(b'<' | b'>' | b'&' | b'|' | b'-'))
            && self.i - op_start < 3
        {
            self.i += 1;
        }
        let op = self
            .text
            .get(op_start..self.i)
            .unwrap_or_default()
            .to_owned();
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        if matches!(self.peek(0), None | Some(b'\n' | b';' | b'&' | b'|' | b')')) {
            return;
        }
        let target = self.word();
        if op.starts_with("<<") && op != "<<<" {
            self.heredocs
                .push((target.value.clone(), op.ends_with('-')));
        }
        self.redirects.push(Redirect { op, target });
    }

    fn skip_heredoc_bodies(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            while self.i < self.bytes.len() {
                let end = self
                    .text
                    .get(self.i..)
                    .and_then(|r| r.find('\n'))
                    .map_or(self.bytes.len(), |n| self.i + n);
                let line = self.text.get(self.i..end).unwrap_or_default();
                let line = if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                self.i = (end + 1).min(self.bytes.len());
                if line == delim {
                    break;
                }
            }
        }
    }

    /// Reads one word at `self.i`.
    #[allow(clippy::match_same_arms)] // arms follow the lexical cases in order
    fn word(&mut self) -> Word {
        let start = self.i;
        let mut value = String::new();
        while let Some(b) = self.peek(0) {
            match b {
                // Process substitution `<(…)` / `>(…)`.
                b'<' | b'>' if self.peek(1) == Some(b'(') => self.nested(&mut value, b'(', b')'),
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => {
                    break;
                }
                b'\\' if self.backslash => {
                    self.i += 1;
                    match self.peek(0) {
                        Some(b'\n') => self.i += 1,
                        Some(_) => self.push_char(&mut value),
                        None => value.push('\\'),
                    }
                }
                b'\'' => {
                    self.i += 1;
                    while let Some(c) = self.peek(0) {
                        if c == b'\'' {
                            self.i += 1;
                            break;
                        }
                        self.push_char(&mut value);
                    }
                }
                b'"' => {
                    self.i += 1;
                    while let Some(c) = self.peek(0) {
                        match c {
                            b'"' => {
                                self.i += 1;
                                break;
                            }
                            b'\\' if self.backslash => {
                                self.i += 1;
                                match self.peek(0) {
                                    Some(b'"' | b'\\' | b'$' | b'`') => self.push_char(&mut value),
                                    Some(b'\n') => self.i += 1,
                                    _ => value.push('\\'),
                                }
                            }
                            b'$' if self.peek(1) == Some(b'(') => {
                                self.nested(&mut value, b'(', b')');
                            }
                            b'`' => self.backquote(&mut value),
                            _ => self.push_char(&mut value),
                        }
                    }
                }
                b'$' if self.peek(1) == Some(b'(') => self.nested(&mut value, b'(', b')'),
                b'$' if self.peek(1) == Some(b'{') => self.nested(&mut value, b'{', b'}'),
                b'`' => self.backquote(&mut value),
                _ => self.push_char(&mut value),
            }
        }
        if self.i == start {
            // Never loop on a character no branch consumed.
            self.push_char(&mut value);
        }
        Word {
            value,
            raw: self.text.get(start..self.i).unwrap_or_default().to_owned(),
            pos: self.map.pos(self.text, start),
        }
    }

    fn push_char(&mut self, value: &mut String) {
        if let Some(c) = self.text.get(self.i..).and_then(|r| r.chars().next()) {
            value.push(c);
            self.i += c.len_utf8();
        } else {
            self.i += 1;
        }
    }

    /// `$( … )` or `${ … }`, kept verbatim with nesting (quotes inside respected).
    #[allow(clippy::match_same_arms)] // arms follow the lexical cases in order
    fn nested(&mut self, value: &mut String, open: u8, close: u8) {
        let start = self.i;
        self.i += 2;
        let mut depth = 1u32;
        let mut quote: Option<u8> = None;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'\'' || c == b'"' => quote = Some(c),
                None if c == b'\\' => self.i += 1,
                None if c == open => depth += 1,
                None if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                None => {}
            }
        }
        self.i = self.i.min(self.bytes.len());
        value.push_str(self.text.get(start..self.i).unwrap_or_default());
    }

    fn backquote(&mut self, value: &mut String) {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek(0) {
            self.i += 1;
            if c == b'\\' {
                self.i += 1;
            } else if c == b'`' {
                break;
            }
        }
        self.i = self.i.min(self.bytes.len());
        value.push_str(self.text.get(start..self.i).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmds(s: &str) -> Vec<Command> {
        let mut m = SourceMap::default();
        m.push(0, Pos::new(1, 1));
        split(s, &m)
    }

    fn argvs(s: &str) -> Vec<Vec<String>> {
        cmds(s)
            .iter()
            .map(|c| c.words.iter().map(|w| w.value.clone()).collect())
            .collect()
    }

    #[test]
    fn operators_split_commands() {
        let c =
            cmds("apt-get update && apt-get install -y 'a b' || true; curl -fsSL x | sh & wait");
        let v: Vec<(Op, Op)> = c.iter().map(|c| (c.before, c.after)).collect();
        assert_eq!(
            v,
            [
                (Op::Seq, Op::And),
                (Op::And, Op::Or),
                (Op::Or, Op::Seq),
                (Op::Seq, Op::Pipe),
                (Op::Pipe, Op::Background),
                (Op::Background, Op::Seq)
            ]
        );
        assert_eq!(c[1].words[3].value, "a b");
        assert_eq!(c[3].pos, Pos::new(1, 53));
    }

    #[test]
    fn quotes_substitutions_redirects() {
        assert_eq!(
            argvs(r#"echo "a $(date +"%s") b" `id -u` ${X:-"y z"} 2>&1 >/dev/null"#),
            [vec![
                "echo",
                "a $(date +\"%s\") b",
                "`id -u`",
                "${X:-\"y z\"}"
            ]]
        );
        assert_eq!(
            argvs("bash <(curl -s x) >(tee y)"),
            [vec!["bash", "<(curl -s x)", ">(tee y)"]]
        );
        let c = cmds("cat <<EOF > /x\nrm -rf /\nEOF\nls # c && d\n(cd a && make)");
        let v: Vec<&str> = c.iter().map(|c| c.words[0].value.as_str()).collect();
        assert_eq!(v, ["cat", "ls", "cd", "make"]);
        assert_eq!(c[0].redirects.len(), 2);
        assert_eq!((c[2].depth, c[1].depth), (1, 0));
    }

    #[test]
    fn wrappers_and_reserved_words() {
        let c = cmds("if true; then DEBIAN_FRONTEND=x sudo -E /usr/bin/apt-get -qy install a; fi");
        assert_eq!(c[1].program(), Some("apt-get"));
        assert!(c[1].has_flag('y', &["--yes"]));
        assert_eq!(
            c[1].operands()
                .map(|w| w.value.as_str())
                .collect::<Vec<_>>(),
            ["install", "a"]
        );
    }
}
