//! The `k8s_audit` source: audit.k8s.io `Event`/`EventList` JSON, and the `ka.*`,
//! `jevt.*` and generic `evt.*` fields of the Falco k8saudit and json plugins.

use std::borrow::Cow;

use serde_json::Value;

use crate::json::{Member, member, object_members, pointer, token_eq};

use crate::eval::{Event, Val};
use crate::fields::k8s_table::{AuditField, FIELDS};
use crate::fields::{FieldArg, ResolvedField};

/// Largest audit line accepted (the API server's own limit is far below this).
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Message for JSON that is not an audit event (Falco's wording).
pub const NOT_AUDIT: &str = "data not recognized as a k8s audit event";

/// One audit event, borrowing its line.
#[derive(Debug)]
pub struct AuditEvent<'a> {
    /// The event's JSON text.
    raw: &'a str,
    members: Vec<Member<'a>>,
    /// Event time (stage timestamp), nanoseconds since the epoch.
    pub time_ns: i64,
    /// Sequence number in the stream (1-based).
    pub num: u64,
    /// Host name reported in `evt.hostname`.
    pub hostname: &'a str,
    /// The request verb when it is a string (the engine's rule index key).
    verb: Option<Cow<'a, str>>,
}

fn parse_time(v: Option<&Value>) -> Option<i64> {
    let ts: jiff::Timestamp = v?.as_str()?.parse().ok()?;
    i64::try_from(ts.as_nanosecond()).ok()
}

impl<'a> AuditEvent<'a> {
    fn from_members(
        raw: &'a str,
        members: Vec<Member<'a>>,
        num: &mut u64,
        hostname: &'a str,
    ) -> Self {
        *num += 1;
        let verb = members
            .iter()
            .rev()
            .find(|m| m.key == "verb")
            .and_then(|m| crate::rawjson::string(m.raw));
        let mut ev = AuditEvent {
            raw,
            members,
            time_ns: 0,
            num: *num,
            hostname,
            verb,
        };
        ev.time_ns = parse_time(ev.member("stageTimestamp"))
            .or_else(|| parse_time(ev.member("requestReceivedTimestamp")))
            .or_else(|| parse_time(ev.member("timestamp")))
            .unwrap_or(0);
        ev
    }

    /// A top-level member, parsed on first use (`None` when absent or not valid).
    fn member(&self, key: &str) -> Option<&Value> {
        member(&self.members, key)
    }
}

/// Parses one line (an `Event` or an `EventList`) into events borrowing it; `num` is
/// advanced per event.
pub fn parse_line<'a>(
    line: &'a str,
    num: &mut u64,
    hostname: &'a str,
) -> Result<Vec<AuditEvent<'a>>, String> {
    if line.len() > MAX_LINE_BYTES {
        return Err(format!("line longer than {MAX_LINE_BYTES} bytes"));
    }
    let Some(members) = object_members(line)? else {
        return Err(NOT_AUDIT.to_string());
    };
    let kind = |members: &[Member<'_>]| -> Option<String> {
        let m = members.iter().find(|m| m.key == "kind")?;
        crate::rawjson::string(m.raw).map(Cow::into_owned)
    };
    match kind(&members).as_deref() {
        Some("Event") => Ok(vec![AuditEvent::from_members(line, members, num, hostname)]),
        Some("EventList") => {
            let Some(items) = members.iter().find(|m| m.key == "items") else {
                return Err(NOT_AUDIT.to_string());
            };
            if !items.raw.starts_with('[') {
                return Err(NOT_AUDIT.to_string());
            }
            let mut out = Vec::new();
            for item in crate::rawjson::array_items(items.raw) {
                let Some(m) = object_members(item)? else {
                    return Err(NOT_AUDIT.to_string());
                };
                if kind(&m).is_some_and(|k| k != "Event") {
                    return Err(NOT_AUDIT.to_string());
                }
                out.push(AuditEvent::from_members(item, m, num, hostname));
            }
            Ok(out)
        }
        _ => Err(NOT_AUDIT.to_string()),
    }
}

