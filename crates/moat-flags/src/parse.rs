//! Command-line parsing with the semantics of Go's `github.com/spf13/pflag` (every
//! Kubernetes component) and of Go's standard `flag` package (etcd).
//!
//! The parser never fails: what the real program would reject (a missing value, bad
//! syntax, a single-dash long flag under pflag) is recorded as an [`Issue`] and parsing
//! goes on, so a checker still sees every flag that was meant.

use std::borrow::Cow;

/// Which Go flag package a program parses its arguments with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// `github.com/spf13/pflag`: long flags take two dashes, one dash starts shorthands,
    /// flags and positional arguments may interleave, `--` ends the flags.
    Pflag,
    /// Go's standard `flag`: `-name` and `--name` are the same, parsing stops at the
    /// first positional argument or after `--`.
    GoFlag,
}

/// How a flag takes its value and how repetitions combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlagKind {
    /// Boolean: `--f` alone means true, `--f=false` turns it off; it never consumes
    /// the next argument (`--f false` leaves `false` as a positional argument).
    Bool,
    /// A single value: `--f=v` or `--f v`; the last occurrence wins.
    Scalar,
    /// pflag `stringSlice`: a comma-separated (CSV) list; occurrences accumulate.
    List,
    /// `key=value` pairs separated by commas (`--feature-gates`); occurrences merge and
    /// a later key wins.
    Map,
}

/// The flags a program knows, as far as parsing needs to know them.
///
/// A flag in none of the lists is *unknown*. The real programs reject unknown flags;
/// this parser keeps them and guesses their kind: a bare unknown flag consumes the next
/// argument as its value unless that argument itself starts with `-`.
#[derive(Clone, Copy, Debug)]
pub struct Schema {
    /// The flag package.
    pub dialect: Dialect,
    /// Boolean flags.
    pub bools: &'static [&'static str],
    /// Flags that take one value (last occurrence wins).
    pub scalars: &'static [&'static str],
    /// Comma-separated list flags whose occurrences accumulate.
    pub lists: &'static [&'static str],
    /// `key=value,…` map flags.
    pub maps: &'static [&'static str],
    /// Read `_` in flag names as `-` (Kubernetes components install pflag's
    /// `WordSepNormalizeFunc`, so `--anonymous_auth` is `--anonymous-auth`).
    pub normalize_underscores: bool,
}

impl Schema {
    /// A schema that knows no flags.
    pub const fn empty(dialect: Dialect) -> Self {
        Schema {
            dialect,
            bools: &[],
            scalars: &[],
            lists: &[],
            maps: &[],
            normalize_underscores: false,
        }
    }

    /// The kind of a flag, or `None` if the schema does not know it.
    pub fn kind(&self, name: &str) -> Option<FlagKind> {
        if self.bools.contains(&name) {
            Some(FlagKind::Bool)
        } else if self.lists.contains(&name) {
            Some(FlagKind::List)
        } else if self.maps.contains(&name) {
            Some(FlagKind::Map)
        } else if self.scalars.contains(&name) {
            Some(FlagKind::Scalar)
        } else {
            None
        }
    }
}

/// How a flag's value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// `--flag=value`: name and value in one argument.
    Inline,
    /// `--flag value`: the value is the next argument.
    Separate,
    /// `--flag` alone: a boolean set to `true`.
    Bare,
}

/// One occurrence of a flag on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence<'a> {
    /// The flag name without dashes (normalised when the schema says so).
    pub name: Cow<'a, str>,
    /// The raw value (`"true"` for a bare boolean).
    pub value: &'a str,
    /// How it was written.
    pub form: Form,
    /// Index of the argument holding the flag name.
    pub index: usize,
    /// Index of the argument holding the value (equal to `index` unless `Separate`).
    pub value_index: usize,
}

/// Something the real program would reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssueKind {
    /// A flag that needs a value is the last argument.
    MissingValue,
    /// `---x`, `--=x` and the like.
    BadSyntax,
    /// A single-dash argument under pflag (shorthand flags; `-name=value` is not the
    /// long flag `name` there and sets nothing).
    Shorthand,
    /// A positional argument; control-plane programs accept none.
    Positional,
}

