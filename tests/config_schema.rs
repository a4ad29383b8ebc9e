//! `schemas/handoff.schema.json` describes `.handoff.yml` exactly: it is a
//! valid JSON Schema, its properties are the fields of the configuration
//! structs, its enums are the values the loader accepts, and every example
//! configuration in the documentation passes both `check-jsonschema` and the
//! real loader (and broken ones fail both).

mod support;

use handoff::config::{Config, ConfigFile, ContextSetting, RuleSetting, Suite, Workflow};
use handoff::knowledge::{
    DedupeChecks, HandlerEntry, HandlerRole, LoggerEntry, NeverRedelivered, OptionCondition, Pack,
    PatternEntry, RedeliveryEntry, RetryClientEntry, RetryEntry, RetryTarget, SinkEntry, SinkKind,
};
use handoff::model::Ecosystem;
use handoff::rules::Severity;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/handoff.schema.json")
}

fn schema() -> Value {
    let text = std::fs::read_to_string(schema_path()).expect("schema exists");
    serde_json::from_str(&text).expect("schema is JSON")
}

/// A deserializer that only records the field (or variant) names a type asks
/// for: serde's derive passes them to `deserialize_struct` / `deserialize_enum`.
struct NameProbe<'a>(&'a mut Vec<&'static str>);

