//! Merged definitions → compiled rules: lists expanded (lists of lists included), macros
//! parsed once, checked for undefined references and loops, and inlined; exceptions
//! turned into `and not (…)` clauses; fields resolved against the rule's source; values
//! typed; outputs checked; `syscall` rules indexed by event type.

use std::collections::{HashMap, HashSet};

use crate::ast::{Expr, ListValue, Op, Operand, Rhs, Transformer};
use crate::cidr::IpNet;
use crate::diag::{Diagnostic, Level, Origin};
use crate::evttype::evttypes;
use crate::fields::{FieldType, Source};
use crate::loader::{ExcValue, ExceptionDef, OneOrMany, RuleDef, RuleSet};
use crate::output::OutputFormat;
use crate::parser::parse_condition;
use crate::program::{CField, CRhs, Check, Cond, PrefixSet};
use crate::rule::Priority;

/// A rule ready to evaluate.
#[derive(Clone, Debug)]
pub struct CompiledRule {
    /// Name.
    pub name: String,
    /// Description.
    pub desc: String,
    /// Priority.
    pub priority: Priority,
    /// Tags.
    pub tags: Vec<String>,
    /// Source.
    pub source: Source,
    /// Whether the rule is enabled.
    pub enabled: bool,
    /// Condition (exceptions included).
    pub cond: Cond,
    /// Output template.
    pub output: OutputFormat,
    /// For `syscall` rules: the event types that can match (`None`: too many to index).
    pub evttypes: Option<Vec<&'static str>>,
    /// Where it was defined.
    pub origin: Origin,
}

/// Result of compiling a [`RuleSet`].
#[derive(Clone, Debug, Default)]
pub struct Compiled {
    /// Rules that compiled, in definition order.
    pub rules: Vec<CompiledRule>,
    /// Loader and compiler diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Rules skipped because their source is not supported: (rule, source).
    pub skipped_sources: Vec<(String, String)>,
    /// Number of distinct comparisons (see [`Check::id`]).
    pub check_count: usize,
}

impl Compiled {
    /// Whether any error was reported.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }
}

/// The largest number of event types a rule may match before Falco's
/// "matches too many evt.type values" warning.
const MAX_EVTTYPES: usize = 100;

struct Ctx<'a> {
    check_ids: HashMap<String, u32>,
    lists: HashMap<&'a str, Vec<String>>,
    macros: HashMap<&'a str, Result<Expr, String>>,
    used_lists: HashSet<String>,
}