/// A parse problem at one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Issue {
    /// Index of the argument.
    pub index: usize,
    /// What is wrong.
    pub kind: IssueKind,
}

/// One element of a list flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// The element.
    pub value: Cow<'a, str>,
    /// Index of the argument it came from.
    pub index: usize,
}

/// One entry of a map flag after merging all occurrences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry<'a> {
    /// The key (trimmed).
    pub key: &'a str,
    /// The value (trimmed; empty when the pair had no `=`).
    pub value: &'a str,
    /// Index of the argument the deciding pair came from.
    pub index: usize,
}

/// A parsed command line: the flag occurrences in order, positional arguments, issues.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine<'a> {
    flags: Vec<Occurrence<'a>>,
    positionals: Vec<(usize, &'a str)>,
    issues: Vec<Issue>,
}

impl<'a> CommandLine<'a> {
    /// Parses `args` (the arguments after the program name) with `schema`.
    /// Indices in the result are positions in `args`.
    pub fn parse<S: AsRef<str>>(args: &'a [S], schema: &Schema) -> Self {
        let mut out = CommandLine::default();
        let mut rest = args.iter().map(AsRef::as_ref).enumerate().peekable();
        while let Some((at, tok)) = rest.next() {
            let body = match schema.dialect {
                Dialect::Pflag => {
                    if tok == "--" {
                        out.positionals.extend(rest.by_ref());
                        break;
                    }
                    if let Some(body) = tok.strip_prefix("--") {
                        body
                    } else if tok.len() > 1 && tok.starts_with('-') {
                        out.issue(at, IssueKind::Shorthand);
                        continue;
                    } else {
                        out.positionals.push((at, tok));
                        continue;
                    }
                }
                Dialect::GoFlag => {
                    let Some(one) = tok.strip_prefix('-').filter(|b| !b.is_empty()) else {
                        // The standard package stops at the first non-flag argument.
                        out.positionals.push((at, tok));
                        out.positionals.extend(rest.by_ref());
                        break;
                    };
                    let body = one.strip_prefix('-').unwrap_or(one);
                    if body.is_empty() {
                        out.positionals.extend(rest.by_ref());
                        break;
                    }
                    body
                }
            };
            if body.starts_with(['-', '=']) || body.is_empty() {
                out.issue(at, IssueKind::BadSyntax);
                continue;
            }
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let name = if schema.normalize_underscores && name.contains('_') {
                Cow::Owned(name.replace('_', "-"))
            } else {
                Cow::Borrowed(name)
            };
            let occ = if let Some(value) = inline {
                Occurrence {
                    name,
                    value,
                    form: Form::Inline,
                    index: at,
                    value_index: at,
                }
            } else {
                let takes_value = match schema.kind(&name) {
                    Some(FlagKind::Bool) => false,
                    Some(_) => true,
                    None => rest.peek().is_some_and(|(_, next)| !next.starts_with('-')),
                };
                if !takes_value {
                    Occurrence {
                        name,
                        value: "true",
                        form: Form::Bare,
                        index: at,
                        value_index: at,
                    }
                } else if let Some((vi, value)) = rest.next() {
                    Occurrence {
                        name,
                        value,
                        form: Form::Separate,
                        index: at,
                        value_index: vi,
                    }
                } else {
                    out.issue(at, IssueKind::MissingValue);
                    continue;
                }
            };
            out.flags.push(occ);
        }
        let positional_issues: Vec<Issue> = out
            .positionals
            .iter()
            .map(|&(index, _)| Issue {
                index,
                kind: IssueKind::Positional,
            })
            .collect();
        out.issues.extend(positional_issues);
        out.issues.sort_by_key(|i| i.index);
        out
    }

    fn issue(&mut self, index: usize, kind: IssueKind) {
        self.issues.push(Issue { index, kind });
    }

    /// Every flag occurrence, in command-line order.
    pub fn flags(&self) -> &[Occurrence<'a>] {
        &self.flags
    }

