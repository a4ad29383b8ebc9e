//! `.handoff.yml`: rule settings, extra knowledge, ignored paths, workflows.
//!
//! Loaded once, validated whole; every error is `file:line:column: message`.

use crate::context::{LinguistAttributes, PathContext};
use crate::knowledge::{CallPattern, KnowledgeBase, KnowledgeError, Pack};
use crate::model::{Ecosystem, Language};
use crate::rules::{Severity, find_rule};
use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The default configuration file name, at the repository root.
pub const CONFIG_FILE: &str = ".handoff.yml";

/// `.handoff.yml` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Per-rule settings, keyed by rule id (each at most once).
    #[serde(default, deserialize_with = "unique_keys")]
    pub rules: BTreeMap<String, RuleSetting>,
    /// Paths (globs) never analysed.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Extra knowledge per ecosystem (same shape as `rules/*.yaml`).
    #[serde(default, deserialize_with = "unique_keys")]
    pub knowledge: BTreeMap<Ecosystem, Pack>,
    /// Named critical workflows.
    #[serde(default)]
    pub workflows: Vec<Workflow>,
    /// Suites that run on every change.
    #[serde(default)]
    pub always: Vec<Suite>,
    /// Which paths count as production code (tests, examples, generated
    /// and vendored code are quiet by default).
    #[serde(default)]
    pub context: ContextSetting,
}

/// A map whose keys appear once: a second entry for the same rule or
/// ecosystem is an error, as a duplicate field is.
fn unique_keys<'de, D, K, V>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: Deserialize<'de> + Ord + std::fmt::Debug,
    V: Deserialize<'de>,
{
    struct Unique<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K, V> serde::de::Visitor<'de> for Unique<K, V>
    where
        K: Deserialize<'de> + Ord + std::fmt::Debug,
        V: Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<K>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate entry {key:?}: keep one"
                    )));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_map(Unique(std::marker::PhantomData))
}

/// `context:` — overrides of the production / not-production decision.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSetting {
    /// Globs analysed as production even where a convention or
    /// `.gitattributes` says otherwise (`examples/**`).
    #[serde(default)]
    pub production: Vec<String>,
    /// Further globs that are not production (`scripts/dev/**`).
    #[serde(default)]
    pub quiet: Vec<String>,
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
    /// `context.production` and `context.quiet`, compiled.
    context_production: GlobSet,
    context_quiet: GlobSet,
    /// `linguist-generated` / `linguist-vendored` of the analysed revision.
    attributes: LinguistAttributes,
    /// Folders of installed third-party distributions
    /// ([`crate::context::installed_package_folders`]), each with a
    /// trailing `/`.
    installed_folders: Vec<String>,
    /// The compiled `paths` and `topics` of each workflow, in file order.
    workflow_matchers: Vec<WorkflowMatcher>,
    /// How the file is named in messages (`.handoff.yml`).
    file_name: String,
    /// The 1-based line of the `always:` key, when the file has one.
    always_line: Option<usize>,
}

/// The compiled `paths` globs and `topics` patterns of one workflow, each
/// kept with its text so that a selection can say which one matched.
#[derive(Debug, Clone)]
struct WorkflowMatcher {
    paths: Vec<(String, GlobMatcher)>,
    topics: Vec<(String, CallPattern)>,
}

/// The largest configuration file read (a real one is a few KB).
pub const MAX_CONFIG_BYTES: u64 = 256 * 1024;

/// The deepest `[`/`{` nesting a configuration may have (a real one has
/// three or four levels; a hostile one can make the YAML parser spin).
pub const MAX_CONFIG_NESTING: usize = 32;

/// Refuse a configuration file that is a symbolic link (it could make
/// Handoff read, and echo, a file outside the repository) or too large.
/// A missing file is left to the caller.
fn refuse_link_or_oversize(path: &Path, display: &str) -> Result<(), KnowledgeError> {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let refuse = |message: String| KnowledgeError {
        file: display.to_string(),
        line: 1,
        column: 1,
        message,
    };
    if metadata.file_type().is_symlink() {
        return Err(refuse(
            "the configuration is a symbolic link, which Handoff does not follow: commit the file itself".to_string(),
        ));
    }
    if metadata.len() > MAX_CONFIG_BYTES {
        return Err(refuse(format!(
            "the configuration is {} bytes, over the {MAX_CONFIG_BYTES}-byte limit: keep it to settings, packs and workflows",
            metadata.len()
        )));
    }
    Ok(())
}

