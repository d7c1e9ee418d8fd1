//! Rules files → merged definitions. Items are applied in file order, file after file:
//! a later `list`/`macro`/`rule` of the same name replaces the earlier one, `append: true`
//! and `override: {key: append|replace}` extend or change it, a rule item with only
//! `enabled` toggles an existing rule. Nothing is compiled here (see [`mod@crate::compile`]).

use moat_manifest::yaml::parse_stream;
use moat_manifest::{Node, Value};

use crate::diag::{Diagnostic, Level, Origin};
use crate::rule::Priority;

/// The engine version this crate implements (Falco's rules-engine numbering).
pub const ENGINE_VERSION: (u64, u64, u64) = (0, 57, 0);

/// Plugins whose fields this engine provides, with the version it is compatible with.
pub const PROVIDED_PLUGINS: &[(&str, (u64, u64, u64))] = &[
    ("k8saudit", (0, 18, 0)),
    ("json", (0, 7, 0)),
    ("container", (0, 4, 0)),
];

/// A `list` definition.
#[derive(Clone, Debug)]
pub struct ListDef {
    /// Name.
    pub name: String,
    /// Items as written (names of other lists are expanded at compile time).
    pub items: Vec<String>,
    /// Where it was (last) defined.
    pub origin: Origin,
}

/// A `macro` definition.
#[derive(Clone, Debug)]
pub struct MacroDef {
    /// Name.
    pub name: String,
    /// Condition text (appends joined with a space).
    pub condition: String,
    /// Where it was (last) defined.
    pub origin: Origin,
}

/// A string or a sequence, as `fields` and `comps` of an exception may be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OneOrMany {
    /// Single-field form.
    One(String),
    /// Tuple form.
    Many(Vec<String>),
}

/// A value of an exception: a scalar or a (nested) sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExcValue {
    /// A scalar.
    Scalar(String),
    /// A sequence (a tuple, or a list for `in`-style comparisons).
    Seq(Vec<ExcValue>),
}

/// One entry of a rule's `exceptions`.
#[derive(Clone, Debug)]
pub struct ExceptionDef {
    /// Name.
    pub name: String,
    /// `fields` (absent only in appends that add values).
    pub fields: Option<OneOrMany>,
    /// `comps` (defaults: `=` per field in the tuple form, `in` in the single form).
    pub comps: Option<OneOrMany>,
    /// `values`.
    pub values: Vec<ExcValue>,
}

/// A `rule` definition after merging.
#[derive(Clone, Debug)]
pub struct RuleDef {
    /// Name.
    pub name: String,
    /// Condition text.
    pub condition: String,
    /// Output template.
    pub output: String,
    /// Description.
    pub desc: String,
    /// Priority.
    pub priority: Priority,
    /// Tags.
    pub tags: Vec<String>,
    /// Event source name.
    pub source: String,
    /// Whether the rule is enabled.
    pub enabled: bool,
    /// Exceptions.
    pub exceptions: Vec<ExceptionDef>,
    /// Skip (with a warning) instead of failing when the condition uses an unknown field.
    pub skip_if_unknown_filter: bool,
    /// Warn when the rule matches too many event types.
    pub warn_evttypes: bool,
    /// Where it was (last) defined.
    pub origin: Origin,
}

/// Definitions merged from one or more rules files, plus what loading reported.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    /// Lists, in definition order (a redefinition moves to the end).
    pub lists: Vec<ListDef>,
    /// Macros, in definition order.
    pub macros: Vec<MacroDef>,
    /// Rules, in definition order (a redefinition keeps its place).
    pub rules: Vec<RuleDef>,
    /// Errors and warnings so far.
    pub diagnostics: Vec<Diagnostic>,
}

fn scalar_text(n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Seq(_) | Value::Map(_) => None,
    }
}

fn exc_value(n: &Node) -> ExcValue {
    match &n.value {
        Value::Seq(items) => ExcValue::Seq(items.iter().map(exc_value).collect()),
        _ => ExcValue::Scalar(scalar_text(n).unwrap_or_default()),
    }
}

