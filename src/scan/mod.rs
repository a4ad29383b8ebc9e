//! The pipeline: a change → parsed file versions → findings on head and base
//! → new versus existing → a [`Report`].

mod all_files;
mod analyze;
mod callers;
mod collapse;
mod contract;
pub mod excerpt;
mod fingerprint;
mod helpers;
mod inventory;
mod memory;
mod novelty;
mod prefilter;
mod repository_helpers;
mod request_transactions;
mod response_callers;
mod retry_callers;
mod suppression;
mod upward;

pub use all_files::{AllFilesScan, scan_all_files};
pub use analyze::{AnalyzedVersion, analyze_version, check_version};
pub use fingerprint::fingerprint;
pub use inventory::{SuppressionEntry, SuppressionInventory, suppression_inventory};
pub use prefilter::Prefilter;
pub use suppression::{Suppression, suppressions};

use crate::config::Config;
use crate::diff::{self, ChangeSet, ChangedFile, DiffError, Target};
use crate::flow::derived::Summary;
use crate::knowledge::KnowledgeError;
use crate::lang::PARSER_STACK_BYTES;
use crate::model::{FileModel, Language};
use crate::rules::{Class, Confidence, RawFinding, Severity};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// A directory inside the repository.
    pub repo: PathBuf,
    /// The base revision; `None` for the default base.
    pub base: Option<String>,
    /// What the base is compared with.
    pub target: Target,
    /// An explicit configuration file.
    pub config: Option<PathBuf>,
    /// Report existing findings too.
    pub all: bool,
    /// Leave out findings below this confidence (`Low`: report everything).
    pub min_confidence: Confidence,
}

/// Why a scan could not run. Each message is one line with the fix.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Git could not produce the change.
    #[error(transparent)]
    Diff(#[from] DiffError),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(#[from] KnowledgeError),
    /// The parser threads could not start.
    #[error("cannot start parser threads: {0}; lower RAYON_NUM_THREADS")]
    Threads(String),
    /// A whole-repository scan was asked for the index.
    #[error(
        "--all-files scans a revision (--head REV) or the work tree, not the index: drop --staged"
    )]
    IndexNotScannable,
}

/// Whether a finding is introduced by the change.
#[derive(Debug, Clone, Copy, PartialEq, Hash, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Introduced by the change.
    New,
    /// Present before the change (reported with `--all`).
    Existing,
}

/// A location related to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RelatedLocation {
    /// Repository-relative path.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is there.
    pub message: String,
}

/// A reported finding (the JSON contract `handoff/v1`).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Finding {
    /// Rule id.
    pub rule: String,
    /// Failure class.
    pub class: Class,
    /// Severity.
    pub severity: Severity,
    /// How sure the evidence is (`high`, `medium`, `low`).
    pub confidence: Confidence,
    /// New or existing.
    pub status: Status,
    /// Repository-relative path of the head version.
    pub path: String,
    /// 1-based start line.
    pub line: u32,
    /// 1-based start column.
    pub column: u32,
    /// 1-based end line.
    pub end_line: u32,
    /// 1-based column one past the end.
    pub end_column: u32,
    /// What is wrong, specifically.
    pub message: String,
    /// The reviewer's questions, specific to the code.
    pub questions: Vec<String>,
    /// Related locations.
    pub related: Vec<RelatedLocation>,
    /// Stable fingerprint (no line numbers in it).
    pub fingerprint: String,
    /// The enclosing function path.
    pub function: String,
    /// Findings of this rule on this line, this one included: more than one
    /// when several were collapsed into it (generated or minified code).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub occurrences: u32,
    /// The source lines of the span, each cut to a window of a few hundred
    /// characters (see [`excerpt`]; for text output, not serialised).
    #[serde(skip)]
    pub source_lines: Vec<String>,
    /// Characters of the first source line cut before its window (the
    /// window then starts with [`excerpt::CUT`]).
    #[serde(skip)]
    pub source_cut: u32,
}

fn one() -> u32 {
    1
}

fn is_one(count: &u32) -> bool {
    *count == 1
}