/// Size and nesting limits, checked on the text before it is parsed.
fn check_shape(source: &str, file: &str) -> Result<(), KnowledgeError> {
    let refuse = |offset: usize, message: String| {
        let before = &source[..offset];
        KnowledgeError {
            file: file.to_string(),
            line: before.matches('\n').count() + 1,
            column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
            message,
        }
    };
    if source.len() as u64 > MAX_CONFIG_BYTES {
        return Err(refuse(
            0,
            format!(
                "the configuration is {} bytes, over the {MAX_CONFIG_BYTES}-byte limit: keep it to settings, packs and workflows",
                source.len()
            ),
        ));
    }
    match too_deep(source) {
        Some(offset) => Err(refuse(
            offset,
            format!("nesting deeper than {MAX_CONFIG_NESTING} levels: flatten the lists and maps"),
        )),
        None => Ok(()),
    }
}

/// The offset where `[`/`{` flow nesting or block nesting (indentation and
/// compact `- - -` sequences) goes past [`MAX_CONFIG_NESTING`] levels, if it
/// does. A small YAML lexer: quoted scalars and comments are skipped, a
/// quote or a bracket only counts where a node starts, as in YAML.
fn too_deep(source: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Code,
        Single,
        Double,
        Escape,
        Comment,
    }
    let mut state = In::Code;
    let (mut flow, mut column, mut previous) = (0usize, 0usize, '\n');
    let mut node_start = true;
    let mut line_start = true;
    let mut blocks: Vec<usize> = Vec::new();
    let mut chars = source.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let next = chars.peek().map_or('\n', |&(_, n)| n);
        column = if previous == '\n' { 0 } else { column + 1 };
        let before = std::mem::replace(&mut previous, c);
        match state {
            In::Single if c == '\'' => {
                (state, node_start) = (In::Code, false);
                continue;
            }
            In::Double if c == '"' => {
                (state, node_start) = (In::Code, false);
                continue;
            }
            In::Double if c == '\\' => {
                state = In::Escape;
                continue;
            }
            In::Escape => {
                state = In::Double;
                continue;
            }
            In::Single | In::Double => continue,
            In::Comment if c != '\n' => continue,
            In::Comment | In::Code => state = In::Code,
        }
        if c == '\n' {
            (line_start, node_start) = (true, true);
            continue;
        }
        if line_start && c != ' ' {
            line_start = false;
            if c != '#' && flow == 0 && open_block(&mut blocks, column) {
                return Some(offset);
            }
        }
        let indicator = next == ' ' || next == '\n' || next == '\r';
        match c {
            ' ' | '\t' | '\r' => {}
            '#' if before == ' ' || before == '\t' || before == '\n' => state = In::Comment,
            '\'' if node_start => state = In::Single,
            '"' if node_start => state = In::Double,
            '[' | '{' if node_start || flow > 0 => {
                flow += 1;
                if flow > MAX_CONFIG_NESTING {
                    return Some(offset);
                }
            }
            ']' | '}' if flow > 0 => (flow, node_start) = (flow - 1, false),
            ',' if flow > 0 => node_start = true,
            '-' | '?' if node_start && indicator && flow == 0 => {
                if open_block(&mut blocks, column + 2) {
                    return Some(offset);
                }
            }
            ':' if indicator || flow > 0 => node_start = true,
            _ => node_start = false,
        }
    }
    None
}

