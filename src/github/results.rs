//! The results of a pull request's analysis, handed from the `pull_request`
//! run (read-only token, the pull request's code checked out) to the
//! `workflow_run` run that may write (no checkout), the way GitHub recommends
//! for pull requests from forks.
//!
//! The analysis run may be the pull request's own workflow file, so whatever
//! it uploads is untrusted: [`read_results`] accepts only a file of bounded
//! size in this schema, with known rules and sane paths, for the repository,
//! head commit and pull request of the run that triggered the posting run;
//! [`verify_pull_request`] asks GitHub that the pull request's head is that
//! commit. Its text is rendered like any text from a change (escaped), and
//! nothing in it is ever executed.

use super::{Client, GitHubError, Repository};
use crate::diff::{ChangedFile, FileStatus, LineRange};
use crate::model::Language;
use crate::report::markdown::SuiteLine;
use crate::rules::find_rule;
use crate::scan::{AnalyzedFile, Finding, Report, Stats};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// The file the analysis run writes into its results directory.
pub const RESULTS_FILE: &str = "handoff-results.json";

/// The schema id of [`RESULTS_FILE`].
pub const RESULTS_SCHEMA: &str = "handoff-results/v1";

/// The largest results file accepted (8 MiB): a review holds at most a few
/// hundred findings; anything bigger is not Handoff's.
pub const MAX_RESULTS_BYTES: u64 = 8 * 1024 * 1024;

/// The most findings accepted in one results file.
pub const MAX_FINDINGS: usize = 5000;

/// What the analysis run hands to the posting run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// [`RESULTS_SCHEMA`].
    pub schema: String,
    /// `owner/name` of the repository the pull request targets.
    pub repository: String,
    /// The pull request's number, from the analysis run's event.
    pub pull_request: u64,
    /// The commit analysed (the pull request's head).
    pub head_sha: String,
    /// The commit it was compared with (the merge-base).
    pub base_sha: String,
    /// The findings, in the `handoff/v1` JSON contract.
    pub findings: Vec<Finding>,
    /// The scan's warnings.
    pub warnings: Vec<String>,
    /// The scan's counters.
    pub stats: Stats,
    /// The workflow suites the change selects.
    pub suites: Vec<SuiteLine>,
    /// The code lines of each finding, in `findings` order (the JSON
    /// contract leaves them out; the comments quote them).
    pub source_lines: Vec<Vec<String>>,
    /// Where inline comments may sit: the changed files that have findings.
    pub files: Vec<DiffLayout>,
}

/// The shape of one changed file's diff: enough to place inline comments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffLayout {
    /// Repository-relative path of the head version.
    pub path: String,
    /// Lines in the head version.
    pub lines: u32,
    /// Head-side line ranges added or modified, `[first, last]`.
    pub changed: Vec<[u32; 2]>,
}

/// The triggering run, from a `workflow_run` event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggeringRun {
    /// The run's id (its artifacts and job summary live there).
    pub id: u64,
    /// The event that started it (`pull_request`).
    pub event: String,
    /// The commit it ran on.
    pub head_sha: String,
    /// `owner/name` of the repository whose head it ran (a fork's).
    pub head_repository: Option<String>,
    /// `owner/name` of the repository it ran in.
    pub repository: Option<String>,
    /// The pull requests GitHub links to it (empty for forks).
    pub pull_requests: Vec<u64>,
}

/// Why results were refused. Each message says what did not match and what
/// to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultsError {
    /// The event is not a `workflow_run` of a pull request.
    #[error(
        "--post-from posts from a `workflow_run` of a `pull_request` run, not from a `{0}` event: trigger the posting workflow with `on: workflow_run`"
    )]
    WrongEvent(String),
    /// The file is missing or unreadable.
    #[error(
        "cannot read the results {path}: {cause}; download the analysis run's artifact into that directory first"
    )]
    Unreadable {
        /// The file.
        path: String,
        /// The I/O error.
        cause: String,
    },
    /// Too big.
    #[error(
        "the results {path} are larger than {limit} bytes: refused (not written by Handoff's analysis step)"
    )]
    TooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// Not the schema.
    #[error(
        "the results {path} are not a Handoff result ({cause}): refused; upload the `results-dir` of the Handoff action unchanged"
    )]
    Malformed {
        /// The file.
        path: String,
        /// What is wrong.
        cause: String,
    },
    /// Not for the run that triggered this one.
    #[error(
        "the results are for {what} {found}, but the triggering run is for {expected}: refused"
    )]
    Mismatch {
        /// What differs (`commit`, `repository`, `pull request`).
        what: &'static str,
        /// In the results.
        found: String,
        /// In the triggering run or on GitHub.
        expected: String,
    },
}

