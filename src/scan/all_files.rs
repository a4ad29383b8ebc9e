//! `handoff scan --all-files`: every supported file of a revision (`--head REV`)
//! or of the work tree (the default), for first adoption and audits.
//!
//! There is no change to compare with, so every finding is reported with
//! status `existing`, and the risk (which only new findings raise) is `none`;
//! the JSON `base` is the scanned commit itself (HEAD's for the work tree, 40
//! zeros while HEAD is unborn). Suppressions, `ignore:` globs, `.gitignore`
//! (work tree) and severity overrides apply as in diff mode.
//!
//! Files are read and analysed in parallel, in path order, and each finding
//! is handed on as soon as the files before it are done
//! ([`AllFilesScan::run`]): memory does not grow with the repository or with
//! the number of findings. A file whose text cannot trigger any enabled rule
//! is not parsed at all (see [`Prefilter`]); the others are parsed within a
//! budget of source bytes in flight at once, since parsing is what sets the
//! peak. The report carries no per-file models and no changed paths
//! ([`Report::files`] and [`Report::changed_paths`] are empty): the checklist
//! and the gate work on changes, and an audit selects no suites. The contract rules compare a
//! base with a head and do not run: an audit has no base.

use super::helpers::is_js_manifest;
use super::memory::{ParseBudget, configure_allocator, release_free_memory};
use super::prefilter::Prefilter;
use super::repository_helpers::RepositoryHelpers;
use super::{Finding, Report, ScanError, ScanOptions, Stats, Status, to_finding};
use crate::config::Config;
use crate::context::{installed_package_folders, is_distribution_metadata};
use crate::diff::{self, PathReader, Target};
use crate::flow::derived::Summary;
use crate::lang::{self, PARSER_STACK_BYTES};
use crate::model::Language;
use crate::rules::Confidence;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// A file whose parse leaves enough freed memory to hand back at once, and
/// is worth handing back what the other threads freed before it starts (so
/// that its peak adds to as little as possible).
const BIG_FILE_BYTES: usize = 32 * 1024;

/// How often (in files) freed memory is handed back otherwise.
const RELEASE_EVERY_FILES: usize = 64;

/// How many bytes of source the threads parse at the same time, at most (see
/// [`ParseBudget`]). Peak RSS of the benchmark scan: 33.3 MB with no budget,
/// 32.2 MB with 128 KiB (the 17 files above it, of 10,000, are parsed alone);
/// 192 KiB let two large files meet again (33.5 MB). What it costs: the other
/// thread idles while a file larger than the budget is parsed, about 4% more
/// wall time on 2 cores, no more CPU time.
const PARSE_BUDGET_BYTES: usize = 128 * 1024;

/// A whole-repository scan, resolved and configured, ready to run.
#[derive(Debug)]
pub struct AllFilesScan {
    started: Instant,
    repo_root: PathBuf,
    base: String,
    head: String,
    /// The commit whose tree is read; `None` for the work tree.
    tree: Option<String>,
    config: Config,
    prefilter: Prefilter,
    /// Findings below this confidence are left out.
    min_confidence: Confidence,
}

/// What one file produced.
#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    warnings: Vec<String>,
    parsed: bool,
    parse_errors: usize,
}

impl AllFilesScan {
    /// Resolve the revision (`options.target`: a revision or the work tree),
    /// load the configuration and compile the prefilter. `options.base` and
    /// `options.all` are not used: every finding is reported, as `existing`.
    ///
    /// # Errors
    /// [`ScanError::IndexNotScannable`] for [`Target::Index`]; git and
    /// configuration errors as [`super::scan`].
    pub fn prepare(options: &ScanOptions) -> Result<AllFilesScan, ScanError> {
        let started = Instant::now();
        let revision = match &options.target {
            Target::Revision(spec) => Some(spec.as_str()),
            Target::WorkTree => None,
            Target::Index => return Err(ScanError::IndexNotScannable),
        };
        // Resolved once, so that the files read and the sha reported are the
        // same commit.
        let target = diff::resolve_tree_scan(&options.repo, revision)?;
        let sha = target.commit.unwrap_or_else(|| "0".repeat(40));
        let (head, tree) = match revision {
            Some(_) => (sha.clone(), Some(sha.clone())),
            None => ("WORKTREE".to_string(), None),
        };
        let mut config = Config::load(&target.repo_root, options.config.as_deref())?;
        // The scanned revision's own attributes (the work tree's when it is scanned).
        let scanned = revision.map(|_| sha.as_str());
        config.set_attributes(&diff::gitattributes_at(&target.repo_root, scanned));
        let prefilter = Prefilter::new(&config);
        Ok(AllFilesScan {
            started,
            repo_root: target.repo_root,
            base: sha,
            head,
            tree,
            config,
            prefilter,
            min_confidence: options.min_confidence,
        })
    }

