//! The Dockerfile parser: parser directives, logical lines (escape character, line
//! continuations with comments and blank lines inside), heredocs, flags and the
//! arguments of every instruction. It never fails: problems become [`ParseError`]s with
//! line and column and the next instruction is parsed as usual.

use crate::ast::{
    ArgDecl, Body, CmdLine, Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, KeyValue,
    Keyword, ParseError, Pos, ShellText, Transfer, Word,
};
use crate::source::{SourceMap, column, line_no};
use crate::words::{parse_json_array, split_words};

/// Largest input parsed; beyond it the file is an error (Dockerfiles are small).
pub const MAX_LEN: usize = 8 * 1024 * 1024;

/// Reads bytes as a Dockerfile: rejects binary and non-UTF-8 input with a located error.
pub fn parse_bytes(bytes: &[u8]) -> Dockerfile {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bad = |offset: usize, message: &str| {
        let before = bytes.get(..offset).unwrap_or(bytes);
        let line = before.iter().filter(|&&b| b == b'\n').count();
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(before.get(start..).unwrap_or_default())
            .chars()
            .count();
        Dockerfile {
            escape: '\\',
            errors: vec![ParseError {
                pos: Pos::new(line_no(line), col as u32 + 1),
                message: message.to_owned(),
            }],
            ..Dockerfile::default()
        }
    };
    if bytes.len() > MAX_LEN {
        return bad(0, "file is larger than 8 MiB; not a Dockerfile");
    }
    if let Some(nul) = bytes.iter().take(8192).position(|&b| b == 0) {
        return bad(nul, "binary file (contains NUL bytes); not a Dockerfile");
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => bad(
            e.valid_up_to(),
            "invalid UTF-8; Dockerfiles must be UTF-8 encoded",
        ),
    }
}

/// Parses Dockerfile text.
pub fn parse(text: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut p = Parser {
        lines: &lines,
        next: 0,
        df: Dockerfile {
            escape: '\\',
            ..Dockerfile::default()
        },
    };
    p.directives();
    while let Some(instr) = p.logical_line() {
        let (text, map) = instr;
        if let Some(i) = p.instruction(&text, &map, true) {
            p.df.instructions.push(i);
        }
    }
    p.df
}

struct Parser<'a> {
    lines: &'a [&'a str],
    next: usize,
    df: Dockerfile,
}