/// The value as text: strings as they are, anything else as JSON.
fn text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    }
}

/// Repository part of an image reference (`docker.io/falco:1.0@sha256:…` → `docker.io/falco`).
pub fn image_repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rfind(':') {
        Some(i) if !no_digest.get(i..).unwrap_or_default().contains('/') => {
            no_digest.get(..i).unwrap_or(no_digest)
        }
        _ => no_digest,
    }
}

/// Feeds values to the callback, honouring an `[N]` index; returns early on `true`.
struct Emitter<'c, 'f> {
    index: Option<usize>,
    seen: usize,
    cb: &'c mut (dyn FnMut(Val<'_>) -> bool + 'f),
    done: bool,
}

impl Emitter<'_, '_> {
    fn emit(&mut self, v: Cow<'_, str>) {
        if self.done {
            return;
        }
        let i = self.seen;
        self.seen += 1;
        match self.index {
            Some(want) if want != i => {}
            _ => {
                if (self.cb)(Val::Str(v)) || self.index.is_some() {
                    self.done = true;
                }
            }
        }
    }
}

fn one(e: &mut Emitter<'_, '_>, v: Option<&Value>) {
    if let Some(v) = v {
        e.emit(text(v));
    }
}

fn all(e: &mut Emitter<'_, '_>, v: Option<&Value>) {
    for i in items(v) {
        e.emit(text(i));
    }
}

fn items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

