//! `.handoff.yml`: rule settings, extra knowledge, ignored paths, workflows.
//!
//! Loaded once, validated whole; every error is `file:line:column: message`.

use crate::knowledge::{KnowledgeBase, KnowledgeError, Pack};
use crate::model::Ecosystem;
use crate::rules::{Severity, find_rule};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The default configuration file name, at the repository root.
pub const CONFIG_FILE: &str = ".handoff.yml";

/// `.handoff.yml` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Per-rule settings, keyed by rule id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    /// Paths (globs) never analysed.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Extra knowledge per ecosystem (same shape as `rules/*.yaml`).
    #[serde(default)]
    pub knowledge: BTreeMap<Ecosystem, Pack>,
    /// Named critical workflows.
    #[serde(default)]
    pub workflows: Vec<Workflow>,
    /// Suites that run on every change.
    #[serde(default)]
    pub always: Vec<Suite>,
}

/// Settings of one rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    /// `false` turns the rule off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Overrides the rule's severity.
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// A named critical workflow (checkout → fulfillment).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    /// The workflow's name (`checkout`).
    pub name: String,
    /// What "done" means for it, in business terms.
    #[serde(default)]
    pub description: Option<String>,
    /// Globs of the paths that belong to it.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Side-effect topic patterns that belong to it (`order.*`).
    #[serde(default)]
    pub topics: Vec<String>,
    /// The CI suite that verifies it.
    #[serde(default)]
    pub suite: Option<Suite>,
    /// Findings at or above this severity in the workflow select its suite.
    #[serde(default)]
    pub threshold: Option<Severity>,
}

/// A CI test suite.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The suite's name.
    pub name: String,
    /// The command that runs it, if Handoff should print it.
    #[serde(default)]
    pub command: Option<String>,
}

/// The effective configuration: settings resolved, knowledge compiled.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file as written (defaults when there is none).
    pub file: ConfigFile,
    /// Built-in knowledge extended by the file's.
    pub knowledge: KnowledgeBase,
    ignore: GlobSet,
}

impl Config {
    /// Built-in knowledge and no user settings.
    pub fn builtin() -> Result<Config, KnowledgeError> {
        Config::from_file(ConfigFile::default(), "", CONFIG_FILE)
    }

    /// Load `path` if given, else `<repo_root>/.handoff.yml` if present.
    pub fn load(repo_root: &Path, path: Option<&Path>) -> Result<Config, KnowledgeError> {
        let (file_path, required) = match path {
            Some(path) => (path.to_path_buf(), true),
            None => (repo_root.join(CONFIG_FILE), false),
        };
        let display = file_path
            .strip_prefix(repo_root)
            .unwrap_or(&file_path)
            .display()
            .to_string();
        let source = match std::fs::read(&file_path) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| KnowledgeError {
                file: display.clone(),
                line: 1,
                column: 1,
                message: "the file is not valid UTF-8: save it as UTF-8".to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Config::builtin();
            }
            Err(e) => {
                return Err(KnowledgeError {
                    file: display,
                    line: 1,
                    column: 1,
                    message: format!("cannot read the configuration: {e}"),
                });
            }
        };
        Config::parse(&source, &display)
    }

    /// Parse configuration text (`file` names it in errors).
    pub fn parse(source: &str, file: &str) -> Result<Config, KnowledgeError> {
        let parsed: ConfigFile = if source.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_norway::from_str(source).map_err(|e| KnowledgeError::from_yaml(file, &e))?
        };
        Config::from_file(parsed, source, file)
    }

    fn from_file(file: ConfigFile, source: &str, name: &str) -> Result<Config, KnowledgeError> {
        for id in file.rules.keys() {
            if find_rule(id).is_none() {
                return Err(KnowledgeError::at_text(
                    name,
                    source,
                    id,
                    format!("unknown rule `{id}`: `handoff rules` lists the rule ids"),
                ));
            }
        }
        let mut knowledge = KnowledgeBase::builtin()?;
        for (ecosystem, pack) in &file.knowledge {
            if pack.ecosystem.is_some_and(|e| e != *ecosystem) {
                return Err(KnowledgeError::at_text(
                    name,
                    source,
                    "ecosystem:",
                    "`ecosystem` inside `knowledge.<ecosystem>` must match its key; remove it"
                        .to_string(),
                ));
            }
            knowledge.add_pack(*ecosystem, name, source, pack)?;
        }
        let ignore = compile_globs(name, source, &file.ignore)?;
        for workflow in &file.workflows {
            compile_globs(name, source, &workflow.paths)?;
        }
        Ok(Config {
            file,
            knowledge,
            ignore,
        })
    }

    /// Whether a repository path is ignored by `ignore:`.
    pub fn is_ignored(&self, path: &str) -> bool {
        self.ignore.is_match(path)
    }

    /// Whether a rule is enabled.
    pub fn rule_enabled(&self, id: &str) -> bool {
        self.file
            .rules
            .get(id)
            .and_then(|s| s.enabled)
            .unwrap_or(true)
    }

    /// The severity override of a rule, if any.
    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        self.file.rules.get(id).and_then(|s| s.severity)
    }
}

/// Compile path globs; a bad one is an error at its location.
pub fn compile_globs(
    file: &str,
    source: &str,
    globs: &[String],
) -> Result<GlobSet, KnowledgeError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = Glob::new(glob).map_err(|e| {
            KnowledgeError::at_text(
                file,
                source,
                glob,
                format!("invalid path glob `{glob}`: {}", e.kind()),
            )
        })?;
        builder.add(compiled);
    }
    builder.build().map_err(|e| KnowledgeError {
        file: file.to_string(),
        line: 1,
        column: 1,
        message: format!("invalid path globs: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_knowledge_extends_builtin_packs() {
        let config = Config::parse(
            "knowledge:\n  js:\n    sinks:\n      - calls: [\"notifier.announce\"]\n        kind: event\n        label: our bus\n",
            CONFIG_FILE,
        )
        .expect("valid config");
        let js = config.knowledge.for_ecosystem(Ecosystem::Js);
        let call = crate::model::Call {
            callee: "notifier.announce".into(),
            ..Default::default()
        };
        assert_eq!(js.sink(&call).map(|s| s.label.as_str()), Some("our bus"));
    }

    #[test]
    fn unknown_rule_is_reported_at_its_line() {
        let error = Config::parse(
            "rules:\n  sequencing/nope:\n    enabled: false\n",
            CONFIG_FILE,
        )
        .expect_err("unknown rule");
        assert_eq!((error.line, error.column), (2, 3));
        assert!(error.message.contains("handoff rules"));
    }

    #[test]
    fn yaml_syntax_error_has_line_and_column() {
        let error = Config::parse("ignore:\n  - 'a\n", CONFIG_FILE).expect_err("broken yaml");
        assert_eq!(error.file, CONFIG_FILE);
        assert!(error.line >= 2, "{error}");
    }
}