/// The triggering run from a `workflow_run` event payload.
pub fn triggering_run(
    event_name: &str,
    payload: &serde_json::Value,
) -> Result<TriggeringRun, ResultsError> {
    let run = &payload["workflow_run"];
    if event_name != "workflow_run" || !run.is_object() {
        return Err(ResultsError::WrongEvent(event_name.to_string()));
    }
    let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
    let triggering = TriggeringRun {
        id: run["id"].as_u64().unwrap_or(0),
        event: text(&run["event"]).unwrap_or_default(),
        head_sha: text(&run["head_sha"]).unwrap_or_default(),
        head_repository: text(&run["head_repository"]["full_name"]),
        repository: text(&run["repository"]["full_name"]),
        pull_requests: run["pull_requests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pr| pr["number"].as_u64())
            .collect(),
    };
    if triggering.event != "pull_request" {
        return Err(ResultsError::WrongEvent(format!(
            "workflow_run of {}",
            triggering.event
        )));
    }
    Ok(triggering)
}

/// Read and check `dir/handoff-results.json` against the triggering run
/// and the repository this run posts to.
pub fn read_results(
    dir: &Path,
    run: &TriggeringRun,
    repository: &Repository,
) -> Result<Results, ResultsError> {
    let path = dir.join(RESULTS_FILE);
    let shown = path.display().to_string();
    let unreadable = |cause: std::io::Error| ResultsError::Unreadable {
        path: shown.clone(),
        cause: cause.to_string(),
    };
    let file = std::fs::File::open(&path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_RESULTS_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_RESULTS_BYTES {
        return Err(ResultsError::TooLarge {
            path: shown,
            limit: MAX_RESULTS_BYTES,
        });
    }
    let malformed = |cause: String| ResultsError::Malformed {
        path: shown.clone(),
        cause,
    };
    let results: Results = serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
    check_shape(&results).map_err(malformed)?;
    check_run(&results, run, repository)?;
    Ok(results)
}

/// The schema's rules beyond its types: known rules, sane paths, bounded counts.
fn check_shape(results: &Results) -> Result<(), String> {
    if results.schema != RESULTS_SCHEMA {
        return Err(format!(
            "schema `{}`, expected `{RESULTS_SCHEMA}`",
            results.schema
        ));
    }
    if results.findings.len() > MAX_FINDINGS {
        return Err(format!(
            "{} findings, at most {MAX_FINDINGS}",
            results.findings.len()
        ));
    }
    for sha in [&results.head_sha, &results.base_sha] {
        if !crate::home::is_commit_sha(sha) {
            return Err(format!("`{sha}` is not a commit sha"));
        }
    }
    for finding in &results.findings {
        if find_rule(&finding.rule).is_none() {
            return Err(format!("unknown rule `{}`", finding.rule));
        }
        let paths = std::iter::once(&finding.path).chain(finding.related.iter().map(|r| &r.path));
        for path in paths {
            if !is_repository_path(path) {
                return Err(format!("`{path}` is not a path inside the repository"));
            }
        }
        if finding.line == 0 || finding.end_line < finding.line {
            return Err(format!("{}: bad line range", finding.path));
        }
    }
    Ok(())
}

/// A relative path with `/` separators that stays inside the repository.
fn is_repository_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != ".." && part != ".")
}

