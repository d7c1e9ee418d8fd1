//! Condition parser: text → [`Expr`]. Precedence is `not` > `and` > `or`; identifiers
//! with a dot are fields, others are macro references. Error messages follow Falco's
//! wording where the legacy tests check them.

use crate::ast::{Expr, ListValue, Op, Operand, Rhs, Transformer};

/// Deepest nesting of parentheses, `not` and transformers accepted.
pub const MAX_DEPTH: usize = 200;

/// Parses a condition.
pub fn parse_condition(text: &str) -> Result<Expr, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        last: String::new(),
    };
    p.ws();
    if p.pos >= p.s.len() {
        return Err("empty condition".to_string());
    }
    let e = p.or_expr()?;
    p.ws();
    if p.pos < p.s.len() {
        return Err(format!(
            "unexpected token after '{}', expecting 'or', 'and'",
            p.last
        ));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    /// The last token consumed, for error messages.
    last: String,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

fn is_bare_end(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'(' | b')' | b',')
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn slice(&self, from: usize, to: usize) -> &str {
        self.text.get(from..to).unwrap_or_default()
    }

    /// The keyword `kw` as a whole word at the cursor (after whitespace).
    fn keyword(&mut self, kw: &str) -> bool {
        self.ws();
        let end = self.pos + kw.len();
        if self.s.get(self.pos..end) == Some(kw.as_bytes())
            && !self.s.get(end).is_some_and(|&b| is_ident_byte(b))
        {
            self.pos = end;
            self.last = kw.to_string();
            true
        } else {
            false
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            Err(format!("condition nested deeper than {MAX_DEPTH} levels"))
        } else {
            Ok(())
        }
    }

    fn or_expr(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.and_expr()?];
        while self.keyword("or") {
            items.push(self.and_expr()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Expr::And(Vec::new()))
        } else {
            Expr::Or(items)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.not_expr()?];
        while self.keyword("and") {
            items.push(self.not_expr()?);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(Expr::And(Vec::new()))
        } else {
            Expr::And(items)
        })
    }

    fn not_expr(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.enter()?;
            let inner = self.not_expr()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        self.ws();
        match self.peek() {
            Some(b'(') => {
                self.pos += 1;
                self.enter()?;
                let e = self.or_expr()?;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err(format!("missing closing parenthesis after '{}'", self.last));
                }
                self.pos += 1;
                self.last = ")".to_string();
                self.depth -= 1;
                Ok(e)
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => self.check(),
            None => Err(format!(
                "unexpected end of condition after '{}', expecting a field, a macro, 'not' or '('",
                self.last
            )),
            Some(_) => Err(format!(
                "unexpected token after '{}', expecting a field, a macro, 'not' or '('",
                self.last
            )),
        }
    }

    fn identifier(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_byte) {
            self.pos += 1;
        }
        let id = self.slice(start, self.pos).to_string();
        self.last.clone_from(&id);
        id
    }

    /// A field (with `[arg]`) or a transformer call; `name` already read.
    fn operand(&mut self, name: String) -> Result<Operand, String> {
        if self.peek() == Some(b'(') {
            let Some(t) = Transformer::from_name(&name) else {
                return Err(format!("unknown transformer '{name}'"));
            };
            self.pos += 1;
            self.enter()?;
            self.ws();
            let inner_name = self.identifier();
            if inner_name.is_empty() {
                return Err(format!("expected a field inside '{name}('"));
            }
            let inner = self.operand(inner_name)?;
            self.ws();
            if self.peek() != Some(b')') {
                return Err(format!("missing ')' after transformer '{name}'"));
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(Operand::Transform(t, Box::new(inner)));
        }
        if !name.contains('.') {
            return Err(format!("'{name}' is not a field"));
        }
        let arg = if self.peek() == Some(b'[') {
            let start = self.pos + 1;
            let Some(len) = self.s.get(start..).and_then(|r| memchr::memchr(b']', r)) else {
                return Err(format!("missing ']' in argument of '{name}'"));
            };
            self.pos = start + len + 1;
            Some(self.slice(start, start + len).to_string())
        } else {
            None
        };
        Ok(Operand::Field { name, arg })
    }

    fn check(&mut self) -> Result<Expr, String> {
        let name = self.identifier();
        let is_call = self.peek() == Some(b'(');
        if !name.contains('.') && !is_call {
            return Ok(Expr::Macro(name));
        }
        let lhs = self.operand(name)?;
        let op = self.operator()?;
        let rhs = if op == Op::Exists {
            Rhs::None
        } else if op.takes_list() {
            self.ws();
            if self.peek() == Some(b'(') {
                Rhs::List(self.list()?)
            } else {
                // `in list_name` (no parentheses) is accepted as a one-item list.
                Rhs::List(vec![self.value()?])
            }
        } else {
            self.ws();
            if self.s.get(self.pos..self.pos + 4) == Some(b"val(") {
                self.pos += 4;
                self.ws();
                let n = self.identifier();
                let f = self.operand(n)?;
                self.ws();
                if self.peek() != Some(b')') {
                    return Err("missing ')' after 'val('".to_string());
                }
                self.pos += 1;
                Rhs::Field(f)
            } else {
                Rhs::Value(self.value()?)
            }
        };
        Ok(Expr::Check { lhs, op, rhs })
    }

    fn operator(&mut self) -> Result<Op, String> {
        self.ws();
        let start = self.pos;
        let sym = |b: u8| matches!(b, b'=' | b'!' | b'<' | b'>');
        if self.peek().is_some_and(sym) {
            // Longest known symbol: `evt.dir=>` is `=` then the value `>`.
            let two = self.s.get(self.pos..self.pos + 2);
            self.pos += if matches!(two, Some(b"==" | b"!=" | b"<=" | b">=")) {
                2
            } else {
                1
            };
        } else {
            while self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
                self.pos += 1;
            }
        }
        let tok = self.slice(start, self.pos).to_string();
        match Op::from_token(&tok) {
            Some(op) => {
                self.last = tok;
                Ok(op)
            }
            None if tok.is_empty() => Err(format!(
                "unexpected token after '{}', expecting an operator",
                self.last
            )),
            None => Err(format!("unknown operator '{tok}' after '{}'", self.last)),
        }
    }

    fn list(&mut self) -> Result<Vec<ListValue>, String> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        self.ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            self.last = ")".to_string();
            return Ok(out);
        }
        loop {
            out.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    self.last = ")".to_string();
                    return Ok(out);
                }
                _ => {
                    return Err(format!(
                        "unexpected token after '{}', expecting ',' or ')'",
                        self.last
                    ));
                }
            }
        }
    }

    fn value(&mut self) -> Result<ListValue, String> {
        self.ws();
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => {
                self.pos += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek() {
                        None => return Err("unterminated quoted string".to_string()),
                        Some(b'\\') => {
                            let next = self.s.get(self.pos + 1).copied();
                            match next {
                                Some(c @ (b'"' | b'\'' | b'\\')) => out.push(c),
                                Some(c) => out.extend_from_slice(&[b'\\', c]),
                                None => return Err("unterminated quoted string".to_string()),
                            }
                            self.pos += 2;
                        }
                        Some(b) if b == q => {
                            self.pos += 1;
                            break;
                        }
                        Some(b) => {
                            out.push(b);
                            self.pos += 1;
                        }
                    }
                }
                let text = String::from_utf8(out).map_err(|_| "invalid UTF-8 in string")?;
                self.last.clone_from(&text);
                Ok(ListValue { text, quoted: true })
            }
            Some(b) if !is_bare_end(b) => {
                let start = self.pos;
                while self.peek().is_some_and(|b| !is_bare_end(b)) {
                    self.pos += 1;
                }
                let text = self.slice(start, self.pos).to_string();
                self.last.clone_from(&text);
                Ok(ListValue {
                    text,
                    quoted: false,
                })
            }
            _ => Err(format!(
                "unexpected token after '{}', expecting a value",
                self.last
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str) -> Operand {
        Operand::Field {
            name: name.to_string(),
            arg: None,
        }
    }

    #[test]
    fn precedence_and_lists() {
        let e = parse_condition("a or b and not c.d in (x, 'y z', \"w\")").unwrap();
        let Expr::Or(items) = e else { panic!() };
        assert_eq!(items[0], Expr::Macro("a".into()));
        let Expr::And(and) = &items[1] else { panic!() };
        let Expr::Not(inner) = &and[1] else { panic!() };
        let Expr::Check { op, rhs, .. } = &**inner else {
            panic!()
        };
        assert_eq!(*op, Op::In);
        let Rhs::List(values) = rhs else { panic!() };
        assert_eq!(values[1].text, "y z");
        assert!(values[2].quoted);
    }

    #[test]
    fn args_transformers_and_val() {
        let e = parse_condition("tolower(proc.aname[2])=val(proc.name)").unwrap();
        let Expr::Check { lhs, rhs, .. } = e else {
            panic!()
        };
        assert_eq!(
            lhs,
            Operand::Transform(
                Transformer::ToLower,
                Box::new(Operand::Field {
                    name: "proc.aname".into(),
                    arg: Some("2".into())
                })
            )
        );
        assert_eq!(rhs, Rhs::Field(field("proc.name")));
        let e = parse_condition("jevt.value[/a~1b] exists").unwrap();
        assert!(matches!(e, Expr::Check { op: Op::Exists, .. }));
    }

    #[test]
    fn errors_name_the_token() {
        assert_eq!(
            parse_condition("evt.type=execve foo").unwrap_err(),
            "unexpected token after 'execve', expecting 'or', 'and'"
        );
        assert!(parse_condition("proc.name").is_err());
        let Expr::Check { op, rhs, .. } = parse_condition("evt.dir=>").unwrap() else {
            panic!()
        };
        assert_eq!(
            (op, rhs),
            (
                Op::Eq,
                Rhs::Value(ListValue {
                    text: ">".into(),
                    quoted: false
                })
            )
        );
        assert!(parse_condition("(a").is_err());
        assert!(parse_condition("proc.name in (a b)").is_err());
        assert!(parse_condition("").is_err());
        assert!(parse_condition(&"(".repeat(10_000)).is_err());
        assert!(parse_condition(&"not ".repeat(10_000)).is_err());
    }
}