    /// Positional arguments with their indices.
    pub fn positionals(&self) -> &[(usize, &'a str)] {
        &self.positionals
    }

    /// What the real program would reject, by argument index.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Every occurrence of `name`, in order.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Occurrence<'a>> + 's {
        self.flags.iter().filter(move |o| o.name == name)
    }

    /// The last occurrence of `name`: the one that decides a scalar flag.
    pub fn last(&self, name: &str) -> Option<&Occurrence<'a>> {
        self.flags.iter().rev().find(|o| o.name == name)
    }

    /// Whether `name` occurs at all.
    pub fn is_set(&self, name: &str) -> bool {
        self.flags.iter().any(|o| o.name == name)
    }

    /// The value of scalar flag `name` (last occurrence wins).
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.last(name).map(|o| o.value)
    }

    /// The elements of list flag `name`, accumulated over every occurrence as pflag's
    /// `stringSlice` does; `None` when the flag does not occur. An occurrence whose value
    /// is not valid CSV contributes nothing (the program would refuse it).
    pub fn list(&self, name: &str) -> Option<Vec<Item<'a>>> {
        let mut found = false;
        let mut items = Vec::new();
        for o in self.all(name) {
            found = true;
            if let Some(fields) = split_csv(o.value) {
                items.extend(fields.into_iter().map(|value| Item {
                    value,
                    index: o.value_index,
                }));
            }
        }
        found.then_some(items)
    }

    /// The entries of map flag `name` merged over every occurrence (a later key wins),
    /// in order of first appearance; `None` when the flag does not occur.
    pub fn map(&self, name: &str) -> Option<Vec<MapEntry<'a>>> {
        let mut found = false;
        let mut entries: Vec<MapEntry<'a>> = Vec::new();
        for o in self.all(name) {
            found = true;
            for pair in o.value.split(',') {
                let pair = pair.trim();
                if pair.is_empty() {
                    continue;
                }
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let entry = MapEntry {
                    key: key.trim(),
                    value: value.trim(),
                    index: o.value_index,
                };
                match entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(e) => *e = entry,
                    None => entries.push(entry),
                }
            }
        }
        found.then_some(entries)
    }
}

/// Splits one CSV record the way pflag's `readAsCSV` (Go `encoding/csv`, one record)
/// does: `""` is the empty list, fields may be double-quoted with `""` for a quote.
/// Returns `None` for what Go's reader rejects (a stray or unterminated quote).
pub fn split_csv(s: &str) -> Option<Vec<Cow<'_, str>>> {
    // encoding/csv skips leading empty lines and reads one record.
    let s = s.trim_start_matches(['\r', '\n']);
    if s.is_empty() {
        return Some(Vec::new());
    }
    let mut fields = Vec::new();
    let mut rest = s;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let after = loop {
                let (i, c) = chars.next()?;
                if c != '"' {
                    value.push(c);
                    continue;
                }
                match quoted.get(i + 1..).and_then(|r| r.chars().next()) {
                    Some('"') => {
                        value.push('"');
                        chars.next();
                    }
                    _ => break quoted.get(i + 1..).unwrap_or(""),
                }
            };
            fields.push(Cow::Owned(value));
            if let Some(next) = after.strip_prefix(',') {
                rest = next;
            } else if after.is_empty() || after.starts_with(['\n', '\r']) {
                return Some(fields);
            } else {
                return None;
            }
        } else {
            let end = rest.find([',', '\n', '\r']).unwrap_or(rest.len());
            let (field, after) = rest.split_at(end);
            if field.contains('"') {
                return None;
            }
            fields.push(Cow::Borrowed(field));
            match after.strip_prefix(',') {
                Some(next) => rest = next,
                None => return Some(fields),
            }
        }
    }
}