fn check_run(
    results: &Results,
    run: &TriggeringRun,
    repository: &Repository,
) -> Result<(), ResultsError> {
    if !results.repository.eq_ignore_ascii_case(&repository.slug()) {
        return Err(ResultsError::Mismatch {
            what: "repository",
            found: results.repository.clone(),
            expected: repository.slug(),
        });
    }
    if results.head_sha != run.head_sha {
        return Err(ResultsError::Mismatch {
            what: "commit",
            found: results.head_sha.clone(),
            expected: run.head_sha.clone(),
        });
    }
    if !run.pull_requests.is_empty() && !run.pull_requests.contains(&results.pull_request) {
        return Err(ResultsError::Mismatch {
            what: "pull request",
            found: format!("#{}", results.pull_request),
            expected: run
                .pull_requests
                .iter()
                .map(|n| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Ask GitHub that the results' pull request has the triggering run's head
/// commit (and head repository): GitHub does not link a fork's run to its
/// pull request, so the number in the results is checked here.
pub async fn verify_pull_request(
    client: &Client,
    repository: &Repository,
    results: &Results,
    run: &TriggeringRun,
) -> Result<Result<(), ResultsError>, GitHubError> {
    let pull = client
        .get_one(&format!(
            "{}/pulls/{}",
            repository.api_path(),
            results.pull_request
        ))
        .await?;
    let head = pull["head"]["sha"].as_str().unwrap_or_default();
    if head != run.head_sha {
        return Ok(Err(ResultsError::Mismatch {
            what: "pull request",
            found: format!("#{} (whose head is {head})", results.pull_request),
            expected: format!("commit {}", run.head_sha),
        }));
    }
    let head_repository = pull["head"]["repo"]["full_name"].as_str();
    if let (Some(found), Some(expected)) = (head_repository, run.head_repository.as_deref())
        && !found.eq_ignore_ascii_case(expected)
    {
        return Ok(Err(ResultsError::Mismatch {
            what: "pull request",
            found: format!("#{} from {found}", results.pull_request),
            expected: format!("a run of {expected}"),
        }));
    }
    Ok(Ok(()))
}

impl Results {
    /// The results of `report` for pull request `number` of `repository`.
    pub fn new(
        repository: &Repository,
        number: u64,
        report: &Report,
        suites: &[SuiteLine],
    ) -> Results {
        let with_findings: HashSet<&str> =
            report.findings.iter().map(|f| f.path.as_str()).collect();
        let files = report
            .files
            .iter()
            .filter(|file| with_findings.contains(file.path.as_str()))
            .filter_map(|file| {
                let text = file.change.head_text.as_deref()?;
                Some(DiffLayout {
                    path: file.path.clone(),
                    lines: u32::try_from(text.lines().count()).unwrap_or(u32::MAX),
                    changed: file
                        .change
                        .changed_lines
                        .iter()
                        .map(|r| [r.first, r.last])
                        .collect(),
                })
            })
            .collect();
        Results {
            schema: RESULTS_SCHEMA.to_string(),
            repository: repository.slug(),
            pull_request: number,
            head_sha: report.head.clone(),
            base_sha: report.base.clone(),
            findings: report.findings.clone(),
            warnings: report.warnings.clone(),
            stats: report.stats.clone(),
            suites: suites.to_vec(),
            source_lines: report
                .findings
                .iter()
                .map(|f| f.source_lines.clone())
                .collect(),
            files,
        }
    }

    /// The report these results describe (no analysed files: the posting
    /// run has no checkout).
    pub fn into_report(self) -> (Report, Vec<SuiteLine>) {
        let mut findings = self.findings;
        for (finding, lines) in findings.iter_mut().zip(self.source_lines) {
            finding.source_lines = lines;
        }
        let files = self
            .files
            .into_iter()
            .filter_map(DiffLayout::into_file)
            .collect();
        let report = Report {
            base: self.base_sha,
            head: self.head_sha,
            findings,
            warnings: self.warnings,
            stats: self.stats,
            files,
            changed_paths: Vec::new(),
        };
        (report, self.suites)
    }
}

impl DiffLayout {
    /// The analysed file this layout stands for: the diff's shape without
    /// the code (the posting run has no checkout; comments only need the
    /// line count and the changed lines).
    fn into_file(self) -> Option<AnalyzedFile> {
        let language = Language::from_path(&self.path)?;
        let change = ChangedFile {
            path: self.path.clone(),
            old_path: None,
            status: FileStatus::Modified,
            base_text: None,
            head_text: Some("\n".repeat(self.lines as usize)),
            changed_lines: self
                .changed
                .iter()
                .map(|&[first, last]| LineRange { first, last })
                .collect(),
            base_changed_lines: Vec::new(),
            removed_after: Vec::new(),
        };
        Some(AnalyzedFile {
            path: self.path,
            language,
            change,
            head: None,
            base: None,
            head_helpers: Vec::new(),
            base_helpers: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside_the_repository() {
        assert!(is_repository_path("src/checkout.js"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a\\b",
            "a/./b",
            "a\nb",
        ] {
            assert!(!is_repository_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn only_a_workflow_run_of_a_pull_request_is_accepted() {
        let payload =
            serde_json::json!({"workflow_run": {"id": 7, "event": "push", "head_sha": "a"}});
        assert!(matches!(
            triggering_run("workflow_run", &payload),
            Err(ResultsError::WrongEvent(_))
        ));
        assert!(matches!(
            triggering_run("pull_request", &payload),
            Err(ResultsError::WrongEvent(_))
        ));
    }
}