    /// The base the report names (the scanned commit itself).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The head the report names (the scanned commit, or `WORKTREE`).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// Analyse every supported, non-ignored file. Each finding is passed to
    /// `on_finding` in report order (path, then position) as soon as the chunk
    /// of files it belongs to is done; the returned report has the warnings
    /// and counters but no findings.
    ///
    /// # Errors
    /// Git errors while reading the files, or threads that cannot start.
    pub fn run(self, on_finding: &mut dyn FnMut(Finding)) -> Result<(Report, Config), ScanError> {
        let min_confidence = self.min_confidence;
        let on_finding = &mut |finding: Finding| {
            if finding.confidence >= min_confidence {
                on_finding(finding);
            }
        };
        let AllFilesScan {
            min_confidence: _,
            started,
            repo_root,
            base,
            head,
            tree,
            mut config,
            prefilter,
        } = self;
        // The helpers' reader lists the JS/TS manifests too: aliased imports
        // (`@/lib/mail`) resolve through them; and the metadata of installed
        // distributions, whose folders hold third-party code.
        let reader = {
            let listed = |path: &str| {
                (Language::from_path(path).is_some() && !config.is_ignored(path))
                    || is_js_manifest(path)
                    || is_distribution_metadata(path)
            };
            PathReader::open_listed(&repo_root, tree.as_deref(), &listed)?
        };
        let metadata = reader.listed_paths(&is_distribution_metadata);
        config.set_installed_folders(installed_package_folders(
            metadata.iter().map(String::as_str),
        ));
        let wants = |path: &str| Language::from_path(path).is_some() && !config.is_ignored(path);
        let threads = diff::Threads {
            count: thread_count(),
            stack_bytes: PARSER_STACK_BYTES,
        };
        configure_allocator(threads.count);
        let helpers = RepositoryHelpers::new(&config, reader);
        let analysis = FileAnalysis {
            config: &config,
            helpers: &helpers,
            prefilter: &prefilter,
            budget: ParseBudget::new(PARSE_BUDGET_BYTES),
            analysed: AtomicUsize::new(0),
        };
        let analyse = |path: &str, text: String| analysis.analyse(path, text);
        let mut tally = Tally {
            stats: Stats {
                files_parsed: Some(0),
                ..Stats::default()
            },
            warnings: Vec::new(),
            copies: CopiesSeen::default(),
        };
        let mut each = |path: String, result: FileResult| tally.add(&path, result, on_finding);
        diff::for_each_tree_file(
            &repo_root,
            tree.as_deref(),
            threads,
            &wants,
            &analyse,
            &mut each,
        )?;
        let Tally {
            mut stats,
            mut warnings,
            copies,
        } = tally;
        if copies.left_out > 0 {
            warnings.push(format!(
                "{} finding(s) repeat a finding of an earlier file (the same code copied, such as a build of it next to its source) and were left out: fix the first, the copies follow",
                copies.left_out
            ));
        }
        stats.helper_files = helpers.files_read();
        stats.elapsed_ms = started.elapsed().as_millis();
        let report = Report {
            base,
            head,
            findings: Vec::new(),
            warnings,
            stats,
            files: Vec::new(),
            changed_paths: Vec::new(),
        };
        Ok((report, config))
    }
}

/// What analyses one file of a whole-repository scan, on any thread.
struct FileAnalysis<'a> {
    config: &'a Config,
    helpers: &'a RepositoryHelpers<'a>,
    prefilter: &'a Prefilter,
    budget: ParseBudget,
    analysed: AtomicUsize,
}

impl FileAnalysis<'_> {
    fn analyse(&self, path: &str, text: String) -> FileResult {
        let result = match Language::from_path(path) {
            // A file no enabled rule can be triggered by is not parsed: it
            // takes no memory to speak of and need not wait for the budget.
            Some(language) if self.prefilter.may_trigger(language, &text) => {
                let _parsing = self.budget.take(text.len());
                if text.len() > BIG_FILE_BYTES {
                    release_free_memory();
                }
                analyse_with_helpers(language, path, &text, self.config, self.helpers)
            }
            _ => FileResult::default(),
        };
        // After a big file, and every so often, hand the memory the parse
        // freed back: a thread's allocator keeps it otherwise, scattered
        // between live blocks, and a scan of thousands of files would
        // hold the high-water mark of every thread at once.
        let count = self.analysed.fetch_add(1, Ordering::Relaxed);
        if text.len() > BIG_FILE_BYTES || count % RELEASE_EVERY_FILES == 0 {
            drop(text);
            release_free_memory();
        }
        result
    }
}

