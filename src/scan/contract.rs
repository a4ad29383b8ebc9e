//! The repository-level pass: the contract rules compare the touched files
//! with each other and with the rest of the repository.
//!
//! Parsing a whole repository on every pull request would be slow, so the
//! rest of the repository is narrowed by literal text first: a file can only
//! consume a topic it names, call a route whose path it spells, or use a
//! type by its name. Two rounds: the topics, routes and type names of the
//! touched files; then the topics and routes of the files the first round
//! found (an untouched producer of a touched type leads to its consumers).
//! Only the files that contain one of these strings are parsed, in parallel.
//!
//! Untouched files are the same in base and head. They are read from the
//! work tree (walked with the `ignore` crate, so `.gitignore` is respected)
//! when the head is the work tree, and from the head commit (or, for the
//! index, the base commit) otherwise.

use super::analyze::apply_suppressions;
use super::{AnalyzedFile, Finding, Status, fingerprint, to_finding};
use crate::config::Config;
use crate::contract::ContractContext;
use crate::contract::{Needles, Prefilter, Relevance, SourceFile, TouchedFile};
use crate::diff::{self, MAX_FILE_BYTES};
use crate::lang;
use crate::model::{FileModel, Language};
use crate::rules::{LocatedFinding, Rule, repository_rules};
use rayon::ThreadPool;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

/// The base sha of an unborn HEAD (no untouched files exist).
const EMPTY_BASE: &str = "0000000000000000000000000000000000000000";

/// What the pass needs to know about the change.
pub(super) struct RepositoryScope<'a> {
    /// The repository's work tree.
    pub root: &'a Path,
    /// The base commit.
    pub base: &'a str,
    /// The head commit, `INDEX` or `WORKTREE`.
    pub head: &'a str,
}

/// The outcome of the pass.
pub(super) struct ContractOutcome {
    /// New findings of the repository rules.
    pub findings: Vec<Finding>,
    /// One-line warnings (an unreadable repository listing).
    pub warnings: Vec<String>,
    /// Untouched files parsed for the index.
    pub files_indexed: usize,
}

/// An untouched file read for the index.
struct Untouched {
    path: String,
    language: Language,
    text: String,
}

/// Run the repository rules over a change.
pub(super) fn contract_pass(
    scope: &RepositoryScope<'_>,
    config: &Config,
    analysed: &[AnalyzedFile],
    pool: &ThreadPool,
) -> ContractOutcome {
    let mut outcome = ContractOutcome {
        findings: Vec::new(),
        warnings: Vec::new(),
        files_indexed: 0,
    };
    let rules: Vec<_> = repository_rules()
        .filter(|(rule, _)| config.rule_enabled(rule.id().as_str()))
        .collect();
    if rules.is_empty() {
        return outcome;
    }
    let touched = touched_files(analysed, config);
    let mut relevance = pool.install(|| Relevance::of_change(&touched));
    if relevance.changes_nothing() {
        return outcome;
    }
    let mut untouched: Vec<(Untouched, FileModel)> = Vec::new();
    if !relevance.needles().is_empty() && scope.base != EMPTY_BASE {
        let skip: HashSet<&str> = analysed
            .iter()
            .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.change.old_path.as_deref()))
            .collect();
        match candidate_files(scope, config, &skip) {
            Ok(candidates) => {
                untouched = pool.install(|| index_files(candidates, &mut relevance, config));
            }
            Err(error) => outcome.warnings.push(format!(
                "contract rules: cannot list the repository's files ({error}); only the touched files were compared"
            )),
        }
    }
    outcome.files_indexed = untouched.len();
    let untouched_files: Vec<SourceFile<'_>> = untouched
        .iter()
        .map(|(file, model)| SourceFile {
            path: &file.path,
            language: file.language,
            source: &file.text,
            model,
            knowledge: config.knowledge.for_ecosystem(file.language.ecosystem()),
        })
        .collect();
    let endpoints = relevance.into_endpoints();
    let context =
        pool.install(|| ContractContext::with_endpoints(&touched, &untouched_files, endpoints));
    let mut located: Vec<(&dyn Rule, LocatedFinding)> = Vec::new();
    for (rule, repository) in rules {
        let mut found = Vec::new();
        repository.check_repository(&context, &mut found);
        located.extend(found.into_iter().map(|f| (rule, f)));
    }
    outcome.findings = to_findings(located, config, analysed);
    outcome
}

/// The touched files as the contract rules see them: base and head, each
/// under the head path (the identity of a renamed file).
fn touched_files<'a>(analysed: &'a [AnalyzedFile], config: &'a Config) -> Vec<TouchedFile<'a>> {
    analysed
        .iter()
        .map(|file| {
            let knowledge = config.knowledge.for_ecosystem(file.language.ecosystem());
            let version = |text: Option<&'a String>, model: Option<&'a FileModel>| {
                Some(SourceFile {
                    path: &file.path,
                    language: file.language,
                    source: text?,
                    model: model?,
                    knowledge,
                })
            };
            TouchedFile {
                base: version(file.change.base_text.as_ref(), file.base.as_ref()),
                head: version(file.change.head_text.as_ref(), file.head.as_ref()),
            }
        })
        .collect()
}

/// Every untouched source file of the head side, with its text.
fn candidate_files(
    scope: &RepositoryScope<'_>,
    config: &Config,
    skip: &HashSet<&str>,
) -> Result<Vec<Untouched>, String> {
    let wanted = |path: &str| {
        Language::from_path(path).is_some() && !skip.contains(path) && !config.is_ignored(path)
    };
    let files: Vec<(String, String)> = match scope.head {
        "WORKTREE" => return Ok(work_tree_files(scope.root, &wanted)),
        // Untouched files are the same on both sides; for the index the
        // base commit holds them.
        "INDEX" => diff::read_tree_files(scope.root, Some(scope.base), &wanted),
        commit => diff::read_tree_files(scope.root, Some(commit), &wanted),
    }
    .map_err(|e| e.to_string())?;
    Ok(files
        .into_iter()
        .filter_map(|(path, text)| {
            Some(Untouched {
                language: Language::from_path(&path)?,
                path,
                text,
            })
        })
        .collect())
}