fn one_or_many(n: &Node) -> Option<OneOrMany> {
    match &n.value {
        Value::Seq(items) => Some(OneOrMany::Many(
            items.iter().filter_map(scalar_text).collect(),
        )),
        _ => scalar_text(n).map(OneOrMany::One),
    }
}

/// Parses `0.57.0`, `0.57` or `17` (= `0.17.0`).
pub fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Some((0, n, 0));
    }
    let mut parts = t.split('.');
    let a = parts.next()?.parse().ok()?;
    let b = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    let c = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    parts.next().is_none().then_some((a, b, c))
}

fn fmt_version(v: (u64, u64, u64)) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

/// How an item changes an existing one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Define,
    Append,
    Override,
}

impl RuleSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether any error was reported.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }

    /// Loads one rules file's text (named `file` in diagnostics) on top of what is loaded.
    pub fn load_str(&mut self, file: &str, text: &str) {
        let parsed = parse_stream(text);
        let whole = Origin {
            file: file.to_string(),
            line: 0,
        };
        for e in &parsed.errors {
            let origin = Origin {
                file: file.to_string(),
                line: e.pos.line,
            };
            self.diagnostics.push(origin.diag(
                Level::Error,
                "rules content",
                "",
                "LOAD_ERR_YAML_PARSE",
                format!(
                    "error at line {}, column {}: {}",
                    e.pos.line, e.pos.col, e.message
                ),
            ));
        }
        if !parsed.errors.is_empty() {
            return;
        }
        for doc in &parsed.docs {
            let Some(root) = &doc.root else { continue };
            match &root.value {
                Value::Null => {}
                Value::Seq(items) => {
                    for item in items {
                        self.load_item(file, item);
                    }
                }
                Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                    self.diagnostics.push(whole.diag(
                        Level::Error,
                        "rules content",
                        "",
                        "LOAD_ERR_YAML_VALIDATE",
                        "Rules content is not yaml",
                    ));
                }
                Value::Map(_) => {
                    self.diagnostics.push(whole.diag(
                        Level::Error,
                        "rules content",
                        "",
                        "LOAD_ERR_YAML_VALIDATE",
                        "Rules content is not yaml array of objects",
                    ));
                }
            }
        }
    }

    fn load_item(&mut self, file: &str, item: &Node) {
        let origin = Origin {
            file: file.to_string(),
            line: item.pos.line,
        };
        if item.is_null() {
            // An empty item (`-` alone), which Falco tolerates.
            return;
        }
        if !item.is_map() {
            self.diagnostics.push(origin.diag(
                Level::Error,
                "rules content item",
                "",
                "LOAD_ERR_YAML_VALIDATE",
                "Unexpected element type. Each element should be a yaml associative array.",
            ));
            return;
        }
        if let Some(v) = item.get("required_engine_version") {
            self.engine_version(&origin, v);
        } else if let Some(v) = item.get("required_plugin_versions") {
            self.plugin_versions(&origin, v);
        } else if let Some(v) = item.get("list") {
            self.list(&origin, item, v);
        } else if let Some(v) = item.get("macro") {
            self.macro_item(&origin, item, v);
        } else if let Some(v) = item.get("rule") {
            self.rule(&origin, item, v);
        } else {
            let kind = item
                .entries()
                .first()
                .map(|e| e.key.clone())
                .unwrap_or_default();
            self.diagnostics.push(origin.diag(
                Level::Warning,
                &kind,
                "",
                "LOAD_UNKNOWN_ITEM",
                "Unknown top level item",
            ));
        }
    }

    fn engine_version(&mut self, origin: &Origin, v: &Node) {
        let Some(required) = scalar_text(v).as_deref().and_then(parse_version) else {
            self.diagnostics.push(origin.diag(
                Level::Error,
                "required_engine_version",
                "",
                "LOAD_ERR_YAML_VALIDATE",
                "Can't decode YAML scalar value",
            ));
            return;
        };
        if required > ENGINE_VERSION {
            let shown = scalar_text(v).unwrap_or_default();
            self.diagnostics.push(origin.diag(
                Level::Error,
                "required_engine_version",
                "",
                "LOAD_ERR_VALIDATE",
                format!(
                    "Rules require engine version {shown}, but engine version is {}",
                    fmt_version(ENGINE_VERSION)
                ),
            ));
        }
    }

    fn plugin_versions(&mut self, origin: &Origin, v: &Node) {
        for req in v.items() {
            let candidates = std::iter::once(req).chain(
                req.get("alternatives")
                    .map(Node::items)
                    .unwrap_or_default()
                    .iter(),
            );
            let mut names = Vec::new();
            let mut satisfied = false;
            let mut too_old = None;
            for c in candidates {
                let name = c.get("name").and_then(scalar_text).unwrap_or_default();
                let version = c
                    .get("version")
                    .and_then(scalar_text)
                    .as_deref()
                    .and_then(parse_version);
                if let Some((_, have)) = PROVIDED_PLUGINS.iter().find(|(n, _)| *n == name) {
                    match version {
                        Some(want) if want > *have => too_old = Some((name.clone(), want, *have)),
                        _ => satisfied = true,
                    }
                }
                names.push(name);
            }
            if satisfied {
                continue;
            }
            if let Some((name, want, have)) = too_old {
                self.diagnostics.push(origin.diag(
                    Level::Error,
                    "required_plugin_versions",
                    &name,
                    "LOAD_ERR_VALIDATE",
                    format!(
                        "Plugin '{name}' version {} is required, but this engine provides version {}",
                        fmt_version(want),
                        fmt_version(have)
                    ),
                ));
            } else {
                let name = names.first().cloned().unwrap_or_default();
                self.diagnostics.push(origin.diag(
                    Level::Warning,
                    "required_plugin_versions",
                    &name,
                    "LOAD_UNKNOWN_PLUGIN",
                    format!("Plugin '{name}' required by this ruleset is not available; rules of its source are skipped"),
                ));
            }
        }
    }

    /// The name of an item (error when empty), and its mode (append / override / define).
    fn header(
        &mut self,
        origin: &Origin,
        kind: &str,
        item: &Node,
        name_node: &Node,
    ) -> Option<(String, Mode)> {
        let name = scalar_text(name_node).unwrap_or_default();
        if name.is_empty() {
            self.diagnostics.push(origin.diag(
                Level::Error,
                kind,
                "",
                "LOAD_ERR_YAML_VALIDATE",
                format!("Mapping for key '{kind}' is empty"),
            ));
            return None;
        }
        let append = item.get("append").and_then(Node::as_bool).unwrap_or(false);
        let over = item.get("override");
        if append && over.is_some() {
            self.diagnostics.push(origin.diag(
                Level::Error,
                kind,
                &name,
                "LOAD_ERR_YAML_VALIDATE",
                "Keys 'override' and 'append: true' cannot be used together.",
            ));
            return None;
        }
        let mode = if append {
            Mode::Append
        } else if over.is_some() {
            Mode::Override
        } else {
            Mode::Define
        };
        Some((name, mode))
    }

    fn missing_key(&mut self, origin: &Origin, kind: &str, name: &str, key: &str) {
        self.diagnostics.push(origin.diag(
            Level::Error,
            kind,
            name,
            "LOAD_ERR_YAML_VALIDATE",
            format!("Item has no mapping for key '{key}'"),
        ));
    }

    fn dangling(&mut self, origin: &Origin, kind: &str, name: &str, how: &str) {
        let title = match kind {
            "list" => "List",
            "macro" => "Macro",
            _ => "Rule",
        };
        self.diagnostics.push(origin.diag(
            Level::Error,
            kind,
            name,
            "LOAD_ERR_VALIDATE",
            format!("{title} has '{how}' key but no {kind} by that name already exists"),
        ));
    }

    /// For `override:` items, the mode of `key` (`append`/`replace`), checking the key is
    /// present and allowed.
    fn override_mode(
        &mut self,
        origin: &Origin,
        kind: &str,
        name: &str,
        item: &Node,
        allowed_append: &[&str],
        allowed_replace: &[&str],
    ) -> Option<Vec<(String, bool)>> {
        let over = item.get("override")?;
        let mut out = Vec::new();
        for e in over.entries() {
            let how = e.value.as_str().unwrap_or_default();
            let ok = match how {
                "append" => allowed_append.contains(&e.key.as_str()),
                "replace" => allowed_replace.contains(&e.key.as_str()),
                _ => false,
            };
            if !ok {
                self.diagnostics.push(origin.diag(
                    Level::Error,
                    kind,
                    name,
                    "LOAD_ERR_YAML_VALIDATE",
                    format!("Key '{}' cannot be overridden with '{how}'", e.key),
                ));
                return None;
            }
            if item.get(&e.key).is_none() {
                self.diagnostics.push(origin.diag(
                    Level::Error,
                    kind,
                    name,
                    "LOAD_ERR_YAML_VALIDATE",
                    format!(
                        "An override is defined for '{}' but no value is given",
                        e.key
                    ),
                ));
                return None;
            }
            out.push((e.key.clone(), how == "append"));
        }
        Some(out)
    }

    fn list(&mut self, origin: &Origin, item: &Node, name_node: &Node) {
        let Some((name, mode)) = self.header(origin, "list", item, name_node) else {
            return;
        };
        let Some(items_node) = item.get("items") else {
            self.missing_key(origin, "list", &name, "items");
            return;
        };
        let items: Vec<String> = items_node.items().iter().filter_map(scalar_text).collect();
        let existing = self.lists.iter().position(|l| l.name == name);
        let append = match mode {
            Mode::Append => true,
            Mode::Override => {
                let Some(keys) =
                    self.override_mode(origin, "list", &name, item, &["items"], &["items"])
                else {
                    return;
                };
                keys.iter().any(|(_, append)| *append)
            }
            Mode::Define => false,
        };
        match existing {
            Some(i) if mode != Mode::Define => {
                if let Some(l) = self.lists.get_mut(i) {
                    l.origin = origin.clone();
                    if append {
                        l.items.extend(items);
                    } else {
                        l.items = items;
                    }
                }
            }
            None if mode != Mode::Define => {
                let how = if mode == Mode::Append {
                    "append"
                } else {
                    "override"
                };
                self.dangling(origin, "list", &name, how);
            }
            _ => {
                if let Some(i) = existing {
                    self.lists.remove(i);
                }
                self.lists.push(ListDef {
                    name,
                    items,
                    origin: origin.clone(),
                });
            }
        }
    }

    fn macro_item(&mut self, origin: &Origin, item: &Node, name_node: &Node) {
        let Some((name, mode)) = self.header(origin, "macro", item, name_node) else {
            return;
        };
        let Some(condition) = item.get("condition").and_then(scalar_text) else {
            self.missing_key(origin, "macro", &name, "condition");
            return;
        };
        let existing = self.macros.iter().position(|m| m.name == name);
        let append = match mode {
            Mode::Append => true,
            Mode::Override => {
                let Some(keys) = self.override_mode(
                    origin,
                    "macro",
                    &name,
                    item,
                    &["condition"],
                    &["condition"],
                ) else {
                    return;
                };
                keys.iter().any(|(_, append)| *append)
            }
            Mode::Define => false,
        };
        match existing {
            Some(i) if mode != Mode::Define => {
                if let Some(m) = self.macros.get_mut(i) {
                    m.origin = origin.clone();
                    if append {
                        m.condition.push(' ');
                        m.condition.push_str(&condition);
                    } else {
                        m.condition = condition;
                    }
                }
            }
            None if mode != Mode::Define => {
                let how = if mode == Mode::Append {
                    "append"
                } else {
                    "override"
                };
                self.dangling(origin, "macro", &name, how);
            }
            Some(i) => {
                if let Some(m) = self.macros.get_mut(i) {
                    m.condition = condition;
                    m.origin = origin.clone();
                }
            }
            None => self.macros.push(MacroDef {
                name,
                condition,
                origin: origin.clone(),
            }),
        }
    }

    fn rule(&mut self, origin: &Origin, item: &Node, name_node: &Node) {
        let Some((name, mode)) = self.header(origin, "rule", item, name_node) else {
            return;
        };
        let existing = self.rules.iter().position(|r| r.name == name);
        match mode {
            Mode::Define => self.define_rule(origin, item, name, existing),
            Mode::Append | Mode::Override => {
                let Some(i) = existing else {
                    let how = if mode == Mode::Append {
                        "append"
                    } else {
                        "override"
                    };
                    self.dangling(origin, "rule", &name, how);
                    return;
                };
                let keys = if mode == Mode::Append {
                    if item.get("condition").is_none() && item.get("exceptions").is_none() {
                        self.diagnostics.push(origin.diag(
                            Level::Error,
                            "rule",
                            &name,
                            "LOAD_ERR_VALIDATE",
                            "Appended rule must have exceptions or condition property",
                        ));
                        return;
                    }
                    ["condition", "exceptions", "output", "desc", "tags"]
                        .iter()
                        .filter(|k| item.get(k).is_some())
                        .map(|k| ((*k).to_string(), true))
                        .collect()
                } else {
                    let Some(keys) = self.override_mode(
                        origin,
                        "rule",
                        &name,
                        item,
                        &["condition", "output", "desc", "tags", "exceptions"],
                        &[
                            "condition",
                            "output",
                            "desc",
                            "priority",
                            "tags",
                            "exceptions",
                            "enabled",
                            "warn_evttypes",
                            "skip-if-unknown-filter",
                        ],
                    ) else {
                        return;
                    };
                    keys
                };
                let mut diags = Vec::new();
                if let Some(rule) = self.rules.get_mut(i) {
                    rule.origin = origin.clone();
                    for (key, append) in keys {
                        apply_rule_key(rule, item, &key, append, origin, &mut diags);
                    }
                }
                self.diagnostics.extend(diags);
            }
        }
    }

    fn define_rule(&mut self, origin: &Origin, item: &Node, name: String, existing: Option<usize>) {
        // A rule item with `enabled` and no condition toggles an existing rule.
        if item.get("condition").is_none()
            && let Some(enabled) = item.get("enabled").and_then(Node::as_bool)
        {
            if let Some(r) = existing.and_then(|i| self.rules.get_mut(i)) {
                r.enabled = enabled;
            } else {
                self.diagnostics.push(origin.diag(
                    Level::Error,
                    "rule",
                    &name,
                    "LOAD_ERR_VALIDATE",
                    "Rule has 'enabled' key but no rule by that name already exists",
                ));
            }
            return;
        }
        let text = |key: &str| item.get(key).and_then(scalar_text);
        let Some(condition) = text("condition") else {
            return self.missing_key(origin, "rule", &name, "condition");
        };
        let Some(output) = text("output") else {
            return self.missing_key(origin, "rule", &name, "output");
        };
        let Some(desc) = text("desc") else {
            return self.missing_key(origin, "rule", &name, "desc");
        };
        let Some(priority_text) = text("priority") else {
            return self.missing_key(origin, "rule", &name, "priority");
        };
        let Some(priority) = Priority::parse(&priority_text) else {
            self.diagnostics.push(origin.diag(
                Level::Error,
                "rule",
                &name,
                "LOAD_ERR_VALIDATE",
                format!("Invalid priority level: {priority_text}"),
            ));
            return;
        };
        let mut rule = RuleDef {
            name,
            condition,
            output: output.trim().to_string(),
            desc,
            priority,
            tags: Vec::new(),
            source: text("source").unwrap_or_else(|| "syscall".to_string()),
            enabled: item.get("enabled").and_then(Node::as_bool).unwrap_or(true),
            exceptions: Vec::new(),
            skip_if_unknown_filter: item
                .get("skip-if-unknown-filter")
                .and_then(Node::as_bool)
                .unwrap_or(false),
            warn_evttypes: item
                .get("warn_evttypes")
                .and_then(Node::as_bool)
                .unwrap_or(true),
            origin: origin.clone(),
        };
        let mut diags = Vec::new();
        for key in ["tags", "exceptions"] {
            if item.get(key).is_some() {
                apply_rule_key(&mut rule, item, key, false, origin, &mut diags);
            }
        }
        let failed = !diags.is_empty();
        self.diagnostics.extend(diags);
        if failed {
            return;
        }
        match existing.and_then(|i| self.rules.get_mut(i)) {
            Some(slot) => *slot = rule,
            None => self.rules.push(rule),
        }
    }
}