impl<'de> Deserializer<'de> for NameProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("probe"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend_from_slice(fields);
        Err(de::Error::custom("probe"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend_from_slice(variants);
        Err(de::Error::custom("probe"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// The serialized field or variant names of a type.
fn names_of<T: DeserializeOwned>() -> BTreeSet<String> {
    let mut names = Vec::new();
    let _ = T::deserialize(NameProbe(&mut names));
    assert!(
        !names.is_empty(),
        "{} exposes no names",
        std::any::type_name::<T>()
    );
    names.into_iter().map(str::to_string).collect()
}

fn property_names(object: &Value) -> BTreeSet<String> {
    object["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn enum_values(value: &Value) -> BTreeSet<String> {
    value["enum"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn schema_is_a_valid_json_schema() {
    let tool = support::venv_tool("check-jsonschema");
    let output = support::run(
        Command::new(tool)
            .arg("--check-metaschema")
            .arg(schema_path()),
    );
    assert!(output.status.success(), "{}", support::text(&output));
}

#[test]
fn schema_properties_are_the_configuration_fields() {
    let schema = schema();
    let defs = &schema["$defs"];
    let cases: Vec<(&str, &Value, BTreeSet<String>)> = vec![
        (".handoff.yml", &schema, names_of::<ConfigFile>()),
        (
            "ruleSetting",
            &defs["ruleSetting"],
            names_of::<RuleSetting>(),
        ),
        ("workflow", &defs["workflow"], names_of::<Workflow>()),
        ("suite", &defs["suite"], names_of::<Suite>()),
        (
            "contextSetting",
            &defs["contextSetting"],
            names_of::<ContextSetting>(),
        ),
        ("pack", &defs["pack"], names_of::<Pack>()),
        (
            "patternEntry",
            &defs["patternEntry"],
            names_of::<PatternEntry>(),
        ),
        ("sinkEntry", &defs["sinkEntry"], names_of::<SinkEntry>()),
        (
            "optionCondition",
            &defs["optionCondition"],
            names_of::<OptionCondition>(),
        ),
        (
            "handlerEntry",
            &defs["handlerEntry"],
            names_of::<HandlerEntry>(),
        ),
        ("retryEntry", &defs["retryEntry"], names_of::<RetryEntry>()),
        (
            "retryClientEntry",
            &defs["retryClientEntry"],
            names_of::<RetryClientEntry>(),
        ),
        (
            "dedupeChecks",
            &defs["dedupeChecks"],
            names_of::<DedupeChecks>(),
        ),
        (
            "redeliveryEntry",
            &defs["redeliveryEntry"],
            names_of::<RedeliveryEntry>(),
        ),
        (
            "neverRedelivered",
            &defs["neverRedelivered"],
            names_of::<NeverRedelivered>(),
        ),
        (
            "loggerEntry",
            &defs["loggerEntry"],
            names_of::<LoggerEntry>(),
        ),
        (
            "knowledge",
            &schema["properties"]["knowledge"],
            names_of::<Ecosystem>(),
        ),
    ];
    for (name, object, fields) in cases {
        assert_eq!(
            property_names(object),
            fields,
            "schemas/handoff.schema.json `{name}` is out of date with the Rust struct: add or remove the properties"
        );
        assert_eq!(
            object["additionalProperties"],
            Value::Bool(false),
            "`{name}` must reject unknown keys like the loader"
        );
    }
}

#[test]
fn schema_enums_are_the_values_the_loader_accepts() {
    let schema = schema();
    let defs = &schema["$defs"];
    assert_eq!(enum_values(&defs["severity"]), names_of::<Severity>());
    assert_eq!(
        enum_values(&defs["sinkEntry"]["properties"]["kind"]),
        names_of::<SinkKind>()
    );
    assert_eq!(
        enum_values(&defs["handlerEntry"]["properties"]["role"]),
        names_of::<HandlerRole>()
    );
    assert_eq!(
        enum_values(&defs["pack"]["properties"]["ecosystem"]),
        names_of::<Ecosystem>()
    );
    assert_eq!(
        enum_values(&defs["retryClientEntry"]["properties"]["applies_to"]),
        names_of::<RetryTarget>()
    );
}

/// The ```yaml blocks of a Markdown file that are `.handoff.yml` examples
/// (their first key is a configuration key).
fn config_examples(markdown_path: &Path) -> Vec<String> {
    let markdown = std::fs::read_to_string(markdown_path).expect("markdown exists");
    let keys = names_of::<ConfigFile>();
    let mut examples = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                let first_key = block
                    .lines()
                    .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                    .and_then(|l| l.split(':').next())
                    .unwrap_or_default()
                    .to_string();
                if keys.contains(&first_key) {
                    examples.push(std::mem::take(block));
                }
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    examples
}

/// Validate YAML texts with check-jsonschema; returns (success, output).
fn check(texts: &[String]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let files: Vec<PathBuf> = texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = dir.path().join(format!("example-{i}.yml"));
            std::fs::write(&path, text).expect("write example");
            path
        })
        .collect();
    let output = support::run(
        Command::new(support::venv_tool("check-jsonschema"))
            .arg("--schemafile")
            .arg(schema_path())
            .args(&files),
    );
    (output.status.success(), support::text(&output))
}

#[test]
fn documented_configurations_pass_the_schema_and_the_loader() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples = Vec::new();
    examples.extend(config_examples(&root.join("README.md")));
    assert!(
        examples.len() >= 2,
        "the docs show configuration examples: {}",
        examples.len()
    );
    for example in &examples {
        Config::parse(example, ".handoff.yml")
            .unwrap_or_else(|e| panic!("the loader rejects a documented example: {e}\n{example}"));
    }
    let (ok, output) = check(&examples);
    assert!(ok, "{output}");
}

#[test]
fn broken_configurations_fail_the_schema_and_the_loader() {
    let broken = [
        "workflows:\n  - name: checkout\n    paths: [\"src/**\"]\n    threshold: urgent\n",
        "workflows:\n  - name: checkout\n    pahts: [\"src/**\"]\n",
        "workflows:\n  - name: checkout\n",
        "always:\n  - command: npm test\n",
        "rules:\n  sequencing/side-effect-in-transaction:\n    severity: critical\n",
        "knowledge:\n  go:\n    sinks: []\n",
        "knowledge:\n  js:\n    sinks:\n      - calls: [\"bus.emit\"]\n        kind: pigeon\n        label: bus\n",
        "knowledge:\n  js:\n    handlers:\n      - role: cron\n        calls: [\"cron.schedule\"]\n",
        "ignore: \"scripts/**\"\n",
    ];
    for text in broken {
        assert!(
            Config::parse(text, ".handoff.yml").is_err(),
            "the loader accepts:\n{text}"
        );
        let (ok, output) = check(&[text.to_string()]);
        assert!(!ok, "the schema accepts:\n{text}\n{output}");
    }
}
