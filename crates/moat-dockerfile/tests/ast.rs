//! Snapshots of the parser's tree (and the shell lexer's commands) for tricky inputs:
//! heredocs, the escape directive, continuations with comments, ONBUILD, exec forms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;

use moat_dockerfile::ast::{Body, CmdLine, Instruction, Word};
use moat_dockerfile::rule::run_commands;
use moat_dockerfile::{Dockerfile, parse};

fn words(ws: &[Word]) -> String {
    ws.iter()
        .map(|w| format!("{:?}@{}:{}", w.value, w.pos.line, w.pos.column))
        .collect::<Vec<_>>()
        .join(" ")
}

fn cmdline(c: &CmdLine) -> String {
    match c {
        CmdLine::Exec(ws) => format!("exec [{}]", words(ws)),
        CmdLine::Shell(s) => format!("shell {:?}", s.text),
    }
}

fn instr(out: &mut String, i: &Instruction, indent: &str, escape: char) {
    let _ = write!(
        out,
        "{indent}{}:{}-{} {}",
        i.pos.line,
        i.pos.column,
        i.end_line,
        i.keyword.as_str()
    );
    for f in &i.flags {
        let _ = write!(
            out,
            " --{}={:?}@{}:{}",
            f.name, f.value, f.pos.line, f.pos.column
        );
    }
    let body = match &i.body {
        Body::From { image, name } => format!(
            "image={} name={}",
            words(std::slice::from_ref(image)),
            name.as_ref()
                .map_or("-".into(), |n| words(std::slice::from_ref(n)))
        ),
        Body::Run(c) | Body::Cmd(c) | Body::Entrypoint(c) => cmdline(c),
        Body::Healthcheck(c) => c.as_ref().map_or("NONE".into(), cmdline),
        Body::Shell(ws) | Body::Expose(ws) | Body::Volume(ws) => words(ws),
        Body::Copy(t) | Body::Add(t) => format!(
            "src=[{}] dest={} exec={}",
            words(&t.sources),
            words(std::slice::from_ref(&t.dest)),
            t.exec
        ),
        Body::Env(kvs) | Body::Label(kvs) => kvs
            .iter()
            .map(|kv| {
                format!(
                    "{}={:?}(raw {:?})",
                    kv.key.value, kv.value.value, kv.value.raw
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        Body::Arg(ds) => ds
            .iter()
            .map(|d| {
                format!(
                    "{}={:?}",
                    d.name.value,
                    d.default.as_ref().map(|w| &w.value)
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        Body::User(w) | Body::Workdir(w) | Body::Maintainer(w) | Body::Stopsignal(w) => {
            words(std::slice::from_ref(w))
        }
        Body::Onbuild(inner) => {
            out.push('\n');
            instr(out, inner, "    ", escape);
            String::new()
        }
    };
    let _ = writeln!(out, " {body}");
    for h in &i.heredocs {
        let _ = writeln!(
            out,
            "{indent}  heredoc {:?} strip_tabs={} quoted={} at {}:{} body from line {}: {:?}",
            h.delimiter, h.strip_tabs, h.quoted, h.pos.line, h.pos.column, h.body_line, h.body
        );
    }
    for c in run_commands(i, escape) {
        let argv: Vec<&str> = c.words.iter().map(|w| w.value.as_str()).collect();
        let _ = writeln!(
            out,
            "{indent}  cmd {}:{} {:?} {:?}->{:?} depth={} redirects={}",
            c.pos.line,
            c.pos.column,
            argv,
            c.before,
            c.after,
            c.depth,
            c.redirects.len()
        );
    }
}

fn dump(df: &Dockerfile) -> String {
    let mut out = String::new();
    for d in &df.directives {
        let _ = writeln!(
            out,
            "directive {}={} at {}:{}",
            d.name, d.value, d.pos.line, d.pos.column
        );
    }
    let _ = writeln!(out, "escape {:?}", df.escape);
    for i in &df.instructions {
        instr(&mut out, i, "", df.escape);
    }
    for c in &df.comments {
        let _ = writeln!(out, "comment {}:{} {:?}", c.pos.line, c.pos.column, c.text);
    }
    for e in &df.errors {
        let _ = writeln!(out, "error {}:{} {}", e.pos.line, e.pos.column, e.message);
    }
    out
}

#[test]
fn heredocs() {
    let df = parse(
        "# syntax=docker/dockerfile:1.7\nFROM debian:12\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl && rm -rf /var/lib/apt/lists/*\nEOF\nCOPY <<-\"CONF\" /etc/app.conf\n\tport=8080\n\tCONF\nRUN <<A cat > /a && bash <<'B'\nline a\nA\necho b | sh\nB\nRUN python3 <<PY\nimport os\nPY\n",
    );
    insta::assert_snapshot!(dump(&df));
}

#[test]
fn escape_directive_backtick() {
    let df = parse(
        "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hello; `\n    Remove-Item C:\\tmp\\x\nCOPY app C:\\app\\\nWORKDIR C:\\app\n",
    );
    insta::assert_snapshot!(dump(&df));
}

#[test]
fn continuations_with_comments() {
    let df = parse(
        "FROM alpine:3.20 AS base\nRUN apk add --no-cache \\\n# the HTTP client\n      curl=8.9.0-r0 \\\n\n      jq=1.7.1-r0 \\\n  && echo done\nENV A=1 \\\n    B=\"two words\" C='$A'\nLABEL org.opencontainers.image.title=\"app\"\nENV LEGACY value with spaces\nARG X Y=2\nONBUILD RUN echo \"$X\" | tee /x\nHEALTHCHECK --interval=5s CMD [\"/bin/true\"]\nEXPOSE 80/tcp 443\nUSER app:app\nCMD echo hi\n",
    );
    insta::assert_snapshot!(dump(&df));
}

#[test]
fn flags_exec_forms_and_errors() {
    let df = parse(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache/go-build --mount=type=secret,id=tok,env=TOKEN --network=none [\"sh\", \"-c\", \"go build ./... && cd x\"]\nCOPY --from=build --chown=1000:1000 --chmod=755 --link [\"/out/app\", \"/usr/local/bin/app\"]\nBOGUS thing\nFROM\nRUN [\"unterminated\"\nSHELL bash -c\nFROM scratch\n",
    );
    insta::assert_snapshot!(dump(&df));
}