/// Counters of a run.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Files the change touches.
    pub files_changed: usize,
    /// File versions parsed and checked (a touched file counts once).
    pub files_analyzed: usize,
    /// Touched files whose head version had syntax errors.
    pub parse_errors: usize,
    /// Untouched files parsed for the contract rules' repository index
    /// (those that mention a topic, route or type the change touches).
    pub files_indexed: usize,
    /// Untouched files read because a touched file imports helpers from them
    /// (in a whole-repository scan: files read for the helpers of the
    /// scanned files with findings).
    pub helper_files: usize,
    /// Wall time of the scan.
    pub elapsed_ms: u128,
    /// Files actually parsed, set by whole-repository scans (`--all-files`),
    /// which skip the files whose text cannot trigger any enabled rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_parsed: Option<usize>,
}

/// One touched source file after analysis (for the checklist and the gate).
#[derive(Debug)]
pub struct AnalyzedFile {
    /// Head path (base path for a deleted file).
    pub path: String,
    /// The file's language.
    pub language: Language,
    /// The change as git sees it.
    pub change: ChangedFile,
    /// The head model (`None` for a deleted file).
    pub head: Option<FileModel>,
    /// The base model (`None` for an added file).
    pub base: Option<FileModel>,
    /// The project helpers the head version imports from other files,
    /// summarised, by the name it calls them.
    pub head_helpers: Vec<(String, Summary)>,
    /// The same for the base version.
    pub base_helpers: Vec<(String, Summary)>,
}

/// The result of a scan.
#[derive(Debug)]
pub struct Report {
    /// Base commit sha.
    pub base: String,
    /// Head commit sha, `INDEX` or `WORKTREE`.
    pub head: String,
    /// Findings, sorted by path and position.
    pub findings: Vec<Finding>,
    /// One-line warnings (skipped files, parse errors, bad suppressions).
    pub warnings: Vec<String>,
    /// Counters.
    pub stats: Stats,
    /// The analysed files.
    pub files: Vec<AnalyzedFile>,
    /// Every path the change touches, source or not (both paths of a
    /// rename), sorted: what workflow `paths` globs are matched against.
    pub changed_paths: Vec<String>,
}

impl Report {
    /// The highest severity among new findings, or `None`.
    pub fn risk(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.status == Status::New)
            .map(|f| f.severity)
            .max()
    }

    /// The risk as the JSON contract spells it.
    pub fn risk_name(&self) -> &'static str {
        self.risk().map_or("none", Severity::as_str)
    }
}

/// Run a scan.
pub fn scan(options: &ScanOptions) -> Result<(Report, Config), ScanError> {
    let started = Instant::now();
    let wants = |path: &str| Language::from_path(path).is_some();
    // The built-in knowledge compiles while git computes the change.
    let change = std::thread::scope(|scope| {
        scope.spawn(crate::knowledge::KnowledgeBase::builtin);
        diff::compute(&diff::DiffRequest {
            repo: &options.repo,
            base: options.base.as_deref(),
            target: options.target.clone(),
            wants_contents: &wants,
        })
    })?;
    let mut config = Config::load(&change.repo_root, options.config.as_deref())?;
    // From the base, never the head: a change cannot mark its own code generated.
    config.set_attributes(&diff::gitattributes_at(
        &change.repo_root,
        Some(change.base.as_str()),
    ));
    let metadata = diff::distribution_metadata_above(
        &change.repo_root,
        Some(change.base.as_str()),
        change.files.iter().map(|file| file.path.as_str()),
    );
    config.set_installed_folders(crate::context::installed_package_folders(
        metadata.iter().map(String::as_str),
    ));
    let mut report = analyze_change(change, &config, options.all)?;
    report
        .findings
        .retain(|finding| finding.confidence >= options.min_confidence);
    report.stats.elapsed_ms = started.elapsed().as_millis();
    Ok((report, config))
}