impl AuditEvent<'_> {
    fn ptr(&self, p: &str) -> Option<&Value> {
        self.pointer(p).filter(|v| !v.is_null())
    }

    /// A JSON pointer into the event (the first token selects a lazily parsed member).
    fn pointer(&self, p: &str) -> Option<&Value> {
        let rest = p.strip_prefix('/')?;
        let (first, tail) = match rest.find('/') {
            Some(i) => (rest.get(..i)?, rest.get(i..)?),
            None => (rest, ""),
        };
        let member = if first.contains('~') {
            let m = self.members.iter().find(|m| token_eq(first, &m.key))?;
            self.member(&m.key)?
        } else {
            self.member(first)?
        };
        pointer(member, tail)
    }

    fn req_spec(&self) -> Option<&Value> {
        self.ptr("/requestObject/spec")
    }

    fn containers(&self, kind: &str) -> &[Value] {
        items(self.req_spec().and_then(|s| s.get(kind)))
    }

    fn is_resource(&self, r: &str) -> bool {
        self.ptr("/objectRef/resource").and_then(Value::as_str) == Some(r)
    }

    fn container_field(&self, e: &mut Emitter<'_, '_>, kind: &str, field: ContainerField) {
        let pod_sc = self.req_spec().and_then(|s| s.get("securityContext"));
        for c in self.containers(kind) {
            let sc = c.get("securityContext");
            let sc_get = |k: &str| sc.and_then(|s| s.get(k)).filter(|v| !v.is_null());
            match field {
                ContainerField::Name => one(e, c.get("name")),
                ContainerField::Image => one(e, c.get("image")),
                ContainerField::Repository => {
                    if let Some(i) = c.get("image").and_then(Value::as_str) {
                        e.emit(Cow::Borrowed(image_repository(i)));
                    }
                }
                ContainerField::Command | ContainerField::Args => {
                    let key = if field == ContainerField::Command {
                        "command"
                    } else {
                        "args"
                    };
                    let joined: Vec<Cow<'_, str>> = items(c.get(key)).iter().map(text).collect();
                    e.emit(Cow::Owned(joined.join(" ")));
                }
                ContainerField::Privileged => {
                    e.emit(Cow::Borrowed(bool_text(sc_get("privileged"), false)));
                }
                ContainerField::AllowPrivilegeEscalation => {
                    e.emit(Cow::Borrowed(bool_text(
                        sc_get("allowPrivilegeEscalation"),
                        true,
                    )));
                }
                ContainerField::ReadOnlyFs => {
                    e.emit(Cow::Borrowed(bool_text(
                        sc_get("readOnlyRootFilesystem"),
                        false,
                    )));
                }
                ContainerField::RunAsUser => one(e, sc_get("runAsUser")),
                ContainerField::RunAsGroup => one(e, sc_get("runAsGroup")),
                ContainerField::EffRunAsUser | ContainerField::EffRunAsGroup => {
                    let key = if field == ContainerField::EffRunAsUser {
                        "runAsUser"
                    } else {
                        "runAsGroup"
                    };
                    match sc_get(key)
                        .or_else(|| pod_sc.and_then(|s| s.get(key)).filter(|v| !v.is_null()))
                    {
                        Some(v) => e.emit(text(v)),
                        None => e.emit(Cow::Borrowed("0")),
                    }
                }
                ContainerField::ProcMount => match sc_get("procMount") {
                    Some(v) => e.emit(text(v)),
                    None => e.emit(Cow::Borrowed("Default")),
                },
                ContainerField::AddCapabilities => {
                    for cap in items(sc.and_then(|s| s.pointer("/capabilities/add"))) {
                        e.emit(text(cap));
                    }
                }
                ContainerField::HostPort => {
                    for p in items(c.get("ports")) {
                        one(e, p.get("hostPort"));
                    }
                }
            }
        }
    }

    fn subjects(&self, e: &mut Emitter<'_, '_>, kind: &str, with_ns: bool) {
        for s in items(self.ptr("/requestObject/subjects")) {
            if s.get("kind").and_then(Value::as_str) != Some(kind) {
                continue;
            }
            let name = s.get("name").map(text).unwrap_or_default();
            if with_ns {
                let ns = s.get("namespace").map(text).unwrap_or_default();
                e.emit(Cow::Owned(format!("{ns}:{name}")));
            } else {
                e.emit(name);
            }
        }
    }

    fn role_rules(&self, e: &mut Emitter<'_, '_>, key: &str) {
        for r in items(self.ptr("/requestObject/rules")) {
            for v in items(r.get(key)) {
                e.emit(text(v));
            }
        }
    }

    fn extract(&self, id: AuditField, arg: &FieldArg, e: &mut Emitter<'_, '_>) {
        use ContainerField as C;
        let (c, ic, ec) = ("containers", "initContainers", "ephemeralContainers");
        match id {
            AuditField::KaAuditid => one(e, self.ptr("/auditID")),
            AuditField::KaStage => one(e, self.ptr("/stage")),
            AuditField::KaAuthDecision => {
                one(e, self.ptr("/annotations/authorization.k8s.io~1decision"));
            }
            AuditField::KaAuthReason => {
                one(e, self.ptr("/annotations/authorization.k8s.io~1reason"));
            }
            AuditField::KaAuthOpenshiftDecision => {
                one(
                    e,
                    self.ptr("/annotations/authorization.openshift.io~1decision"),
                );
            }
            AuditField::KaAuthOpenshiftUsername => one(
                e,
                self.ptr("/annotations/authentication.openshift.io~1username"),
            ),
            AuditField::KaValidationsAdmissionPolicyFailure => {
                one(
                    e,
                    self.ptr("/annotations/validation.policy.admission.k8s.io~1validation_failure"),
                );
            }
            AuditField::KaSecurityPodViolations => {
                one(
                    e,
                    self.ptr("/annotations/pod-security.kubernetes.io~1audit-violations"),
                );
            }
            AuditField::KaUserName => one(e, self.ptr("/user/username")),
            AuditField::KaUserGroups => all(e, self.ptr("/user/groups")),
            AuditField::KaImpuserName => one(e, self.ptr("/impersonatedUser/username")),
            AuditField::KaVerb => one(e, self.ptr("/verb")),
            AuditField::KaUri => one(e, self.ptr("/requestURI")),
            AuditField::KaUriParam => {
                let (FieldArg::Key(key), Some(uri)) =
                    (arg, self.ptr("/requestURI").and_then(Value::as_str))
                else {
                    return;
                };
                let query = uri.split_once('?').map(|(_, q)| q).unwrap_or_default();
                for pair in query.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    if k == &**key {
                        e.emit(Cow::Borrowed(v));
                        return;
                    }
                }
            }
            AuditField::KaTargetName => one(e, self.ptr("/objectRef/name")),
            AuditField::KaTargetNamespace => one(e, self.ptr("/objectRef/namespace")),
            AuditField::KaTargetResource => one(e, self.ptr("/objectRef/resource")),
            AuditField::KaTargetSubresource => one(e, self.ptr("/objectRef/subresource")),
            AuditField::KaTargetPodName => {
                if self.is_resource("pods") {
                    one(e, self.ptr("/objectRef/name"));
                }
            }
            AuditField::KaReqBindingSubjects => {
                all(e, self.ptr("/requestObject/subjects"));
            }
            AuditField::KaReqBindingSubjectsUserNames => self.subjects(e, "User", false),
            AuditField::KaReqBindingSubjectsServiceaccountNames => {
                self.subjects(e, "ServiceAccount", false);
            }
            AuditField::KaReqBindingSubjectsServiceaccountNsNames => {
                self.subjects(e, "ServiceAccount", true);
            }
            AuditField::KaReqBindingSubjectsGroupNames => self.subjects(e, "Group", false),
            AuditField::KaReqBindingRole => one(e, self.ptr("/requestObject/roleRef/name")),
            AuditField::KaReqBindingSubjectHasName => e.emit(Cow::Borrowed("N/A")),
            AuditField::KaReqConfigmapName => {
                if self.is_resource("configmaps") {
                    one(e, self.ptr("/objectRef/name"));
                }
            }
            AuditField::KaReqConfigmapObj => {
                if self.is_resource("configmaps") {
                    one(e, self.ptr("/requestObject/data"));
                }
            }
            AuditField::KaReqPodContainersArgs => self.container_field(e, c, C::Args),
            AuditField::KaReqPodContainersCommand => self.container_field(e, c, C::Command),
            AuditField::KaReqPodContainersName => self.container_field(e, c, C::Name),
            AuditField::KaReqPodContainersImage => self.container_field(e, c, C::Image),
            AuditField::KaReqContainerImage => {
                one(e, self.containers(c).first().and_then(|x| x.get("image")));
            }
            AuditField::KaReqPodContainersImageRepository => {
                self.container_field(e, c, C::Repository);
            }
            AuditField::KaReqContainerImageRepository => {
                if let Some(i) = self
                    .containers(c)
                    .first()
                    .and_then(|x| x.get("image"))
                    .and_then(Value::as_str)
                {
                    e.emit(Cow::Borrowed(image_repository(i)));
                }
            }
            AuditField::KaReqPodHostIpc => {
                one(e, self.req_spec().and_then(|s| s.get("hostIPC")));
            }
            AuditField::KaReqPodHostNetwork | AuditField::KaReqContainerHostNetwork => {
                one(e, self.req_spec().and_then(|s| s.get("hostNetwork")));
            }
            AuditField::KaReqPodHostPid => {
                one(e, self.req_spec().and_then(|s| s.get("hostPID")));
            }
            AuditField::KaReqPodContainersHostPort => self.container_field(e, c, C::HostPort),
            AuditField::KaReqPodContainersPrivileged => self.container_field(e, c, C::Privileged),
            AuditField::KaReqContainerPrivileged => {
                if self.ptr("/requestObject").is_some() {
                    let any = self.containers(c).iter().any(|x| {
                        x.pointer("/securityContext/privileged")
                            .and_then(Value::as_bool)
                            == Some(true)
                    });
                    e.emit(Cow::Borrowed(if any { "true" } else { "false" }));
                }
            }
            AuditField::KaReqPodContainersAllowPrivilegeEscalation => {
                self.container_field(e, c, C::AllowPrivilegeEscalation);
            }
            AuditField::KaReqPodContainersReadOnlyFs => self.container_field(e, c, C::ReadOnlyFs),
            AuditField::KaReqPodRunAsUser => {
                one(e, self.ptr("/requestObject/spec/securityContext/runAsUser"));
            }
            AuditField::KaReqPodContainersRunAsUser => self.container_field(e, c, C::RunAsUser),
            AuditField::KaReqPodContainersEffRunAsUser => {
                self.container_field(e, c, C::EffRunAsUser);
            }
            AuditField::KaReqPodRunAsGroup => one(
                e,
                self.ptr("/requestObject/spec/securityContext/runAsGroup"),
            ),
            AuditField::KaReqPodContainersRunAsGroup => self.container_field(e, c, C::RunAsGroup),
            AuditField::KaReqPodContainersEffRunAsGroup => {
                self.container_field(e, c, C::EffRunAsGroup);
            }
            AuditField::KaReqPodContainersProcMount => self.container_field(e, c, C::ProcMount),
            AuditField::KaReqRoleRules => all(e, self.ptr("/requestObject/rules")),
            AuditField::KaReqRoleRulesApiGroups => self.role_rules(e, "apiGroups"),
            AuditField::KaReqRoleRulesNonResourceURLs => self.role_rules(e, "nonResourceURLs"),
            AuditField::KaReqRoleRulesVerbs => self.role_rules(e, "verbs"),
            AuditField::KaReqRoleRulesResources => self.role_rules(e, "resources"),
            AuditField::KaReqPodFsGroup => {
                one(e, self.ptr("/requestObject/spec/securityContext/fsGroup"));
            }
            AuditField::KaReqPodSupplementalGroups => {
                all(
                    e,
                    self.ptr("/requestObject/spec/securityContext/supplementalGroups"),
                );
            }
            AuditField::KaReqPodContainersAddCapabilities => {
                self.container_field(e, c, C::AddCapabilities);
            }
            AuditField::KaReqServiceType => {
                one(e, self.req_spec().and_then(|s| s.get("type")));
            }
            AuditField::KaReqServicePorts => all(e, self.req_spec().and_then(|s| s.get("ports"))),
            AuditField::KaReqPodVolumesHostpath => {
                for v in items(self.req_spec().and_then(|s| s.get("volumes"))) {
                    one(e, v.pointer("/hostPath/path"));
                }
            }
            AuditField::KaReqVolumeHostpath => {
                if let FieldArg::Key(prefix) = arg {
                    let any = items(self.req_spec().and_then(|s| s.get("volumes")))
                        .iter()
                        .any(|v| {
                            v.pointer("/hostPath/path")
                                .and_then(Value::as_str)
                                .is_some_and(|p| p.starts_with(&**prefix))
                        });
                    e.emit(Cow::Borrowed(if any { "true" } else { "false" }));
                }
            }
            AuditField::KaReqPodVolumesFlexvolumeDriver => {
                for v in items(self.req_spec().and_then(|s| s.get("volumes"))) {
                    one(e, v.pointer("/flexVolume/driver"));
                }
            }
            AuditField::KaReqPodVolumesVolumeType => {
                for v in items(self.req_spec().and_then(|s| s.get("volumes"))) {
                    if let Value::Object(m) = v {
                        for k in m.keys().filter(|k| *k != "name") {
                            e.emit(Cow::Borrowed(k.as_str()));
                        }
                    }
                }
            }
            AuditField::KaRespName => one(e, self.ptr("/responseObject/metadata/name")),
            AuditField::KaResponseCode => one(e, self.ptr("/responseStatus/code")),
            AuditField::KaResponseReason => one(e, self.ptr("/responseStatus/reason")),
            AuditField::KaUseragent => one(e, self.ptr("/userAgent")),
            AuditField::KaSourceips => all(e, self.ptr("/sourceIPs")),
            AuditField::KaClusterName => {}
            AuditField::KaReqPodInitContainersName => self.container_field(e, ic, C::Name),
            AuditField::KaReqPodInitContainersImage => self.container_field(e, ic, C::Image),
            AuditField::KaReqPodInitContainersImageRepository => {
                self.container_field(e, ic, C::Repository);
            }
            AuditField::KaReqPodInitContainersCommand => self.container_field(e, ic, C::Command),
            AuditField::KaReqPodInitContainersArgs => self.container_field(e, ic, C::Args),
            AuditField::KaReqPodInitContainersPrivileged => {
                self.container_field(e, ic, C::Privileged);
            }
            AuditField::KaReqPodInitContainersAllowPrivilegeEscalation => {
                self.container_field(e, ic, C::AllowPrivilegeEscalation);
            }
            AuditField::KaReqPodInitContainersReadOnlyFs => {
                self.container_field(e, ic, C::ReadOnlyFs);
            }
            AuditField::KaReqPodInitContainersRunAsUser => {
                self.container_field(e, ic, C::RunAsUser);
            }
            AuditField::KaReqPodInitContainersEffRunAsUser => {
                self.container_field(e, ic, C::EffRunAsUser);
            }
            AuditField::KaReqPodInitContainersRunAsGroup => {
                self.container_field(e, ic, C::RunAsGroup);
            }
            AuditField::KaReqPodInitContainersEffRunAsGroup => {
                self.container_field(e, ic, C::EffRunAsGroup);
            }
            AuditField::KaReqPodInitContainersProcMount => {
                self.container_field(e, ic, C::ProcMount);
            }
            AuditField::KaReqPodInitContainersAddCapabilities => {
                self.container_field(e, ic, C::AddCapabilities);
            }
            AuditField::KaReqPodInitContainersHostPort => self.container_field(e, ic, C::HostPort),
            AuditField::KaReqPodEphemeralContainersName => self.container_field(e, ec, C::Name),
            AuditField::KaReqPodEphemeralContainersImage => self.container_field(e, ec, C::Image),
            AuditField::KaReqPodEphemeralContainersImageRepository => {
                self.container_field(e, ec, C::Repository);
            }
            AuditField::KaReqPodEphemeralContainersCommand => {
                self.container_field(e, ec, C::Command);
            }
            AuditField::KaReqPodEphemeralContainersArgs => self.container_field(e, ec, C::Args),
            AuditField::KaReqPodEphemeralContainersPrivileged => {
                self.container_field(e, ec, C::Privileged);
            }
            AuditField::KaReqPodEphemeralContainersAllowPrivilegeEscalation => {
                self.container_field(e, ec, C::AllowPrivilegeEscalation);
            }
            AuditField::KaReqPodEphemeralContainersReadOnlyFs => {
                self.container_field(e, ec, C::ReadOnlyFs);
            }
            AuditField::KaReqPodEphemeralContainersRunAsUser => {
                self.container_field(e, ec, C::RunAsUser);
            }
            AuditField::KaReqPodEphemeralContainersEffRunAsUser => {
                self.container_field(e, ec, C::EffRunAsUser);
            }
            AuditField::KaReqPodEphemeralContainersRunAsGroup => {
                self.container_field(e, ec, C::RunAsGroup);
            }
            AuditField::KaReqPodEphemeralContainersEffRunAsGroup => {
                self.container_field(e, ec, C::EffRunAsGroup);
            }
            AuditField::KaReqPodEphemeralContainersProcMount => {
                self.container_field(e, ec, C::ProcMount);
            }
            AuditField::KaReqPodEphemeralContainersAddCapabilities => {
                self.container_field(e, ec, C::AddCapabilities);
            }
            AuditField::JevtValue => {
                if let FieldArg::Key(p) = arg {
                    if p.is_empty() {
                        e.emit(Cow::Borrowed(self.raw));
                    } else {
                        one(e, self.pointer(p));
                    }
                }
            }
            AuditField::JevtObj => e.emit(Cow::Borrowed(self.raw)),
            AuditField::JevtRawtime | AuditField::EvtRawtime => {
                e.emit(Cow::Owned(self.time_ns.to_string()));
            }
            AuditField::JevtTime
            | AuditField::EvtTimeIso8601
            | AuditField::JevtTimeIso8601
            | AuditField::EvtDatetime => {
                e.emit(Cow::Owned(iso8601(self.time_ns)));
            }
            AuditField::EvtTime => e.emit(Cow::Owned(clock_time(self.time_ns, true))),
            AuditField::EvtTimeS => e.emit(Cow::Owned(clock_time(self.time_ns, false))),
            AuditField::EvtNum => e.emit(Cow::Owned(self.num.to_string())),
            AuditField::EvtSource => e.emit(Cow::Borrowed("k8s_audit")),
            AuditField::EvtHostname => e.emit(Cow::Borrowed(self.hostname)),
            AuditField::EvtPluginname => e.emit(Cow::Borrowed("k8saudit")),
        }
    }
}

