//! Properties of the parser and the evaluator on arbitrary command lines.

use moat_flags::{CommandLine, Component, EnvVar, Verdict, cis, evaluate};
use proptest::prelude::*;

/// Arguments that look like command-line pieces: dashes, `=`, commas, quotes, spaces.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-=,\"a-z0-9_ .]{0,12}",
        "--[a-z-]{1,24}(=[A-Za-z0-9,=\" ._-]{0,20})?",
        "-{1,3}[a-z=]{0,6}",
        any::<String>(),
        prop::sample::select(vec![
            "--".to_owned(),
            "-".to_owned(),
            String::new(),
            "--authorization-mode".to_owned(),
            "--enable-admission-plugins=AlwaysAdmit".to_owned(),
            "--feature-gates=AllBeta=false,RotateKubeletServerCertificate".to_owned(),
            "--tls-cipher-suites=\"a,b\",\"c".to_owned(),
            "--audit-log-maxage=0x_".to_owned(),
            "--client-cert-auth".to_owned(),
        ]),
    ]
}

/// A complete flag (never a dangling value-taking flag, never a positional).
fn complete_flag() -> impl Strategy<Value = String> {
    prop_oneof![
        "--[a-z][a-z-]{0,20}=[A-Za-z0-9,=._-]{0,12}",
        prop::sample::select(vec![
            "--anonymous-auth".to_owned(),
            "--profiling=false".to_owned(),
            "--client-cert-auth".to_owned(),
            "--authorization-mode=Node,RBAC".to_owned(),
            "--feature-gates=A=true".to_owned(),
        ]),
    ]
}

proptest! {
    #[test]
    fn parsing_and_evaluating_never_panics(
        args in prop::collection::vec(token(), 0..24),
        env_value in proptest::option::of("[a-z0-9]{0,6}"),
    ) {
        let env = [
            EnvVar { name: "ETCD_CLIENT_CERT_AUTH", value: env_value.as_deref(), index: 0 },
            EnvVar { name: "ETCD_CONFIG_FILE", value: None, index: 1 },
        ];
        let _ = Component::locate(&args);
        for c in Component::ALL {
            let line = CommandLine::parse(&args, c.schema());
            for o in line.flags() {
                prop_assert!(o.index < args.len() && o.value_index < args.len());
                prop_assert!(o.value_index >= o.index);
                let _ = line.list(&o.name);
                let _ = line.map(&o.name);
            }
            for i in line.issues() {
                prop_assert!(i.index < args.len());
            }
            for rule in cis::CIS_1_10 {
                let env = &env[..usize::from(c == Component::Etcd)];
                if let Verdict::Fail(v) = evaluate(rule, c, &line, env)
                    && let moat_flags::Site::Arg(i) = v.site
                {
                    prop_assert!(i < args.len());
                }
            }
        }
    }

    #[test]
    fn inline_and_separate_values_parse_equally(
        before in prop::collection::vec(complete_flag(), 0..6),
        after in prop::collection::vec(complete_flag(), 0..6),
        component in prop::sample::select(Component::ALL.to_vec()),
        known in any::<bool>(),
        name in "[a-z][a-z-]{0,15}",
        value in "[A-Za-z0-9,=.:/_ -]{0,20}",
    ) {
        let schema = component.schema();
        let name = if known {
            // A flag the schema knows takes a value: scalar, list or map.
            let pool: Vec<&str> = schema.scalars.iter().chain(schema.lists).chain(schema.maps).copied().collect();
            pool[name.len() % pool.len()].to_owned()
        } else {
            format!("zz-{name}")
        };
        // An unknown flag only takes the next argument if it does not look like a flag.
        prop_assume!(known || !value.starts_with('-'));
        let mut inline = before.clone();
        inline.push(format!("--{name}={value}"));
        inline.extend(after.iter().cloned());
        let mut separate = before.clone();
        separate.push(format!("--{name}"));
        separate.push(value.clone());
        separate.extend(after.iter().cloned());
        let a = CommandLine::parse(&inline, schema);
        let b = CommandLine::parse(&separate, schema);
        let values = |l: &CommandLine<'_>| l.flags().iter().map(|o| (o.name.to_string(), o.value.to_owned())).collect::<Vec<_>>();
        prop_assert_eq!(values(&a), values(&b));
        if !after.iter().any(|f| f.starts_with(&format!("--{name}="))) {
            prop_assert_eq!(a.value(&name), Some(value.as_str()));
        }
        let list = |l: &CommandLine<'_>| l.list(&name).map(|v| v.into_iter().map(|i| i.value.into_owned()).collect::<Vec<_>>());
        prop_assert_eq!(list(&a), list(&b));
        let map = |l: &CommandLine<'_>| l.map(&name).map(|v| v.into_iter().map(|e| (e.key.to_owned(), e.value.to_owned())).collect::<Vec<_>>());
        prop_assert_eq!(map(&a), map(&b));
        prop_assert_eq!(a.positionals().len(), b.positionals().len());
        for rule in cis::CIS_1_10 {
            let message = |v: Verdict| match v {
                Verdict::Fail(f) => Some((f.message, f.actual)),
                _ => None,
            };
            prop_assert_eq!(
                message(evaluate(rule, component, &a, &[])),
                message(evaluate(rule, component, &b, &[]))
            );
        }
    }
}