/// Analyse a computed change (see [`scan`]).
pub fn analyze_change(change: ChangeSet, config: &Config, all: bool) -> Result<Report, ScanError> {
    let ChangeSet {
        repo_root,
        base,
        head,
        files,
        files_changed,
        changed_paths,
        mut warnings,
    } = change;
    let files: Vec<ChangedFile> = files
        .into_iter()
        .filter(|file| !config.is_ignored(&file.path))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(PARSER_STACK_BYTES)
        .build()
        .map_err(|e| ScanError::Threads(e.to_string()))?;
    let scope = contract::RepositoryScope {
        root: &repo_root,
        base: &base,
        head: &head,
    };
    let config = with_request_transactions(config, &files, &scope, &mut warnings);
    let config = config.as_ref();
    let helper_index =
        pool.install(|| helpers::imported_helpers(&files, &scope, config, &mut warnings));
    let analysed: Vec<FileOutcome> = pool.install(|| {
        files
            .into_par_iter()
            .filter_map(|file| analyze_file(file, config, all, &helper_index))
            .collect()
    });
    let mut stats = Stats {
        files_changed,
        helper_files: helper_index.files_read,
        ..Stats::default()
    };
    let (mut findings, mut analyzed_files) = gather(analysed, &mut stats, &mut warnings);
    let changed = callers::changed_functions(&analyzed_files, config);
    let transaction_callers = callers::TransactionCallers::new(&changed, config);
    let response_callers = response_callers::ResponseCallers::new(&changed, config);
    let retry_callers = retry_callers::RetryCallers::new(&changed, config);
    findings.extend(upward::upward_findings(
        &[&transaction_callers, &response_callers, &retry_callers],
        &analyzed_files,
        &scope,
        config,
        &mut warnings,
    ));
    let repository = contract::contract_pass(&scope, config, &analyzed_files, &pool);
    findings.extend(
        repository
            .findings
            .into_iter()
            .filter(|finding| config.path_context(&finding.path).is_production()),
    );
    warnings.extend(repository.warnings);
    stats.files_indexed = repository.files_indexed;
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule).cmp(&(&b.path, b.line, b.column, &b.rule))
    });
    let findings = collapse::collapse_copies(collapse::collapse_per_line(findings));
    analyzed_files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Report {
        base,
        head,
        findings,
        warnings,
        stats,
        files: analyzed_files,
        changed_paths,
    })
}

/// The configuration with Django's `ATOMIC_REQUESTS` read from the
/// settings, when Python is touched and the settings turn it on.
fn with_request_transactions<'c>(
    config: &'c Config,
    files: &[ChangedFile],
    scope: &contract::RepositoryScope<'_>,
    warnings: &mut Vec<String>,
) -> std::borrow::Cow<'c, Config> {
    let touches_python = files
        .iter()
        .any(|f| Language::from_path(&f.path) == Some(Language::Python));
    match touches_python
        .then(|| request_transactions::find(scope, warnings))
        .flatten()
    {
        Some(fact) => {
            let mut owned = config.clone();
            owned.knowledge.set_request_transactions(fact);
            std::borrow::Cow::Owned(owned)
        }
        None => std::borrow::Cow::Borrowed(config),
    }
}

/// Every file's findings and model, counting files and parse errors and
/// warning about what was not analysed.
fn gather(
    analysed: Vec<FileOutcome>,
    stats: &mut Stats,
    warnings: &mut Vec<String>,
) -> (Vec<Finding>, Vec<AnalyzedFile>) {
    let mut findings = Vec::new();
    let mut analyzed_files = Vec::new();
    for outcome in analysed {
        stats.files_analyzed += 1;
        if outcome.parse_errors > 0 {
            stats.parse_errors += 1;
            warnings.push(format!(
                "{}: {} syntax error{} — analysed what parsed",
                outcome.file.path,
                outcome.parse_errors,
                if outcome.parse_errors == 1 { "" } else { "s" }
            ));
        }
        if outcome.truncated {
            warnings.push(format!(
                "{}: nesting deeper than {} levels was not analysed",
                outcome.file.path,
                crate::lang::MAX_MODEL_DEPTH
            ));
        }
        warnings.extend(outcome.warnings);
        findings.extend(outcome.findings);
        analyzed_files.push(outcome.file);
    }
    (findings, analyzed_files)
}

struct FileOutcome {
    file: AnalyzedFile,
    findings: Vec<Finding>,
    warnings: Vec<String>,
    parse_errors: usize,
    truncated: bool,
}