impl Parser<'_> {
    fn error(&mut self, pos: Pos, message: impl Into<String>) {
        self.df.errors.push(ParseError {
            pos,
            message: message.into(),
        });
    }

    /// Parser directives: `# name=value` lines at the very top.
    fn directives(&mut self) {
        while let Some(line) = self.lines.get(self.next) {
            let Some(rest) = line.trim_start().strip_prefix('#') else {
                return;
            };
            let Some((name, value)) = rest.split_once('=') else {
                return;
            };
            let name = name.trim().to_ascii_lowercase();
            if !matches!(name.as_str(), "syntax" | "escape" | "check") {
                return;
            }
            let pos = Pos::new(
                line_no(self.next),
                column(line, line.len() - line.trim_start().len()),
            );
            let value = value.trim().to_owned();
            if self.df.directives.iter().any(|d| d.name == name) {
                self.error(pos, format!("parser directive `{name}` is set twice"));
            } else if name == "escape" {
                match value.as_str() {
                    "\\" => self.df.escape = '\\',
                    "`" => self.df.escape = '`',
                    _ => self.error(
                        pos,
                        format!("invalid escape character `{value}` (must be ` or \\)"),
                    ),
                }
            }
            self.df.directives.push(Directive { name, value, pos });
            self.next += 1;
        }
    }

    fn comment(&mut self, idx: usize, line: &str) {
        let t = line.trim_start();
        self.df.comments.push(Comment {
            pos: Pos::new(line_no(idx), column(line, line.len() - t.len())),
            text: t.trim_start_matches('#').trim().to_owned(),
        });
    }

    /// The next logical line (continuations joined, comments inside them dropped).
    fn logical_line(&mut self) -> Option<(String, SourceMap)> {
        // Skip blank and comment lines.
        loop {
            let line = *self.lines.get(self.next)?;
            let t = line.trim_start();
            if t.is_empty() {
                self.next += 1;
            } else if t.starts_with('#') {
                self.comment(self.next, line);
                self.next += 1;
            } else {
                break;
            }
        }
        let mut text = String::new();
        let mut map = SourceMap::default();
        let mut first = true;
        while let Some(&line) = self.lines.get(self.next) {
            let idx = self.next;
            self.next += 1;
            let start = if first {
                line.len() - line.trim_start().len()
            } else {
                0
            };
            first = false;
            let piece = line.get(start..).unwrap_or_default();
            let (content, continued) = strip_continuation(piece, self.df.escape);
            map.push(text.len(), Pos::new(line_no(idx), column(line, start)));
            text.push_str(content);
            if !continued {
                break;
            }
            // Comment and blank lines inside a continuation are skipped.
            while let Some(&l) = self.lines.get(self.next) {
                let t = l.trim_start();
                if t.is_empty() {
                    self.next += 1;
                } else if t.starts_with('#') {
                    self.comment(self.next, l);
                    self.next += 1;
                } else {
                    break;
                }
            }
        }
        Some((text, map))
    }

    /// Parses one instruction from joined text; `top` is false inside `ONBUILD`.
    fn instruction(&mut self, text: &str, map: &SourceMap, top: bool) -> Option<Instruction> {
        let kw_end = text.find(|c: char| c.is_whitespace()).unwrap_or(text.len());
        let kw_text = text.get(..kw_end).unwrap_or_default();
        let pos = map.pos(text, 0);
        let Some(keyword) = Keyword::parse(kw_text) else {
            self.error(pos, format!("unknown instruction `{kw_text}`"));
            return None;
        };
        let mut off = skip_ws(text, kw_end);
        let mut flags = Vec::new();
        if matches!(
            keyword,
            Keyword::From | Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Healthcheck
        ) {
            off = self.flags(text, map, off, &mut flags);
        }
        let rest = text.get(off..).unwrap_or_default();
        let rmap = map.shifted(text, off);
        let escape = self.df.escape;
        let mut heredocs = Vec::new();
        if top && matches!(keyword, Keyword::Run | Keyword::Copy | Keyword::Add) {
            for (marker_off, delimiter, strip_tabs, quoted) in heredoc_markers(rest, escape) {
                let hpos = rmap.pos(rest, marker_off);
                heredocs.push(self.heredoc(hpos, delimiter, strip_tabs, quoted));
            }
        }
        let end_line = self.next.min(self.lines.len()) as u32;
        let body = match keyword {
            Keyword::From => {
                let words = split_words(rest, &rmap, escape);
                match words.as_slice() {
                    [image] => Body::From {
                        image: image.clone(),
                        name: None,
                    },
                    [image, as_kw, name] if as_kw.value.eq_ignore_ascii_case("as") => Body::From {
                        image: image.clone(),
                        name: Some(name.clone()),
                    },
                    [] => return self.fail(pos, "FROM requires a base image"),
                    _ => return self.fail(pos, "FROM takes `IMAGE [AS NAME]`"),
                }
            }
            Keyword::Run => Body::Run(self.cmdline(keyword, rest, &rmap, pos)?),
            Keyword::Cmd => Body::Cmd(self.cmdline(keyword, rest, &rmap, pos)?),
            Keyword::Entrypoint => Body::Entrypoint(self.cmdline(keyword, rest, &rmap, pos)?),
            Keyword::Shell => match parse_json_array(rest, &rmap) {
                Some(w) if !w.is_empty() => Body::Shell(w),
                _ => {
                    return self.fail(
                        pos,
                        "SHELL requires a JSON array, e.g. [\"/bin/bash\", \"-c\"]",
                    );
                }
            },
            Keyword::Copy | Keyword::Add => {
                let (words, exec) = match parse_json_array(rest, &rmap) {
                    Some(w) => (w, true),
                    None => (split_words(rest, &rmap, escape), false),
                };
                let Some((dest, sources)) = words.split_last() else {
                    return self.fail(
                        pos,
                        format!("{} requires a source and a destination", keyword.as_str()),
                    );
                };
                if sources.is_empty() {
                    return self.fail(
                        pos,
                        format!("{} requires a source and a destination", keyword.as_str()),
                    );
                }
                let t = Transfer {
                    sources: sources.to_vec(),
                    dest: dest.clone(),
                    exec,
                };
                if keyword == Keyword::Copy {
                    Body::Copy(t)
                } else {
                    Body::Add(t)
                }
            }
            Keyword::Env | Keyword::Label => {
                let kvs = self.key_values(keyword, rest, &rmap, pos)?;
                if keyword == Keyword::Env {
                    Body::Env(kvs)
                } else {
                    Body::Label(kvs)
                }
            }
            Keyword::Arg => {
                let words = split_words(rest, &rmap, escape);
                if words.is_empty() {
                    return self.fail(pos, "ARG requires a name");
                }
                let decls = words
                    .into_iter()
                    .map(|w| match split_assignment(&w) {
                        Some((name, default)) => ArgDecl {
                            name,
                            default: Some(default),
                        },
                        None => ArgDecl {
                            name: w,
                            default: None,
                        },
                    })
                    .collect();
                Body::Arg(decls)
            }
            Keyword::User | Keyword::Workdir | Keyword::Maintainer | Keyword::Stopsignal => {
                let w = whole(rest, &rmap, escape);
                let Some(w) = w else {
                    return self.fail(pos, format!("{} requires an argument", keyword.as_str()));
                };
                match keyword {
                    Keyword::User => Body::User(w),
                    Keyword::Workdir => Body::Workdir(w),
                    Keyword::Maintainer => Body::Maintainer(w),
                    _ => Body::Stopsignal(w),
                }
            }
            Keyword::Expose | Keyword::Volume => {
                let words = match parse_json_array(rest, &rmap) {
                    Some(w) if keyword == Keyword::Volume => w,
                    _ => split_words(rest, &rmap, escape),
                };
                if words.is_empty() {
                    return self.fail(pos, format!("{} requires an argument", keyword.as_str()));
                }
                if keyword == Keyword::Expose {
                    Body::Expose(words)
                } else {
                    Body::Volume(words)
                }
            }
            Keyword::Healthcheck => {
                let kw_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let sub = rest.get(..kw_len).unwrap_or_default();
                if sub.eq_ignore_ascii_case("none")
                    && rest.get(kw_len..).is_some_and(|r| r.trim().is_empty())
                {
                    Body::Healthcheck(None)
                } else if sub.eq_ignore_ascii_case("cmd") {
                    let off2 = skip_ws(rest, kw_len);
                    let cmd = rest.get(off2..).unwrap_or_default();
                    let cmap = rmap.shifted(rest, off2);
                    Body::Healthcheck(Some(self.cmdline(keyword, cmd, &cmap, pos)?))
                } else {
                    return self.fail(pos, "HEALTHCHECK takes `[OPTIONS] CMD command` or `NONE`");
                }
            }
            Keyword::Onbuild => {
                if !top {
                    return self.fail(pos, "ONBUILD cannot be nested");
                }
                let inner = self.instruction(rest, &rmap, false)?;
                if matches!(
                    inner.keyword,
                    Keyword::From | Keyword::Maintainer | Keyword::Onbuild
                ) {
                    return self.fail(
                        inner.pos,
                        format!("{} is not allowed in ONBUILD", inner.keyword.as_str()),
                    );
                }
                Body::Onbuild(Box::new(inner))
            }
        };
        Some(Instruction {
            keyword,
            pos,
            end_line: end_line.max(pos.line),
            flags,
            body,
            heredocs,
        })
    }

    fn fail<T>(&mut self, pos: Pos, message: impl Into<String>) -> Option<T> {
        self.error(pos, message);
        None
    }

    /// Reads leading `--flag[=value]` words; returns the offset after them.
    fn flags(&mut self, text: &str, map: &SourceMap, mut off: usize, out: &mut Vec<Flag>) -> usize {
        while let Some(rest) = text.get(off..) {
            let Some(body) = rest.strip_prefix("--") else {
                break;
            };
            if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
                break;
            }
            let len = word_len(rest, self.df.escape);
            let word = rest.get(2..len).unwrap_or_default();
            let pos = map.pos(text, off);
            let (name, value) = match word.split_once('=') {
                Some((n, v)) => (n, Some(unquote(v))),
                None => (word, None),
            };
            out.push(Flag {
                name: name.to_ascii_lowercase(),
                value,
                pos,
            });
            off = skip_ws(text, off + len);
        }
        off
    }

    fn cmdline(
        &mut self,
        keyword: Keyword,
        rest: &str,
        map: &SourceMap,
        pos: Pos,
    ) -> Option<CmdLine> {
        if rest.trim().is_empty() {
            return self.fail(pos, format!("{} requires a command", keyword.as_str()));
        }
        if rest.starts_with('[')
            && let Some(words) = parse_json_array(rest, map)
        {
            return Some(CmdLine::Exec(words));
        }
        Some(CmdLine::Shell(ShellText {
            text: rest.to_owned(),
            map: map.clone(),
        }))
    }

    fn key_values(
        &mut self,
        keyword: Keyword,
        rest: &str,
        map: &SourceMap,
        pos: Pos,
    ) -> Option<Vec<KeyValue>> {
        let escape = self.df.escape;
        let words = split_words(rest, map, escape);
        let Some(first) = words.first() else {
            return self.fail(pos, format!("{} requires KEY=VALUE", keyword.as_str()));
        };
        if !first.raw.contains('=') {
            // Legacy form `ENV KEY value with spaces`.
            let key = first.clone();
            let off = rest
                .find(char::is_whitespace)
                .map_or(rest.len(), |i| skip_ws(rest, i));
            let Some(value) = whole(
                rest.get(off..).unwrap_or_default(),
                &map.shifted(rest, off),
                escape,
            ) else {
                return self.fail(
                    pos,
                    format!("{} `{}` has no value", keyword.as_str(), key.value),
                );
            };
            return Some(vec![KeyValue { key, value }]);
        }
        let mut out = Vec::new();
        for w in words {
            match split_assignment(&w) {
                Some((key, value)) if !key.value.is_empty() => out.push(KeyValue { key, value }),
                _ => {
                    return self.fail(
                        w.pos,
                        format!(
                            "{} expects KEY=VALUE pairs, found `{}`",
                            keyword.as_str(),
                            w.raw
                        ),
                    );
                }
            }
        }
        Some(out)
    }

    /// Consumes the body of a heredoc from the following lines.
    fn heredoc(&mut self, pos: Pos, delimiter: String, strip_tabs: bool, quoted: bool) -> Heredoc {
        let body_line = line_no(self.next);
        let mut body = String::new();
        let mut terminated = false;
        while let Some(&line) = self.lines.get(self.next) {
            self.next += 1;
            let l = if strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if l == delimiter {
                terminated = true;
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        if !terminated {
            self.error(
                pos,
                format!("heredoc `{delimiter}` is not terminated before the end of the file"),
            );
        }
        Heredoc {
            delimiter,
            strip_tabs,
            quoted,
            pos,
            body,
            body_line,
        }
    }
}

/// Removes a trailing escape character (optionally followed by blanks): `(content, continued)`.
fn strip_continuation(line: &str, escape: char) -> (&str, bool) {
    let trimmed = line.trim_end_matches([' ', '\t']);
    match trimmed.strip_suffix(escape) {
        Some(content) => (content, true),
        None => (line, false),
    }
}

fn skip_ws(text: &str, off: usize) -> usize {
    text.get(off..)
        .map_or(off, |r| off + (r.len() - r.trim_start().len()))
}

/// Byte length of the word at the start of `text` (quotes and escapes respected).
fn word_len(text: &str, escape: char) -> usize {
    let mut quote = None;
    let mut it = text.char_indices();
    while let Some((i, c)) = it.next() {
        match quote {
            None if c.is_whitespace() => return i,
            None if c == '"' || c == '\'' => quote = Some(c),
            Some(q) if c == q => quote = None,
            _ if c == escape && quote != Some('\'') => {
                it.next();
            }
            _ => {}
        }
    }
    text.len()
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    v.to_owned()
}

/// The whole of `text` as one word (`WORKDIR /a b`), surrounding quotes removed.
fn whole(text: &str, map: &SourceMap, escape: char) -> Option<Word> {
    let t = text.trim_end();
    if t.is_empty() {
        return None;
    }
    let words = split_words(t, map, escape);
    let value = if words.len() == 1 {
        words.first().map(|w| w.value.clone()).unwrap_or_default()
    } else {
        t.to_owned()
    };
    Some(Word {
        value,
        raw: t.to_owned(),
        pos: map.pos(text, 0),
    })
}

/// Splits `KEY=value` into two words (value positioned after `=`).
fn split_assignment(w: &Word) -> Option<(Word, Word)> {
    let eq = w.raw.find('=')?;
    let key_raw = w.raw.get(..eq)?;
    let val_raw = w.raw.get(eq + 1..)?;
    let key_val = w.value.split_once('=').map_or("", |(k, _)| k);
    let value = w.value.split_once('=').map_or("", |(_, v)| v);
    Some((
        Word {
            value: key_val.to_owned(),
            raw: key_raw.to_owned(),
            pos: w.pos,
        },
        Word {
            value: value.to_owned(),
            raw: val_raw.to_owned(),
            pos: Pos::new(
                w.pos.line,
                w.pos.column + key_raw.chars().count() as u32 + 1,
            ),
        },
    ))
}

/// Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`) outside quotes:
/// `(offset, delimiter, strip_tabs, quoted)`.
#[allow(clippy::match_same_arms)] // arms follow the lexical cases in order
fn heredoc_markers(text: &str, escape: char) -> Vec<(usize, String, bool, bool)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if escape.is_ascii() && b == escape as u8 => i += 1,
            None if b == b'<'
                && bytes.get(i + 1) == Some(&b'<')
                && bytes.get(i + 2) != Some(&b'<') =>
            {
                let start = i;
                let mut j = i + 2;
                let strip = bytes.get(j) == Some(&b'-');
                if strip {
                    j += 1;
                }
                let q = bytes.get(j).copied().filter(|&c| c == b'"' || c == b'\'');
                if q.is_some() {
                    j += 1;
                }
                let name_start = j;
                while bytes
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
                {
                    j += 1;
                }
                let name = text.get(name_start..j).unwrap_or_default();
                let closed = match q {
                    Some(qc) if bytes.get(j) == Some(&qc) => {
                        j += 1;
                        true
                    }
                    Some(_) => false,
                    None => true,
                };
                if closed && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    out.push((start, name.to_owned(), strip, q.is_some()));
                    i = j;
                    continue;
                }
                i = j.max(i + 1);
                continue;
            }
            None => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_with_comments_and_blank_lines() {
        let df = parse(
            "RUN apt-get update && \\\n# a comment\n\n    apt-get install -y curl\nUSER app\n",
        );
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.instructions.len(), 2);
        let Body::Run(CmdLine::Shell(s)) = &df.instructions[0].body else {
            panic!()
        };
        assert_eq!(s.text, "apt-get update &&     apt-get install -y curl");
        let at = s.text.find("apt-get install").unwrap();
        assert_eq!(s.pos(at), Pos::new(4, 5));
        assert_eq!(df.comments.len(), 1);
        assert_eq!(df.instructions[1].pos, Pos::new(5, 1));
    }

    #[test]
    fn errors_do_not_stop_parsing() {
        let df = parse("FROM alpine\nFOO bar\nCOPY onlyone\nUSER app\nHEALTHCHECK maybe\n");
        let lines: Vec<u32> = df.errors.iter().map(|e| e.pos.line).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert_eq!(df.instructions.len(), 2);
    }

    #[test]
    fn heredoc_markers_found() {
        let m = heredoc_markers("cat <<EOF >a && cat <<-'X' 'no <<Y' $((1<<2))", '\\');
        let names: Vec<&str> = m.iter().map(|m| m.1.as_str()).collect();
        assert_eq!(names, ["EOF", "X"]);
        assert!(m[1].2 && m[1].3);
    }

    #[test]
    fn binary_and_bad_utf8() {
        let df = parse_bytes(b"FROM a\nRUN \xff\n");
        assert_eq!(df.errors[0].pos, Pos::new(2, 5));
        let df = parse_bytes(b"FROM a\n\0");
        assert!(df.errors[0].message.contains("binary"));
    }
}