/// Go's `strconv.ParseBool`, which both flag packages use.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, which pflag's and Go's `int` flags use: an optional
/// sign, `0x`/`0o`/`0b` prefixes, a leading `0` for octal, `_` between digits.
pub fn parse_int(s: &str) -> Option<i64> {
    if !underscores_ok(s) {
        return None;
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1
        && let Some(d) = lower.strip_prefix('0')
    {
        (8, d)
    } else {
        (10, lower.as_str())
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = u64::from(c.to_digit(radix)?);
        n = n.checked_mul(u64::from(radix))?.checked_add(d)?;
    }
    if neg {
        if n == 1 << 63 {
            Some(i64::MIN)
        } else {
            i64::try_from(n).ok().map(|v| -v)
        }
    } else {
        i64::try_from(n).ok()
    }
}

/// Go's `underscoreOK`: underscores only between digits (a base prefix counts as one).
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let b = match b.first() {
        Some(b'-' | b'+') => b.get(1..).unwrap_or(&[]),
        _ => b,
    };
    let mut saw = b'^';
    let mut hex = false;
    let mut rest = b;
    if let [b'0', p, tail @ ..] = b
        && matches!(p.to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        saw = b'0';
        hex = p.eq_ignore_ascii_case(&b'x');
        rest = tail;
    }
    for &c in rest {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        dialect: Dialect::Pflag,
        bools: &["anonymous-auth", "profiling"],
        scalars: &["audit-log-path", "audit-log-maxage"],
        lists: &["authorization-mode", "enable-admission-plugins"],
        maps: &["feature-gates"],
        normalize_underscores: true,
    };

    fn parse<'a>(args: &'a [&'a str]) -> CommandLine<'a> {
        CommandLine::parse(args, &SCHEMA)
    }

    #[test]
    fn both_value_forms_and_bare_booleans() {
        let args = [
            "--audit-log-path",
            "/var/log/audit.log",
            "--anonymous-auth",
            "--audit-log-maxage=30",
            "--profiling",
            "false",
        ];
        let cl = parse(&args);
        let o = cl.last("audit-log-path").unwrap();
        assert_eq!(
            (o.value, o.form, o.index, o.value_index),
            ("/var/log/audit.log", Form::Separate, 0, 1)
        );
        let o = cl.last("anonymous-auth").unwrap();
        assert_eq!((o.value, o.form), ("true", Form::Bare));
        assert_eq!(cl.value("audit-log-maxage"), Some("30"));
        // A boolean never takes the next argument: `false` is positional.
        assert_eq!(cl.value("profiling"), Some("true"));
        assert_eq!(cl.positionals(), &[(5, "false")]);
        assert_eq!(
            cl.issues(),
            &[Issue {
                index: 5,
                kind: IssueKind::Positional
            }]
        );
    }

    #[test]
    fn known_value_flags_take_the_next_argument_even_with_a_dash() {
        let args = ["--audit-log-path", "--profiling=false"];
        let cl = parse(&args);
        assert_eq!(cl.value("audit-log-path"), Some("--profiling=false"));
        assert!(!cl.is_set("profiling"));
        let args = ["--audit-log-path"];
        let cl = parse(&args);
        assert!(!cl.is_set("audit-log-path"));
        assert_eq!(cl.issues()[0].kind, IssueKind::MissingValue);
    }

    #[test]
    fn unknown_flags_guess_from_the_next_argument() {
        let args = ["--x", "v", "--y", "--z"];
        let cl = parse(&args);
        assert_eq!(cl.value("x"), Some("v"));
        assert_eq!(cl.value("y"), Some("true"));
        assert_eq!(cl.value("z"), Some("true"));
    }

    #[test]
    fn repeated_scalars_last_wins_lists_accumulate_maps_merge() {
        let args = [
            "--audit-log-maxage=7",
            "--authorization-mode=Node",
            "--feature-gates=A=true,B=false",
            "--audit-log-maxage=30",
            "--authorization-mode",
            "RBAC,Webhook",
            "--feature-gates= A = false ,C=true,",
        ];
        let cl = parse(&args);
        assert_eq!(cl.value("audit-log-maxage"), Some("30"));
        let modes: Vec<_> = cl
            .list("authorization-mode")
            .unwrap()
            .into_iter()
            .map(|i| (i.value.into_owned(), i.index))
            .collect();
        assert_eq!(
            modes,
            [
                ("Node".to_owned(), 1),
                ("RBAC".to_owned(), 5),
                ("Webhook".to_owned(), 5)
            ]
        );
        let gates: Vec<_> = cl
            .map("feature-gates")
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.value, e.index))
            .collect();
        assert_eq!(
            gates,
            [("A", "false", 6), ("B", "false", 2), ("C", "true", 6)]
        );
        assert!(cl.list("enable-admission-plugins").is_none());
    }

    #[test]
    fn terminator_shorthands_and_bad_syntax() {
        let args = [
            "-v=2",
            "---x",
            "--=y",
            "-",
            "--profiling=false",
            "--",
            "--anonymous-auth=false",
        ];
        let cl = parse(&args);
        assert_eq!(cl.value("profiling"), Some("false"));
        assert!(!cl.is_set("anonymous-auth"));
        let kinds: Vec<_> = cl.issues().iter().map(|i| (i.index, i.kind)).collect();
        assert_eq!(
            kinds,
            [
                (0, IssueKind::Shorthand),
                (1, IssueKind::BadSyntax),
                (2, IssueKind::BadSyntax),
                (3, IssueKind::Positional),
                (6, IssueKind::Positional)
            ]
        );
        // A single-dash long flag is not the long flag under pflag.
        let args = ["-anonymous-auth=false"];
        assert!(!parse(&args).is_set("anonymous-auth"));
    }

    #[test]
    fn go_flag_dialect() {
        let schema = Schema {
            dialect: Dialect::GoFlag,
            bools: &["client-cert-auth"],
            scalars: &["name"],
            lists: &[],
            maps: &[],
            normalize_underscores: false,
        };
        let args = [
            "-name",
            "etcd-0",
            "--client-cert-auth",
            "false",
            "--auto-tls",
        ];
        let cl = CommandLine::parse(&args, &schema);
        assert_eq!(cl.value("name"), Some("etcd-0"));
        assert_eq!(cl.value("client-cert-auth"), Some("true"));
        // Parsing stops at the first positional argument.
        assert!(!cl.is_set("auto-tls"));
        assert_eq!(cl.positionals(), &[(3, "false"), (4, "--auto-tls")]);
        let args = ["--", "-name=x"];
        let cl = CommandLine::parse(&args, &schema);
        assert!(cl.flags().is_empty());
    }

    #[test]
    fn kubernetes_reads_underscores_as_dashes() {
        let args = ["--anonymous_auth", "--audit_log_path", "/a"];
        let cl = parse(&args);
        assert_eq!(cl.value("anonymous-auth"), Some("true"));
        assert_eq!(cl.value("audit-log-path"), Some("/a"));
    }

    #[test]
    fn csv_lists() {
        let f = |s| split_csv(s).map(|v| v.into_iter().map(Cow::into_owned).collect::<Vec<_>>());
        assert_eq!(f(""), Some(vec![]));
        assert_eq!(f("a,b"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(
            f("a,,b,"),
            Some(vec!["a".into(), String::new(), "b".into(), String::new()])
        );
        assert_eq!(f("\"a,b\",c"), Some(vec!["a,b".into(), "c".into()]));
        assert_eq!(f("\"a\"\"b\""), Some(vec!["a\"b".into()]));
        assert_eq!(f("a\nb"), Some(vec!["a".into()]));
        assert_eq!(f("\n\na"), Some(vec!["a".into()]));
        assert_eq!(f("a\"b"), None);
        assert_eq!(f("\"ab"), None);
        assert_eq!(f("\"a\"b"), None);
    }

    #[test]
    fn go_numbers_and_booleans() {
        for (s, want) in [
            ("30", Some(30)),
            ("+30", Some(30)),
            ("-1", Some(-1)),
            ("0", Some(0)),
            ("030", Some(24)),
            ("0x1F", Some(31)),
            ("0o17", Some(15)),
            ("0b101", Some(5)),
            ("1_000", Some(1000)),
            ("0x_1f", Some(31)),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("09", None),
            ("0x", None),
            ("", None),
            ("-", None),
            ("30d", None),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
        ] {
            assert_eq!(parse_int(s), want, "{s}");
        }
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("F"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }
}