fn analyze_file(
    change: ChangedFile,
    config: &Config,
    all: bool,
    helpers: &helpers::HelperIndex,
) -> Option<FileOutcome> {
    let language = Language::from_path(&change.path)?;
    let path = change.path.clone();
    // Both versions in parallel: a pull request touches few files, and one
    // big file would otherwise keep a core idle. The base is only parsed:
    // its findings matter only to tell new head findings from existing ones.
    let (head, base_model) = rayon::join(
        || {
            change.head_text.as_deref().map(|text| {
                let model = crate::lang::parse(language, text);
                check_version(language, &path, text, model, config, helpers.head(&path))
            })
        },
        || {
            change
                .base_text
                .as_deref()
                .map(|text| crate::lang::parse(language, text))
        },
    );
    let touches: Vec<novelty::Touch> = head.as_ref().map_or_else(Vec::new, |h| {
        h.findings
            .iter()
            .map(|(raw, _)| novelty::touch(raw, &h.model, &change))
            .collect()
    });
    // A finding the change does not touch is existing whatever the base says:
    // the base is checked only when the change touches some head finding.
    let (base, base_findings): (Option<FileModel>, Vec<RawFinding>) =
        match (base_model, change.base_text.as_deref()) {
            (Some(model), Some(text)) if touches.iter().any(|t| t.any()) => {
                let checked =
                    check_version(language, &path, text, model, config, helpers.base(&path));
                let raws = checked.findings.into_iter().map(|(raw, _)| raw).collect();
                (Some(checked.model), raws)
            }
            (model, _) => (model, Vec::new()),
        };
    let mut findings = Vec::new();
    let mut warnings = Vec::new();
    if let (Some(head), Some(text)) = (&head, change.head_text.as_deref()) {
        warnings.extend(head.warnings.iter().cloned());
        let head_raws: Vec<&RawFinding> = head.findings.iter().map(|(raw, _)| raw).collect();
        let base_raws: Vec<&RawFinding> = base_findings.iter().collect();
        let statuses = novelty::classify(&head_raws, &touches, &base_raws);
        for ((raw, print), status) in head.findings.iter().zip(statuses) {
            if status == Status::Existing && !all {
                continue;
            }
            findings.push(to_finding(raw, print, status, &path, text));
        }
    }
    let parse_errors = head.as_ref().map_or(0, |h| h.model.parse_errors);
    let truncated = head.as_ref().is_some_and(|h| h.model.truncated);
    Some(FileOutcome {
        findings,
        warnings,
        parse_errors,
        truncated,
        file: AnalyzedFile {
            head_helpers: helpers.head(&path).to_vec(),
            base_helpers: helpers.base(&path).to_vec(),
            path,
            language,
            head: head.map(|h| h.model),
            base,
            change,
        },
    })
}

fn to_finding(raw: &RawFinding, print: &str, status: Status, path: &str, text: &str) -> Finding {
    let quoted = excerpt::excerpt(text, &raw.span);
    Finding {
        rule: raw.rule.as_str().to_string(),
        class: raw.rule.class(),
        severity: raw.severity,
        confidence: raw.confidence,
        status,
        path: path.to_string(),
        line: raw.span.start_line,
        column: raw.span.start_col,
        end_line: raw.span.end_line,
        end_column: raw.span.end_col,
        message: excerpt::clip_message(&raw.message),
        questions: raw
            .questions
            .iter()
            .map(|q| excerpt::clip_message(q))
            .collect(),
        related: raw
            .related
            .iter()
            .map(|r| RelatedLocation {
                path: r.path.clone().unwrap_or_else(|| path.to_string()),
                line: r.span.start_line,
                column: r.span.start_col,
                message: excerpt::clip_message(&r.message),
            })
            .collect(),
        fingerprint: print.to_string(),
        function: excerpt::clip_message(&raw.function),
        occurrences: 1,
        source_lines: quoted.lines,
        source_cut: quoted.cut,
    }
}

/// Analyse one source text with every enabled rule (fixtures, benches).
pub fn analyze_source(path: &Path, source: &str, config: &Config) -> Option<AnalyzedVersion> {
    let display = path.to_string_lossy().replace('\\', "/");
    let language = Language::from_path(&display)?;
    Some(analyze_version(language, &display, source, config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;
    use crate::rules::RuleId;

    #[test]
    fn a_finding_is_in_the_class_its_rule_id_names() {
        for (id, class) in [
            ("rejection/unchecked-response", Class::Rejection),
            ("idempotency/retry-without-key", Class::Idempotency),
            ("contract/field-renamed", Class::Contract),
        ] {
            let raw = RawFinding {
                rule: RuleId::new(id),
                severity: Severity::High,
                confidence: Confidence::High,
                span: Span::default(),
                function: "send".to_string(),
                trigger_text: "post(x)".to_string(),
                message: String::new(),
                questions: Vec::new(),
                related: Vec::new(),
            };
            let finding = to_finding(&raw, "print", Status::New, "src/a.js", "post(x)\n");
            assert_eq!(finding.class, class, "{id}");
        }
    }
}