/// Compiles every rule of `set`.
pub fn compile(set: &RuleSet) -> Compiled {
    let mut out = Compiled {
        diagnostics: set.diagnostics.clone(),
        ..Compiled::default()
    };
    let mut ctx = Ctx {
        check_ids: HashMap::new(),
        lists: HashMap::new(),
        macros: HashMap::new(),
        used_lists: HashSet::new(),
    };
    // Lists, in order: an item naming an earlier list is replaced by its items.
    for l in &set.lists {
        let mut items = Vec::with_capacity(l.items.len());
        for i in &l.items {
            if let Some(sub) = ctx.lists.get(i.as_str()) {
                items.extend(sub.iter().cloned());
                ctx.used_lists.insert(i.clone());
            } else {
                items.push(i.clone());
            }
            if items.len() > MAX_LIST_ITEMS {
                out.diagnostics.push(l.origin.diag(
                    Level::Error,
                    "list",
                    &l.name,
                    "LOAD_ERR_VALIDATE",
                    format!("list has more than {MAX_LIST_ITEMS} items once lists are expanded"),
                ));
                items.truncate(MAX_LIST_ITEMS);
                break;
            }
        }
        ctx.lists.insert(l.name.as_str(), items);
    }
    // Macros: parse, then check references and loops.
    for m in &set.macros {
        ctx.macros
            .insert(m.name.as_str(), parse_condition(&m.condition));
    }
    let mut used_macros: HashSet<String> = HashSet::new();
    let mut loop_state: HashMap<&str, u8> = HashMap::new();
    let mut bad_macros: HashSet<&str> = HashSet::new();
    for m in &set.macros {
        let err = match ctx.macros.get(m.name.as_str()) {
            Some(Err(e)) => Some(("LOAD_ERR_COMPILE_CONDITION", e.clone())),
            Some(Ok(e)) => {
                let mut refs = Vec::new();
                macro_refs(e, &mut refs);
                used_macros.extend(refs.iter().map(|r| (*r).to_string()));
                refs.iter()
                    .find(|r| !ctx.macros.contains_key(*r))
                    .map(|r| {
                        (
                            "LOAD_ERR_VALIDATE",
                            format!("Undefined macro '{r}' used in filter."),
                        )
                    })
                    .or_else(|| {
                        has_loop(&ctx.macros, &m.name, &mut loop_state, 0).then(|| {
                            (
                                "LOAD_ERR_VALIDATE",
                                format!("reference loop in macro '{}'", m.name),
                            )
                        })
                    })
            }
            None => None,
        };
        if let Some((code, msg)) = err {
            bad_macros.insert(m.name.as_str());
            out.diagnostics
                .push(m.origin.diag(Level::Error, "macro", &m.name, code, msg));
        }
    }
    for r in &set.rules {
        if let Ok(e) = parse_condition(&r.condition) {
            let mut refs = Vec::new();
            macro_refs(&e, &mut refs);
            used_macros.extend(refs.into_iter().map(str::to_string));
        }
        let Some(source) = Source::from_name(&r.source) else {
            out.skipped_sources.push((r.name.clone(), r.source.clone()));
            out.diagnostics.push(r.origin.diag(
                Level::Warning,
                "rule",
                &r.name,
                "LOAD_UNKNOWN_SOURCE",
                format!("Unknown source {}, skipping", r.source),
            ));
            continue;
        };
        match compile_rule(&mut ctx, &bad_macros, r, source) {
            Ok((rule, warnings)) => {
                out.diagnostics.extend(warnings);
                out.rules.push(rule);
            }
            Err(d) => out.diagnostics.push(d),
        }
    }
    out.check_count = ctx.check_ids.len();
    for m in &set.macros {
        if !used_macros.contains(&m.name) {
            out.diagnostics.push(m.origin.diag(
                Level::Warning,
                "macro",
                &m.name,
                "LOAD_UNUSED_MACRO",
                "Macro not referred to by any other rule/macro",
            ));
        }
    }
    for l in &set.lists {
        if !ctx.used_lists.contains(&l.name) {
            out.diagnostics.push(l.origin.diag(
                Level::Warning,
                "list",
                &l.name,
                "LOAD_UNUSED_LIST",
                "List not referred to by any other rule/macro",
            ));
        }
    }
    out
}

fn macro_refs<'e>(e: &'e Expr, out: &mut Vec<&'e str>) {
    match e {
        Expr::And(items) | Expr::Or(items) => items.iter().for_each(|i| macro_refs(i, out)),
        Expr::Not(i) => macro_refs(i, out),
        Expr::Macro(name) => out.push(name),
        Expr::Check { .. } => {}
    }
}

/// Most items a list (or a condition's value list) may have once lists are expanded.
const MAX_LIST_ITEMS: usize = 100_000;

/// Deepest macro-reference chain, and deepest nesting of an inlined condition.
const MAX_INLINE_DEPTH: usize = 500;

/// Most nodes a rule's condition may have once macros are inlined (the default rulesets
/// stay far below; shared macros referenced exponentially often would not).
const MAX_INLINE_NODES: usize = 200_000;

/// Whether a reference loop (or a chain deeper than [`MAX_INLINE_DEPTH`]) is reachable
/// from macro `name`. `state` memoises per macro: 1 on the current path, 2 done without
/// loop, 3 done with one, so shared sub-macros are walked once.
fn has_loop<'m>(
    macros: &'m HashMap<&str, Result<Expr, String>>,
    name: &'m str,
    state: &mut HashMap<&'m str, u8>,
    depth: usize,
) -> bool {
    match state.get(name) {
        Some(1 | 3) => return true,
        Some(_) => return false,
        None => {}
    }
    let Some((key, Ok(e))) = macros.get_key_value(name) else {
        return false;
    };
    if depth > MAX_INLINE_DEPTH {
        return true;
    }
    state.insert(key, 1);
    let mut refs = Vec::new();
    macro_refs(e, &mut refs);
    let found = refs.iter().any(|r| has_loop(macros, r, state, depth + 1));
    state.insert(key, if found { 3 } else { 2 });
    found
}