fn bool_text(v: Option<&Value>, default: bool) -> &'static str {
    if v.and_then(Value::as_bool).unwrap_or(default) {
        "true"
    } else {
        "false"
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ContainerField {
    Name,
    Image,
    Repository,
    Command,
    Args,
    Privileged,
    AllowPrivilegeEscalation,
    ReadOnlyFs,
    RunAsUser,
    RunAsGroup,
    EffRunAsUser,
    EffRunAsGroup,
    ProcMount,
    AddCapabilities,
    HostPort,
}

/// RFC 3339 UTC time with nanoseconds (`2018-10-25T13:58:49.730588000Z`), as in Falco alerts.
pub fn iso8601(ns: i64) -> String {
    let ts =
        jiff::Timestamp::from_nanosecond(i128::from(ns)).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%S.%9fZ").to_string()
}

fn clock_time(ns: i64, with_ns: bool) -> String {
    let ts =
        jiff::Timestamp::from_nanosecond(i128::from(ns)).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    if with_ns {
        ts.strftime("%H:%M:%S.%9f").to_string()
    } else {
        ts.strftime("%H:%M:%S").to_string()
    }
}

impl Event for AuditEvent<'_> {
    /// The verb (`create`): `k8s_audit` rules are indexed by it.
    fn event_type(&self) -> Option<&str> {
        self.verb.as_deref()
    }

    fn visit(&self, field: &ResolvedField, f: &mut dyn FnMut(Val<'_>) -> bool) {
        let Some((id, _)) = FIELDS.get(usize::from(field.id)) else {
            return;
        };
        let index = match &field.arg {
            FieldArg::Index(i) => Some(*i),
            _ => None,
        };
        let mut e = Emitter {
            index,
            seen: 0,
            cb: f,
            done: false,
        };
        self.extract(*id, &field.arg, &mut e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_events_and_lists() {
        let mut n = 0;
        let ev = parse_line(
            r#"{"kind":"Event","stageTimestamp":"2018-10-25T13:58:49.730588Z","verb":"create"}"#,
            &mut n,
            "h",
        )
        .unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(iso8601(ev[0].time_ns), "2018-10-25T13:58:49.730588000Z");
        let ev = parse_line(
            r#"{"kind":"EventList","items":[{"kind":"Event"},{"kind":"Event"}]}"#,
            &mut n,
            "h",
        )
        .unwrap();
        assert_eq!(ev[1].num, 3);
        assert_eq!(
            parse_line(r#"{"kind": 0}"#, &mut n, "h").unwrap_err(),
            NOT_AUDIT
        );
        assert!(
            parse_line("{", &mut n, "h")
                .unwrap_err()
                .starts_with("invalid JSON")
        );
    }

    #[test]
    fn pointers() {
        let v: Value = serde_json::from_str(r#"{"a/b":{"c~d":[1,{"e":2}]}}"#).unwrap();
        assert_eq!(pointer(&v, "/a~1b/c~0d/1/e"), Some(&Value::from(2)));
        assert_eq!(pointer(&v, "/a~1b/c~0d/01"), None);
        assert_eq!(pointer(&v, "/x"), None);
        assert_eq!(pointer(&v, ""), Some(&v));
        assert_eq!(pointer(&v, "a"), None);
    }

    #[test]
    fn repositories() {
        assert_eq!(image_repository("nginx"), "nginx");
        assert_eq!(image_repository("nginx:1.2"), "nginx");
        assert_eq!(image_repository("reg:5000/a/b:1@sha256:00"), "reg:5000/a/b");
        assert_eq!(image_repository("reg:5000/a/b"), "reg:5000/a/b");
    }
}