/// The work tree's source files (`.gitignore`d and hidden ones left out),
/// read in parallel.
fn work_tree_files(root: &Path, wanted: &(dyn Fn(&str) -> bool + Sync)) -> Vec<Untouched> {
    let found = Mutex::new(Vec::new());
    ignore::WalkBuilder::new(root)
        .require_git(false)
        // Ignore files above the repository do not apply to it.
        .parents(false)
        // A nested repository (a submodule, a vendored checkout) is not part
        // of this one, as git sees it.
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_some_and(|t| t.is_dir())
                || !entry.path().join(".git").exists()
        })
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                let Ok(entry) = entry else {
                    return ignore::WalkState::Continue;
                };
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    return ignore::WalkState::Continue;
                }
                let Some(relative) = entry
                    .path()
                    .strip_prefix(root)
                    .ok()
                    .and_then(|p| p.to_str())
                    .map(|p| p.replace('\\', "/"))
                else {
                    return ignore::WalkState::Continue;
                };
                let Some(language) = Language::from_path(&relative) else {
                    return ignore::WalkState::Continue;
                };
                if !wanted(&relative) || entry.metadata().map_or(true, |m| m.len() > MAX_FILE_BYTES)
                {
                    return ignore::WalkState::Continue;
                }
                if let Ok(text) = std::fs::read_to_string(entry.path())
                    && let Ok(mut found) = found.lock()
                {
                    found.push(Untouched {
                        path: relative,
                        language,
                        text,
                    });
                }
                ignore::WalkState::Continue
            })
        });
    let mut files = found.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// How many times the files found widen the search.
const ROUNDS: usize = 3;

/// Parse the candidates that mention a needle; then those that mention what
/// the files found put in play (see [`Relevance::widen`]).
fn index_files(
    candidates: Vec<Untouched>,
    relevance: &mut Relevance,
    config: &Config,
) -> Vec<(Untouched, FileModel)> {
    let mut remaining = candidates;
    let mut indexed: Vec<(Untouched, FileModel)> = Vec::new();
    let mut round: Needles = relevance.needles().clone();
    for _ in 0..ROUNDS {
        if round.is_empty() || remaining.is_empty() {
            break;
        }
        let Some(matcher) = Prefilter::new(&round) else {
            break;
        };
        let (hits, rest): (Vec<Untouched>, Vec<Untouched>) = remaining
            .into_par_iter()
            .partition(|file| matcher.matches(&file.text));
        remaining = rest;
        let parsed: Vec<(Untouched, FileModel)> = hits
            .into_par_iter()
            .map(|file| {
                let model = lang::parse(file.language, &file.text);
                (file, model)
            })
            .collect();
        let found: Vec<SourceFile<'_>> = parsed
            .iter()
            .map(|(file, model)| SourceFile {
                path: &file.path,
                language: file.language,
                source: &file.text,
                model,
                knowledge: config.knowledge.for_ecosystem(file.language.ecosystem()),
            })
            .collect();
        round = relevance.widen(&found);
        drop(found);
        indexed.extend(parsed);
    }
    indexed
}

/// Severity overrides, suppressions and fingerprints; every contract finding
/// is new (it exists only because base and head differ).
fn to_findings(
    located: Vec<(&dyn Rule, LocatedFinding)>,
    config: &Config,
    analysed: &[AnalyzedFile],
) -> Vec<Finding> {
    let by_path: HashMap<&str, &AnalyzedFile> =
        analysed.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut grouped: HashMap<&str, Vec<(&dyn Rule, crate::rules::RawFinding)>> = HashMap::new();
    let mut paths = Vec::new();
    for (rule, found) in &located {
        let Some(file) = by_path.get(found.path.as_str()) else {
            continue;
        };
        let mut raw = found.finding.clone();
        if let Some(severity) = config.severity_override(rule.id().as_str()) {
            raw.severity = severity;
        }
        if !grouped.contains_key(file.path.as_str()) {
            paths.push(file.path.as_str());
        }
        grouped
            .entry(file.path.as_str())
            .or_default()
            .push((*rule, raw));
    }
    let mut findings = Vec::new();
    for path in paths {
        let (Some(file), Some(mut raws)) = (by_path.get(path), grouped.remove(path)) else {
            continue;
        };
        let (Some(model), Some(text)) = (&file.head, file.change.head_text.as_deref()) else {
            continue;
        };
        raws.sort_by_key(|(_, raw)| (raw.span.start_byte, raw.rule));
        let mut kept: Vec<crate::rules::RawFinding> =
            raws.into_iter().map(|(_, raw)| raw).collect();
        apply_suppressions(path, model, &mut kept);
        let mut occurrences: HashMap<(String, String, String), usize> = HashMap::new();
        for raw in kept {
            let count = occurrences
                .entry((
                    raw.rule.as_str().to_string(),
                    raw.function.clone(),
                    contract_trigger(&raw.trigger_text),
                ))
                .or_insert(0);
            let print = fingerprint(
                raw.rule.as_str(),
                path,
                &raw.function,
                &raw.trigger_text,
                *count,
            );
            *count += 1;
            findings.push(to_finding(&raw, &print, Status::New, path, text));
        }
    }
    findings
}

fn contract_trigger(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}