fn compile_rule(
    ctx: &mut Ctx<'_>,
    bad_macros: &HashSet<&str>,
    r: &RuleDef,
    source: Source,
) -> Result<(CompiledRule, Vec<Diagnostic>), Diagnostic> {
    let err =
        |code: &'static str, msg: String| r.origin.diag(Level::Error, "rule", &r.name, code, msg);
    let expr = parse_condition(&r.condition).map_err(|e| err("LOAD_ERR_COMPILE_CONDITION", e))?;
    let mut budget = MAX_INLINE_NODES;
    let expr =
        inline(ctx, bad_macros, &expr, 0, &mut budget).map_err(|e| err("LOAD_ERR_VALIDATE", e))?;
    let expr = with_exceptions(expr, &r.exceptions).map_err(|e| err("LOAD_ERR_VALIDATE", e))?;
    let mut warnings = Vec::new();
    let cond = match lower(ctx, source, &expr) {
        Ok(c) => c,
        Err(e)
            if r.skip_if_unknown_filter
                && e.starts_with("filter_check called with nonexistent field") =>
        {
            warnings.push(
                r.origin
                    .diag(Level::Warning, "rule", &r.name, "LOAD_UNKNOWN_FIELD", e),
            );
            Cond::False
        }
        Err(e) => return Err(err("LOAD_ERR_COMPILE_CONDITION", e)),
    };
    let output =
        OutputFormat::compile(source, &r.output).map_err(|e| err("LOAD_ERR_COMPILE_OUTPUT", e))?;
    let evttypes = if source == Source::Syscall {
        let set = evttypes(&cond);
        if set.len() > MAX_EVTTYPES {
            if r.warn_evttypes {
                warnings.push(r.origin.diag(
                    Level::Warning,
                    "rule",
                    &r.name,
                    "LOAD_NO_EVTTYPE",
                    "Rule matches too many evt.type values. This has a significant performance penalty.",
                ));
            }
            None
        } else {
            Some(set.names())
        }
    } else {
        None
    };
    Ok((
        CompiledRule {
            name: r.name.clone(),
            desc: r.desc.clone(),
            priority: r.priority,
            tags: r.tags.clone(),
            source,
            enabled: r.enabled,
            cond,
            output,
            evttypes,
            origin: r.origin.clone(),
        },
        warnings,
    ))
}