/// The counters and warnings of a whole-repository scan, file by file.
struct Tally {
    stats: Stats,
    warnings: Vec<String>,
    copies: CopiesSeen,
}

/// The findings handed on so far, by what makes a copy of one the same
/// finding (see [`super::collapse::copy_key`]): a stream cannot merge a
/// later copy into an earlier finding, so it leaves the copy out and counts
/// it. One hash and path per finding, not the findings.
#[derive(Default)]
struct CopiesSeen {
    paths: HashMap<u64, Vec<String>>,
    left_out: usize,
}

impl CopiesSeen {
    /// Whether `finding` repeats one of an earlier file; remembers it if not.
    fn repeats(&mut self, finding: &Finding) -> bool {
        let Some(key) = super::collapse::copy_key(finding) else {
            return false;
        };
        let paths = self.paths.entry(key).or_default();
        if paths
            .iter()
            .any(|path| super::collapse::are_copies(path, &finding.path))
        {
            self.left_out += 1;
            return true;
        }
        if !paths.contains(&finding.path) {
            paths.push(finding.path.clone());
        }
        false
    }
}

impl Tally {
    /// Count one file and pass its findings on.
    fn add(&mut self, path: &str, result: FileResult, on_finding: &mut dyn FnMut(Finding)) {
        self.stats.files_analyzed += 1;
        if result.parsed {
            self.stats.files_parsed = self.stats.files_parsed.map(|n| n + 1);
        }
        if result.parse_errors > 0 {
            self.stats.parse_errors += 1;
            self.warnings.push(format!(
                "{path}: {} syntax error{} — analysed what parsed",
                result.parse_errors,
                if result.parse_errors == 1 { "" } else { "s" }
            ));
        }
        self.warnings.extend(result.warnings);
        for finding in result.findings {
            if !self.copies.repeats(&finding) {
                on_finding(finding);
            }
        }
    }
}

/// Scan every supported file of the head revision or of the work tree and
/// collect the findings into the report (see [`AllFilesScan`]; the command
/// line streams them instead).
///
/// # Errors
/// As [`AllFilesScan::prepare`] and [`AllFilesScan::run`].
pub fn scan_all_files(options: &ScanOptions) -> Result<(Report, Config), ScanError> {
    let mut findings = Vec::new();
    let (mut report, config) =
        AllFilesScan::prepare(options)?.run(&mut |finding| findings.push(finding))?;
    report.findings = findings;
    Ok((report, config))
}

/// The analysis threads: `RAYON_NUM_THREADS` when set (as in diff mode), else
/// one per core.
fn thread_count() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&count| count > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

/// Analyse a file that may trigger a rule. The project helpers it imports
/// only ever quiet its own calls (see [`RepositoryHelpers`]), so they are read
/// only for a file with findings, which is then checked again with them.
fn analyse_with_helpers(
    language: Language,
    path: &str,
    text: &str,
    config: &Config,
    helpers: &RepositoryHelpers<'_>,
) -> FileResult {
    let alone = analyse_file(language, path, text, config, &[]);
    if alone.findings.is_empty() {
        return alone;
    }
    let imported = helpers.of(language, path, text);
    if imported.is_empty() {
        return alone;
    }
    analyse_file(language, path, text, config, &imported)
}

/// Parse one file that may trigger a rule and turn its findings into report
/// findings, in report order; `imported` are the project helpers it imports.
fn analyse_file(
    language: Language,
    path: &str,
    text: &str,
    config: &Config,
    imported: &[(String, Summary)],
) -> FileResult {
    let version = super::check_version(
        language,
        path,
        text,
        lang::parse(language, text),
        config,
        imported,
    );
    let mut warnings = version.warnings;
    if version.model.truncated {
        warnings.push(format!(
            "{path}: nesting deeper than {} levels was not analysed",
            crate::lang::MAX_MODEL_DEPTH
        ));
    }
    let mut findings: Vec<Finding> = version
        .findings
        .iter()
        .map(|(raw, print)| to_finding(raw, print, Status::Existing, path, text))
        .collect();
    findings.sort_by(|a, b| (a.line, a.column, &a.rule).cmp(&(b.line, b.column, &b.rule)));
    FileResult {
        findings: super::collapse::collapse_per_line(findings),
        warnings,
        parsed: true,
        parse_errors: version.model.parse_errors,
    }
}