fn parse_exceptions(node: &Node) -> Vec<ExceptionDef> {
    node.items()
        .iter()
        .map(|e| ExceptionDef {
            name: e.get("name").and_then(scalar_text).unwrap_or_default(),
            fields: e.get("fields").and_then(one_or_many),
            comps: e.get("comps").and_then(one_or_many),
            values: e
                .get("values")
                .map(|v| v.items().iter().map(exc_value).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// Checks one exception as Falco's loader does (item type `exception`). `existing` is the
/// exception of the same name already on the rule, when appending.
fn validate_exception(
    e: &ExceptionDef,
    existing: Option<&ExceptionDef>,
    append: bool,
    source: &str,
    origin: &Origin,
    diags: &mut Vec<Diagnostic>,
) {
    let mut err = |code: &'static str, msg: String| {
        diags.push(origin.diag(Level::Error, "exception", &e.name, code, msg));
    };
    if e.name.is_empty() {
        return err(
            "LOAD_ERR_YAML_VALIDATE",
            "Item has no mapping for key 'name'".to_string(),
        );
    }
    let fields = match (&e.fields, existing) {
        (Some(f), _) => f,
        (None, Some(x)) => match &x.fields {
            Some(f) => f,
            None => return,
        },
        (None, None) if append => {
            return err(
                "LOAD_ERR_VALIDATE",
                "Rule exception must have fields property with a list of fields".to_string(),
            );
        }
        (None, None) => {
            return err(
                "LOAD_ERR_YAML_VALIDATE",
                "Item has no mapping for key 'fields'".to_string(),
            );
        }
    };
    let names: Vec<&str> = match fields {
        OneOrMany::One(f) => vec![f.as_str()],
        OneOrMany::Many(f) => f.iter().map(String::as_str).collect(),
    };
    if let Some(src) = crate::fields::Source::from_name(source) {
        for f in &names {
            let (name, arg) = match f.split_once('[') {
                Some((n, rest)) => (n, Some(rest.trim_end_matches(']'))),
                None => (*f, None),
            };
            if src.resolve(name.trim(), arg).is_err() {
                return err(
                    "LOAD_ERR_VALIDATE",
                    format!("'{f}' is not a supported filter field"),
                );
            }
        }
    }
    let comps: Vec<&str> = match &e.comps {
        Some(OneOrMany::One(c)) => vec![c.as_str()],
        Some(OneOrMany::Many(c)) => c.iter().map(String::as_str).collect(),
        None => Vec::new(),
    };
    if let Some(bad) = comps
        .iter()
        .find(|c| crate::ast::Op::from_token(c).is_none())
    {
        return err(
            "LOAD_ERR_VALIDATE",
            format!("'{bad}' is not a supported comparison operator"),
        );
    }
    if let (OneOrMany::Many(f), Some(OneOrMany::Many(c))) = (fields, &e.comps)
        && f.len() != c.len()
    {
        return err(
            "LOAD_ERR_VALIDATE",
            "Fields and comps lists must have equal length".to_string(),
        );
    }
    if let OneOrMany::Many(f) = fields {
        let bad = e.values.iter().any(|v| match v {
            ExcValue::Seq(items) => items.len() != f.len(),
            ExcValue::Scalar(_) => true,
        });
        if bad {
            err(
                "LOAD_ERR_VALIDATE",
                "Fields and values lists must have equal length".to_string(),
            );
        }
    }
}

/// Applies one key of an append/override item to a rule.
fn apply_rule_key(
    rule: &mut RuleDef,
    item: &Node,
    key: &str,
    append: bool,
    origin: &Origin,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(v) = item.get(key) else { return };
    let text = scalar_text(v).unwrap_or_default();
    match key {
        "condition" | "output" | "desc" => {
            let slot = match key {
                "condition" => &mut rule.condition,
                "output" => &mut rule.output,
                _ => &mut rule.desc,
            };
            if append {
                slot.push(' ');
                slot.push_str(&text);
            } else {
                *slot = text;
            }
        }
        "tags" => {
            let tags: Vec<String> = v.items().iter().filter_map(scalar_text).collect();
            if append {
                rule.tags.extend(tags);
            } else {
                rule.tags = tags;
            }
        }
        "exceptions" => {
            let new = parse_exceptions(v);
            let before = diags.len();
            for e in &new {
                let existing = if append {
                    rule.exceptions.iter().find(|x| x.name == e.name)
                } else {
                    None
                };
                validate_exception(e, existing, append, &rule.source, origin, diags);
            }
            if diags.len() > before {
                return;
            }
            if !append {
                rule.exceptions = new;
                return;
            }
            for e in new {
                match rule.exceptions.iter_mut().find(|x| x.name == e.name) {
                    Some(x) if e.fields.is_none() && e.comps.is_none() => x.values.extend(e.values),
                    Some(_) => diags.push(origin.diag(
                        Level::Error,
                        "exception",
                        &e.name,
                        "LOAD_ERR_VALIDATE",
                        "An appended exception that already exists may only add values",
                    )),
                    None => rule.exceptions.push(e),
                }
            }
        }
        "priority" => match Priority::parse(&text) {
            Some(p) => rule.priority = p,
            None => diags.push(origin.diag(
                Level::Error,
                "rule",
                &rule.name,
                "LOAD_ERR_VALIDATE",
                format!("Invalid priority level: {text}"),
            )),
        },
        "enabled" => rule.enabled = v.as_bool().unwrap_or(rule.enabled),
        "warn_evttypes" => rule.warn_evttypes = v.as_bool().unwrap_or(rule.warn_evttypes),
        "skip-if-unknown-filter" => {
            rule.skip_if_unknown_filter = v.as_bool().unwrap_or(rule.skip_if_unknown_filter);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[&str]) -> RuleSet {
        let mut set = RuleSet::new();
        for (i, f) in files.iter().enumerate() {
            set.load_str(&format!("f{i}.yaml"), f);
        }
        set
    }

    #[test]
    fn appends_overrides_and_redefinitions() {
        let set = load(&[
            "- list: l\n  items: [a, b]\n- macro: m\n  condition: evt.type=open\n- rule: r\n  desc: d\n  condition: m\n  output: o\n  priority: INFO\n  tags: [t1]\n",
            "- list: l\n  items: [c]\n  append: true\n- macro: m\n  condition: or evt.type=close\n  append: true\n- rule: r\n  condition: and proc.name=x\n  append: true\n- rule: r\n  output: new\n  tags: [t2]\n  override:\n    output: replace\n    tags: append\n",
        ]);
        assert!(!set.has_errors(), "{:?}", set.diagnostics);
        assert_eq!(set.lists[0].items, ["a", "b", "c"]);
        assert_eq!(set.macros[0].condition, "evt.type=open or evt.type=close");
        let r = &set.rules[0];
        assert_eq!(r.condition, "m and proc.name=x");
        assert_eq!(r.output, "new");
        assert_eq!(r.tags, ["t1", "t2"]);
        assert_eq!(r.priority, Priority::Informational);
    }

    #[test]
    fn errors_name_item_and_line() {
        let set = load(&[
            "- list: l\n  items: [a]\n  append: true\n- rule: x\n  desc: d\n  condition: c\n  priority: INFO\n",
        ]);
        let d: Vec<_> = set
            .diagnostics
            .iter()
            .map(|d| (d.line, d.code, d.message.as_str()))
            .collect();
        assert_eq!(
            d,
            [
                (
                    1,
                    "LOAD_ERR_VALIDATE",
                    "List has 'append' key but no list by that name already exists"
                ),
                (
                    4,
                    "LOAD_ERR_YAML_VALIDATE",
                    "Item has no mapping for key 'output'"
                ),
            ]
        );
        let set = load(&["- required_engine_version: 9999999\n"]);
        assert!(
            set.diagnostics[0]
                .message
                .starts_with("Rules require engine version 9999999")
        );
        let set = load(&["{a: 1}"]);
        assert_eq!(
            set.diagnostics[0].message,
            "Rules content is not yaml array of objects"
        );
    }

    #[test]
    fn enabled_only_item_toggles() {
        let set = load(&[
            "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: INFO\n",
            "- rule: r\n  enabled: false\n",
        ]);
        assert!(!set.rules[0].enabled);
        assert_eq!(parse_version("0.57.0"), Some((0, 57, 0)));
        assert_eq!(parse_version("17"), Some((0, 17, 0)));
        assert_eq!(parse_version("x"), None);
    }
}