/// Replaces macro references by their (inlined) conditions.
fn inline(
    ctx: &Ctx<'_>,
    bad: &HashSet<&str>,
    e: &Expr,
    depth: usize,
    budget: &mut usize,
) -> Result<Expr, String> {
    // Macros used many times expand many times: bound the inlined size.
    *budget = budget.checked_sub(1).ok_or_else(|| {
        format!("condition larger than {MAX_INLINE_NODES} nodes once macros are inlined")
    })?;
    if depth > MAX_INLINE_DEPTH {
        return Err(format!(
            "condition nested deeper than {MAX_INLINE_DEPTH} levels once macros are inlined"
        ));
    }
    Ok(match e {
        Expr::And(items) => Expr::And(
            items
                .iter()
                .map(|i| inline(ctx, bad, i, depth + 1, budget))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(items) => Expr::Or(
            items
                .iter()
                .map(|i| inline(ctx, bad, i, depth + 1, budget))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(i) => Expr::Not(Box::new(inline(ctx, bad, i, depth + 1, budget)?)),
        Expr::Macro(name) => match ctx.macros.get(name.as_str()) {
            Some(Ok(m)) if !bad.contains(name.as_str()) => inline(ctx, bad, m, depth + 1, budget)?,
            Some(_) => return Err(format!("macro '{name}' has errors")),
            None => return Err(format!("Undefined macro '{name}' used in filter.")),
        },
        Expr::Check { .. } => e.clone(),
    })
}

fn field_operand(text: &str) -> Operand {
    let (name, arg) = match text.split_once('[') {
        Some((n, rest)) => (n, Some(rest.trim_end_matches(']').to_string())),
        None => (text, None),
    };
    Operand::Field {
        name: name.trim().to_string(),
        arg,
    }
}

fn exc_scalar(v: &ExcValue) -> String {
    match v {
        ExcValue::Scalar(s) => s.clone(),
        ExcValue::Seq(items) => items.iter().map(exc_scalar).collect::<Vec<_>>().join(","),
    }
}

fn exc_rhs(op: Op, v: &ExcValue) -> Rhs {
    let lv = |s: &str| ListValue {
        text: s.to_string(),
        quoted: false,
    };
    if op.takes_list() {
        match v {
            ExcValue::Seq(items) => Rhs::List(items.iter().map(|i| lv(&exc_scalar(i))).collect()),
            ExcValue::Scalar(s) => Rhs::List(vec![lv(s)]),
        }
    } else {
        Rhs::Value(ListValue {
            text: exc_scalar(v),
            quoted: true,
        })
    }
}

/// `cond and not (exception or …)`.
fn with_exceptions(cond: Expr, exceptions: &[ExceptionDef]) -> Result<Expr, String> {
    let mut alts = Vec::new();
    for e in exceptions {
        let parse_op = |c: &str| {
            Op::from_token(c)
                .ok_or_else(|| format!("Exception '{}': unknown comparison '{c}'", e.name))
        };
        match &e.fields {
            None => return Err(format!("Exception '{}' has no fields", e.name)),
            Some(OneOrMany::One(field)) => {
                let op = match &e.comps {
                    None => Op::In,
                    Some(OneOrMany::One(c)) => parse_op(c)?,
                    Some(OneOrMany::Many(_)) => {
                        return Err(format!(
                            "Exception '{}': fields and comps must both be lists or both be single values",
                            e.name
                        ));
                    }
                };
                if e.values.is_empty() {
                    continue;
                }
                let lhs = field_operand(field);
                if op.takes_list() {
                    let values = e
                        .values
                        .iter()
                        .map(|v| ListValue {
                            text: exc_scalar(v),
                            quoted: false,
                        })
                        .collect();
                    alts.push(Expr::Check {
                        lhs,
                        op,
                        rhs: Rhs::List(values),
                    });
                } else {
                    for v in &e.values {
                        alts.push(Expr::Check {
                            lhs: lhs.clone(),
                            op,
                            rhs: exc_rhs(op, v),
                        });
                    }
                }
            }
            Some(OneOrMany::Many(fields)) => {
                let ops = match &e.comps {
                    None => vec![Op::Eq; fields.len()],
                    Some(OneOrMany::Many(c)) => {
                        c.iter().map(|c| parse_op(c)).collect::<Result<_, _>>()?
                    }
                    Some(OneOrMany::One(_)) => {
                        return Err(format!(
                            "Exception '{}': fields and comps must both be lists or both be single values",
                            e.name
                        ));
                    }
                };
                if ops.len() != fields.len() {
                    return Err(format!(
                        "Exception '{}': fields and comps lists must have equal length",
                        e.name
                    ));
                }
                for v in &e.values {
                    let ExcValue::Seq(tuple) = v else {
                        return Err(format!(
                            "Exception '{}': each value must be a list matching the fields",
                            e.name
                        ));
                    };
                    if tuple.len() != fields.len() {
                        return Err(format!(
                            "Exception '{}': fields and values lists must have equal length",
                            e.name
                        ));
                    }
                    let checks = fields
                        .iter()
                        .zip(&ops)
                        .zip(tuple)
                        .map(|((f, op), v)| Expr::Check {
                            lhs: field_operand(f),
                            op: *op,
                            rhs: exc_rhs(*op, v),
                        })
                        .collect();
                    alts.push(Expr::And(checks));
                }
            }
        }
    }
    if alts.is_empty() {
        Ok(cond)
    } else {
        Ok(Expr::And(vec![cond, Expr::Not(Box::new(Expr::Or(alts)))]))
    }
}

fn resolve_operand(source: Source, o: &Operand) -> Result<CField, String> {
    match o {
        Operand::Field { name, arg } => {
            let field = source.resolve(name, arg.as_deref())?;
            let ty = field.ty;
            Ok(CField {
                field,
                transforms: Vec::new(),
                ty,
            })
        }
        Operand::Transform(t, inner) => {
            let mut f = resolve_operand(source, inner)?;
            f.ty = match t {
                Transformer::Len => FieldType::Uint,
                _ if matches!(f.ty, FieldType::Str | FieldType::Bytes) => f.ty,
                _ => {
                    return Err(format!(
                        "transformer cannot be applied to a field of type {}",
                        f.ty
                    ));
                }
            };
            f.transforms.push(*t);
            Ok(f)
        }
    }
}

fn expand_list(ctx: &mut Ctx<'_>, values: &[ListValue]) -> Result<Vec<String>, String> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match ctx.lists.get(v.text.as_str()) {
            Some(items) if !v.quoted => {
                out.extend(items.iter().cloned());
                ctx.used_lists.insert(v.text.clone());
            }
            _ => out.push(v.text.clone()),
        }
        if out.len() > MAX_LIST_ITEMS {
            return Err(format!(
                "value list has more than {MAX_LIST_ITEMS} items once lists are expanded"
            ));
        }
    }
    Ok(out)
}

fn parse_num(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let parsed = if let Some(h) = t.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else {
        t.parse::<i64>()
            .ok()
            .or_else(|| t.parse::<u64>().ok().map(u64::cast_signed))
    };
    parsed.ok_or_else(|| format!("'{text}' is not a valid number"))
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("'{text}' is not a valid boolean")),
    }
}