/// Open a block at `column` (closing those at or right of it); whether the
/// blocks now go past [`MAX_CONFIG_NESTING`].
fn open_block(blocks: &mut Vec<usize>, column: usize) -> bool {
    while blocks.last().is_some_and(|&open| open >= column) {
        blocks.pop();
    }
    blocks.push(column);
    blocks.len() > MAX_CONFIG_NESTING
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
        refuse_link_or_oversize(&file_path, &display)?;
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

    /// Parse configuration text (`file` names it in errors). The size and
    /// the nesting are checked before the YAML parser sees the text.
    pub fn parse(source: &str, file: &str) -> Result<Config, KnowledgeError> {
        check_shape(source, file)?;
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
        let context_production = compile_globs(name, source, &file.context.production)?;
        let context_quiet = compile_globs(name, source, &file.context.quiet)?;
        let workflow_matchers = validate_workflows(&file, source, name)?;
        let always_line = source
            .lines()
            .position(|line| line.starts_with("always:"))
            .map(|index| index + 1);
        Ok(Config {
            file,
            knowledge,
            ignore,
            context_production,
            context_quiet,
            attributes: LinguistAttributes::default(),
            installed_folders: Vec::new(),
            workflow_matchers,
            file_name: name.to_string(),
            always_line,
        })
    }

    /// The first `paths` glob of the workflow at `index` of `workflows:` that
    /// matches a repository path, if any.
    pub fn workflow_path_glob(&self, index: usize, path: &str) -> Option<&str> {
        self.workflow_matchers
            .get(index)?
            .paths
            .iter()
            .find(|(_, glob)| glob.is_match(path))
            .map(|(text, _)| text.as_str())
    }

    /// The first `topics` pattern of the workflow at `index` that matches a
    /// side-effect topic (`order.*` for `order.created`), if any.
    pub fn workflow_topic_pattern(&self, index: usize, topic: &str) -> Option<&str> {
        self.workflow_matchers
            .get(index)?
            .topics
            .iter()
            .find(|(_, pattern)| pattern.matches(topic))
            .map(|(text, _)| text.as_str())
    }

    /// How the configuration file is named in messages (`.handoff.yml`).
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The 1-based line of the file's `always:` key, if it has one.
    pub fn always_line(&self) -> Option<usize> {
        self.always_line
    }

    /// Take `linguist-generated` / `linguist-vendored` from the root
    /// `.gitattributes` text of the revision the analysis trusts (the base of
    /// a change, the scanned revision of `--all-files`; never a pull
    /// request's head, which could silence its own findings).
    pub fn set_attributes(&mut self, gitattributes: &str) {
        self.attributes = LinguistAttributes::parse(gitattributes);
    }

    /// Take the folders that hold installed third-party distributions, found
    /// in the revision the analysis trusts (as for [`Config::set_attributes`]).
    pub fn set_installed_folders(&mut self, folders: impl IntoIterator<Item = String>) {
        self.installed_folders = folders.into_iter().map(|folder| folder + "/").collect();
    }

    /// What kind of code a repository path holds: `context.production` wins,
    /// then `context.quiet`, `.gitattributes`, folders of installed
    /// distributions, and the folder and file-name conventions. Rules report
    /// only on [`PathContext::Production`].
    pub fn path_context(&self, path: &str) -> PathContext {
        if self.context_production.is_match(path) {
            return PathContext::Production;
        }
        if self.context_quiet.is_match(path) {
            return PathContext::Configured;
        }
        if let Some(context) = self.attributes.context(path) {
            return context;
        }
        if self
            .installed_folders
            .iter()
            .any(|folder| path.starts_with(folder.as_str()))
        {
            return PathContext::Vendored;
        }
        crate::context::by_convention(path)
    }

    /// Whether a production file's code runs in the browser
    /// ([`crate::context::runs_in_browser`]) and `context.production` does
    /// not name it: its findings rest on a UI call.
    pub fn runs_in_browser(&self, path: &str, language: Language, source: &str) -> bool {
        !self.context_production.is_match(path) && crate::context::runs_in_browser(language, source)
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

/// Check the `workflows` and `always` sections beyond their YAML shape and
/// compile each workflow's `paths` globs and `topics` patterns.
fn validate_workflows(
    file: &ConfigFile,
    source: &str,
    name: &str,
) -> Result<Vec<WorkflowMatcher>, KnowledgeError> {
    let mut seen = std::collections::HashSet::new();
    let mut matchers = Vec::with_capacity(file.workflows.len());
    for workflow in &file.workflows {
        let at =
            |needle: &str, message: String| KnowledgeError::at_text(name, source, needle, message);
        check_workflow(workflow, &mut seen, &at)?;
        matchers.push(workflow_matcher(workflow, &at)?);
    }
    check_suite_commands(file, source, name)?;
    if file.always.iter().any(|s| s.name.trim().is_empty()) {
        return Err(KnowledgeError::at_text(
            name,
            source,
            "always:",
            "every suite under `always` needs a non-empty `name`".to_string(),
        ));
    }
    Ok(matchers)
}

/// A workflow's name is given and unique, something can select it, and its
/// suite has a name.
fn check_workflow<'w>(
    workflow: &'w Workflow,
    seen: &mut std::collections::HashSet<&'w str>,
    at: &dyn Fn(&str, String) -> KnowledgeError,
) -> Result<(), KnowledgeError> {
    if workflow.name.trim().is_empty() {
        return Err(at(
            "name:",
            "a workflow needs a non-empty `name`".to_string(),
        ));
    }
    if !seen.insert(workflow.name.as_str()) {
        return Err(at(
            &workflow.name,
            format!(
                "workflow `{}` is defined twice: merge the two entries",
                workflow.name
            ),
        ));
    }
    if workflow.paths.is_empty() && workflow.topics.is_empty() {
        return Err(at(
            &workflow.name,
            format!(
                "workflow `{}` has neither `paths` nor `topics`, so no change can ever select it: add at least one",
                workflow.name
            ),
        ));
    }
    if let Some(suite) = &workflow.suite
        && suite.name.trim().is_empty()
    {
        return Err(at(
            "suite:",
            format!(
                "the suite of workflow `{}` needs a non-empty `name`",
                workflow.name
            ),
        ));
    }
    Ok(())
}

/// A workflow's path globs and topic patterns, compiled.
fn workflow_matcher(
    workflow: &Workflow,
    at: &dyn Fn(&str, String) -> KnowledgeError,
) -> Result<WorkflowMatcher, KnowledgeError> {
    let mut paths = Vec::with_capacity(workflow.paths.len());
    for glob in &workflow.paths {
        let compiled = Glob::new(glob)
            .map_err(|e| at(glob, format!("invalid path glob `{glob}`: {}", e.kind())))?;
        paths.push((glob.clone(), compiled.compile_matcher()));
    }
    let mut topics = Vec::with_capacity(workflow.topics.len());
    for pattern in &workflow.topics {
        let compiled = CallPattern::new(pattern).map_err(|error| {
            at(
                pattern,
                format!("invalid topic pattern `{pattern}`: {error}; write segments separated by `.`, with `*`, `**` and `{{a,b}}`"),
            )
        })?;
        topics.push((pattern.clone(), compiled));
    }
    Ok(WorkflowMatcher { paths, topics })
}

/// A suite named twice runs one command: two different commands under one
/// name is an error.
fn check_suite_commands(file: &ConfigFile, source: &str, name: &str) -> Result<(), KnowledgeError> {
    let suites = file
        .workflows
        .iter()
        .filter_map(|w| w.suite.as_ref())
        .chain(file.always.iter());
    let mut commands: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for suite in suites {
        let Some(command) = suite.command.as_deref() else {
            continue;
        };
        match commands.get(suite.name.as_str()) {
            Some(first) if *first != command => {
                return Err(KnowledgeError::at_text(
                    name,
                    source,
                    command,
                    format!(
                        "suite `{}` has two different commands (`{first}` and `{command}`): give the suites different names or the same command",
                        suite.name
                    ),
                ));
            }
            _ => {
                commands.insert(suite.name.as_str(), command);
            }
        }
    }
    Ok(())
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
    fn deep_flow_nesting_is_refused_before_parsing_and_fast() {
        let hostile = format!("rules: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let started = std::time::Instant::now();
        let error = Config::parse(&hostile, CONFIG_FILE).expect_err("too deep");
        assert!(
            started.elapsed().as_millis() < 500,
            "{:?}",
            started.elapsed()
        );
        assert_eq!((error.line, error.column), (1, 8 + MAX_CONFIG_NESTING));
        assert!(
            error.message.contains("nesting deeper than 32 levels"),
            "{error}"
        );
    }

    #[test]
    fn deep_block_nesting_and_compact_sequences_are_refused() {
        let mut block = String::new();
        for level in 0..40 {
            block.push_str(&format!("{}k{level}:\n", "  ".repeat(level)));
        }
        assert!(Config::parse(&block, CONFIG_FILE).is_err());
        let compact = format!("ignore:\n  {}x\n", "- ".repeat(40));
        let error = Config::parse(&compact, CONFIG_FILE).expect_err("too deep");
        assert!(error.message.contains("nesting"), "{error}");
    }

    #[test]
    fn brackets_and_quotes_inside_values_are_not_nesting() {
        let source = "# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nignore:\n  - \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"\n  - '{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{'\n  - src/x[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]].js\n";
        assert_eq!(too_deep(source), None);
        assert_eq!(too_deep("a: it's\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n").map(|_| ()), Some(()));
    }

    #[test]
    fn a_rule_listed_twice_is_an_error_naming_it() {
        let source = "rules:\n  rejection/swallowed-error:\n    enabled: false\n  rejection/swallowed-error:\n    severity: high\n";
        let error = Config::parse(source, CONFIG_FILE).expect_err("duplicate");
        assert!(
            error
                .to_string()
                .contains("duplicate entry \"rejection/swallowed-error\": keep one"),
            "{error}"
        );
        // serde_yaml places a map's own errors at the map's first entry.
        assert_eq!((error.line, error.column), (2, 3), "{error}");
    }

    #[test]
    fn an_oversized_configuration_is_refused() {
        let big = format!("ignore:\n{}", "  - a\n".repeat(50_000));
        let error = Config::parse(&big, CONFIG_FILE).expect_err("too big");
        assert!(
            error.message.contains("over the 262144-byte limit"),
            "{error}"
        );
    }

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
    fn browser_code_is_judged_as_such_unless_named_production() {
        let page = "const base = window.location.origin;";
        let config =
            Config::parse("context:\n  production: ['web/**']\n", CONFIG_FILE).expect("valid");
        assert!(config.runs_in_browser("app/page.js", Language::JavaScript, page));
        assert!(!config.runs_in_browser("web/page.js", Language::JavaScript, page));
        assert!(!config.runs_in_browser("app/server.js", Language::JavaScript, "fetch(url);"));
    }

    #[test]
    fn context_overrides_the_conventions_both_ways() {
        let mut config = Config::parse(
            "context:\n  production: ['examples/shop/**']\n  quiet: ['scripts/dev/**']\n",
            CONFIG_FILE,
        )
        .expect("valid");
        config.set_attributes("client/*.ts linguist-generated\n");
        assert_eq!(
            config.path_context("examples/shop/app.js"),
            PathContext::Production
        );
        assert_eq!(
            config.path_context("examples/other/app.js"),
            PathContext::Example
        );
        assert_eq!(
            config.path_context("scripts/dev/seed.py"),
            PathContext::Configured
        );
        assert_eq!(config.path_context("client/api.ts"), PathContext::Generated);
        assert_eq!(config.path_context("src/app.ts"), PathContext::Production);
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

    #[test]
    fn workflow_topics_match_by_dot_segments() {
        let config = Config::parse(
            "workflows:\n  - name: checkout\n    topics: [\"order.*\", \"payments.**\"]\n",
            CONFIG_FILE,
        )
        .expect("valid config");
        assert_eq!(
            config.workflow_topic_pattern(0, "order.created"),
            Some("order.*")
        );
        assert_eq!(config.workflow_topic_pattern(0, "order.created.v2"), None);
        assert_eq!(
            config.workflow_topic_pattern(0, "payments.card.captured"),
            Some("payments.**")
        );
        assert_eq!(config.workflow_topic_pattern(1, "order.created"), None);
    }

    #[test]
    fn invalid_topic_pattern_is_reported_at_its_line() {
        let error = Config::parse(
            "workflows:\n  - name: checkout\n    topics:\n      - \"order.{created\"\n",
            CONFIG_FILE,
        )
        .expect_err("unclosed alternative");
        assert_eq!((error.line, error.column), (4, 10), "{error}");
        assert!(error.message.contains("topic pattern"), "{error}");
    }

    #[test]
    fn workflow_that_nothing_can_select_is_an_error() {
        let error = Config::parse(
            "workflows:\n  - name: checkout\n    threshold: high\n",
            CONFIG_FILE,
        )
        .expect_err("no paths, no topics");
        assert_eq!(error.line, 2, "{error}");
        assert!(
            error.message.contains("neither `paths` nor `topics`"),
            "{error}"
        );
    }

    #[test]
    fn duplicate_workflow_names_are_an_error() {
        let error = Config::parse(
            "workflows:\n  - name: checkout\n    paths: [a]\n  - name: checkout\n    paths: [b]\n",
            CONFIG_FILE,
        )
        .expect_err("duplicate");
        assert!(error.message.contains("defined twice"), "{error}");
    }

    #[test]
    fn one_suite_with_two_commands_is_an_error() {
        let error = Config::parse(
            "workflows:\n  - name: a\n    paths: [a]\n    suite: { name: e2e, command: npm run e2e }\nalways:\n  - name: e2e\n    command: npm test\n",
            CONFIG_FILE,
        )
        .expect_err("conflicting commands");
        assert_eq!(error.line, 7, "{error}");
        assert!(error.message.contains("two different commands"), "{error}");
    }
}