fn decode_hex(text: &str) -> Result<Box<[u8]>, String> {
    let t = text.as_bytes();
    if !t.len().is_multiple_of(2) {
        return Err(format!("'{text}' is not a valid hex string"));
    }
    t.chunks(2)
        .map(|c| {
            std::str::from_utf8(c)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| format!("'{text}' is not a valid hex string"))
        })
        .collect()
}

/// Whether values of `ty` are IP addresses (compared as networks).
fn is_ip(ty: FieldType) -> bool {
    matches!(ty, FieldType::Ip | FieldType::IpNet)
}

/// Turns an inlined expression into a compiled condition.
fn lower(ctx: &mut Ctx<'_>, source: Source, e: &Expr) -> Result<Cond, String> {
    Ok(match e {
        Expr::And(items) => Cond::and(
            items
                .iter()
                .map(|i| lower(ctx, source, i))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(items) => Cond::or(
            items
                .iter()
                .map(|i| lower(ctx, source, i))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(i) => Cond::negate(lower(ctx, source, i)?),
        Expr::Macro(name) => return Err(format!("Undefined macro '{name}' used in filter.")),
        Expr::Check {
            lhs: lhs_expr,
            op,
            rhs: rhs_expr,
        } => {
            let lhs = resolve_operand(source, lhs_expr)?;
            let op = *op;
            let ty = lhs.ty;
            if !lhs.field.list && !ty.supports(op) {
                return Err(format!(
                    "operator '{op}' is not supported for field {} of type {ty}",
                    lhs.field.display()
                ));
            }
            let is_evttype = source == Source::Syscall
                && lhs.field.name == "evt.type"
                && lhs.transforms.is_empty();
            let check_evttype = |v: &str| -> Result<(), String> {
                if is_evttype && !source.is_event_type(v) {
                    Err(format!("unknown event type {v}"))
                } else {
                    Ok(())
                }
            };
            let rhs = match rhs_expr {
                Rhs::None => CRhs::None,
                Rhs::Field(f) => CRhs::Field(resolve_operand(source, f)?),
                Rhs::Value(v) if op.takes_list() => {
                    return lower(
                        ctx,
                        source,
                        &Expr::Check {
                            lhs: lhs_expr.clone(),
                            op,
                            rhs: Rhs::List(vec![v.clone()]),
                        },
                    );
                }
                Rhs::Value(v) => {
                    let text = v.text.as_str();
                    check_evttype(text)?;
                    match op {
                        Op::IContains => CRhs::Str(text.to_lowercase().into()),
                        Op::BContains | Op::BStartsWith => CRhs::Bytes(decode_hex(text)?),
                        Op::Regex => CRhs::Regex(
                            regex::Regex::new(text)
                                .map_err(|e| format!("invalid regular expression '{text}': {e}"))?,
                        ),
                        Op::Contains | Op::StartsWith | Op::EndsWith | Op::Glob => {
                            CRhs::Str(text.into())
                        }
                        Op::Eq | Op::Ne if is_ip(ty) => {
                            CRhs::Nets(Box::new([IpNet::parse(text, ty == FieldType::IpNet)?]))
                        }
                        _ if ty.is_numeric() => CRhs::Num(parse_num(text)?),
                        _ if ty == FieldType::Bool => CRhs::Bool(parse_bool(text)?),
                        _ => CRhs::Str(text.into()),
                    }
                }
                Rhs::List(values) => {
                    let items = expand_list(ctx, values)?;
                    for i in &items {
                        check_evttype(i)?;
                    }
                    match op {
                        Op::Pmatch => {
                            CRhs::Prefixes(PrefixSet::new(items.iter().map(String::as_str)))
                        }
                        Op::In | Op::Intersects if is_ip(ty) => CRhs::Nets(
                            items
                                .iter()
                                .map(|i| IpNet::parse(i, ty == FieldType::IpNet))
                                .collect::<Result<_, _>>()?,
                        ),
                        Op::In | Op::Intersects if ty.is_numeric() => CRhs::NumSet(
                            items
                                .iter()
                                .map(|i| parse_num(i))
                                .collect::<Result<_, _>>()?,
                        ),
                        Op::In | Op::Intersects => {
                            CRhs::StrSet(items.into_iter().map(String::into_boxed_str).collect())
                        }
                        _ => return Err(format!("operator '{op}' does not take a list")),
                    }
                }
            };
            let key = format!("{lhs_expr:?}\u{0}{op:?}\u{0}{rhs_expr:?}");
            let next = u32::try_from(ctx.check_ids.len()).unwrap_or(u32::MAX);
            let id = *ctx.check_ids.entry(key).or_insert(next);
            Cond::Check(Box::new(Check { id, lhs, op, rhs }))
        }
    })
}
