//! `handoff action`: the GitHub Action's entry point (the Docker image's
//! `ENTRYPOINT`). Reads the `GITHUB_*` environment and the `INPUT_*` action
//! inputs, scans the pull request (or push), posts one review and edits one
//! summary comment, writes SARIF, the step summary and the step outputs.
//!
//! When the token may not write (a fork's pull request, a read-only token)
//! the findings become workflow-command annotations and the step summary,
//! with one notice saying so; the exit code still follows `fail-on`.

use super::{FailOn, MinConfidence};
use crate::config::Config;
use crate::diff::Target;
use crate::github::{
    self, Client, ClientOptions, Event, EventKind, GitHubError, PullRequest, Repository, Results,
    RetryPolicy,
};
use crate::report::markdown::{
    self, COMMENT_LIMIT, DecisionLine, ResolvedLine, STEP_SUMMARY_LIMIT, SourceLinks, SuiteLine,
    SummaryInput,
};
use crate::report::{self, TextStyle};
use crate::rules::Confidence;
use crate::scan::{self, Report, ScanOptions, Status};
use crate::{checklist, gate};
use anyhow::{Context, Result, bail};
use clap::ValueEnum;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

mod post;

/// The action's inputs, in `action.yml` order: `handoff action` reads each
/// as `INPUT_<NAME>`, except `post-from`, which the composite step turns
/// into `--post-from`.
pub const INPUTS: &[&str] = &[
    "github-token",
    "base",
    "head",
    "config",
    "fail-on",
    "comment",
    "inline-confidence",
    "sarif-file",
    "results-dir",
    "post-from",
];

/// The step outputs `handoff action` writes to `GITHUB_OUTPUT`.
pub const OUTPUTS: &[&str] = &["risk", "findings", "suites", "sarif-file", "results-dir"];

/// Where findings go on the pull request (the `comment` input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CommentMode {
    /// Inline review comments on the changed lines, plus the summary comment.
    Inline,
    /// Only the summary comment.
    Summary,
    /// No comments: annotations and the step summary only.
    Off,
}

/// The action's inputs, validated.
#[derive(Debug, Clone)]
struct Inputs {
    token: Option<String>,
    base: Option<String>,
    head: Option<String>,
    config: Option<String>,
    fail_on: FailOn,
    comment: CommentMode,
    /// Inline comments only for findings at or above this confidence; the
    /// rest are listed in the summary comment.
    inline_confidence: Confidence,
    sarif_file: Option<String>,
    /// Where to write the results for a `workflow_run` posting run.
    results_dir: Option<String>,
}

/// The environment of an Actions step.
#[derive(Debug, Clone)]
struct ActionEnv {
    event_name: String,
    event_path: Option<PathBuf>,
    repository: Option<String>,
    api_url: String,
    server_url: String,
    workspace: PathBuf,
    output: Option<PathBuf>,
    step_summary: Option<PathBuf>,
    sha: Option<String>,
    inputs: Inputs,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// An action input: the runner sets `INPUT_<NAME>` with the name upper-cased
/// (hyphens kept); the underscore spelling is accepted too.
fn input(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    var(&format!("INPUT_{upper}")).or_else(|| var(&format!("INPUT_{}", upper.replace('-', "_"))))
}

fn parse_choice<T: ValueEnum>(name: &str, default: T) -> Result<T> {
    let Some(value) = input(name) else {
        return Ok(default);
    };
    T::from_str(&value, true).map_err(|_| {
        let choices: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        anyhow::anyhow!(
            "invalid action input `{name}`: `{value}`; use one of {}",
            choices.join(", ")
        )
    })
}

impl ActionEnv {
    fn from_env() -> Result<ActionEnv> {
        let inputs = Inputs {
            token: input("github-token").or_else(|| var("GITHUB_TOKEN")),
            base: input("base"),
            head: input("head"),
            config: input("config"),
            fail_on: parse_choice("fail-on", FailOn::High)?,
            comment: parse_choice("comment", CommentMode::Inline)?,
            inline_confidence: parse_choice("inline-confidence", MinConfidence::High)?.confidence(),
            sarif_file: match std::env::var("INPUT_SARIF-FILE")
                .or_else(|_| std::env::var("INPUT_SARIF_FILE"))
            {
                // Set but empty: the user turned the SARIF file off.
                Ok(value) if value.trim().is_empty() => None,
                Ok(value) => Some(value.trim().to_string()),
                Err(_) => Some("handoff.sarif".to_string()),
            },
            results_dir: input("results-dir"),
        };
        let workspace = match var("GITHUB_WORKSPACE") {
            Some(dir) => PathBuf::from(dir),
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        Ok(ActionEnv {
            event_name: var("GITHUB_EVENT_NAME").unwrap_or_else(|| "workflow_dispatch".to_string()),
            event_path: var("GITHUB_EVENT_PATH").map(PathBuf::from),
            repository: var("GITHUB_REPOSITORY"),
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".to_string()),
            server_url: var("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".to_string()),
            workspace,
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            sha: var("GITHUB_SHA"),
            inputs,
        })
    }

    fn read_event(&self) -> Result<Option<Event>> {
        let Some(path) = &self.event_path else {
            if matches!(
                EventKind::from_name(&self.event_name),
                EventKind::PullRequest | EventKind::PullRequestTarget
            ) {
                bail!(
                    "GITHUB_EVENT_PATH is not set for a {} event: `handoff action` runs inside GitHub Actions; use `handoff scan` elsewhere",
                    self.event_name
                );
            }
            return Ok(None);
        };
        let payload = std::fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the event payload GITHUB_EVENT_PATH={}",
                path.display()
            )
        })?;
        Ok(Some(Event::parse(
            &self.event_name,
            &payload,
            &path.display().to_string(),
        )?))
    }

    fn resolve(&self, path: &str) -> PathBuf {
        let path = Path::new(path);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.workspace.join(path)
        }
    }
}

/// The base and head to compare.
fn revisions(env: &ActionEnv, event: Option<&Event>) -> (Option<String>, String) {
    let pull_request = event.and_then(|e| e.pull_request.as_ref());
    let head = env
        .inputs
        .head
        .clone()
        .or_else(|| pull_request.map(|pr| pr.head_sha.clone()))
        .or_else(|| event.and_then(|e| e.after.clone()))
        .or_else(|| env.sha.clone())
        .unwrap_or_else(|| "HEAD".to_string());
    let base = match (&env.inputs.base, pull_request) {
        (Some(base), _) => Some(base.clone()),
        // GitHub's pull request diff is three-dot: from the merge-base.
        (None, Some(pr)) => Some(
            merge_base(&env.workspace, &pr.base_sha, &head).unwrap_or_else(|| pr.base_sha.clone()),
        ),
        (None, None) => event.and_then(|e| e.before.clone()),
    };
    (base, head)
}

/// The merge-base of two revisions, when both are in the clone (otherwise
/// the scan reports the missing one with its fix).
fn merge_base(workspace: &Path, base: &str, head: &str) -> Option<String> {
    let repo = git2::Repository::discover(workspace).ok()?;
    let base = repo.revparse_single(base).ok()?.peel_to_commit().ok()?.id();
    let head = repo.revparse_single(head).ok()?.peel_to_commit().ok()?.id();
    repo.merge_base(base, head).ok().map(|oid| oid.to_string())
}

/// The suites to run for this change and the reviewer checklist.
///
/// `gate::select` picks the suites (each with its reasons) and
/// `checklist::render_section` writes the checklist, with the consumers of
/// the touched topics looked up in the whole checkout (`workspace`); the
/// Action shows both in the summary comment and the step summary, and writes
/// the suites to the `suites` output. A failed consumer lookup only narrows
/// the checklist to the consumers in the diff.
fn workflow_context(
    report: &Report,
    config: &Config,
    workspace: &Path,
) -> (Vec<SuiteLine>, Option<String>) {
    let mut map = gate::touched_boundaries(report, config);
    if let Ok(elsewhere) = gate::consumers_elsewhere(workspace, report, config, &map.topics()) {
        map.add_consumers(elsewhere);
    }
    let selection = gate::select_with(report, config, &map);
    let checklist = checklist::render_section(report, config, &selection, &map);
    let suites = selection
        .suites
        .into_iter()
        .map(|suite| SuiteLine {
            name: suite.name,
            command: suite.command,
            reasons: suite.reasons,
        })
        .collect();
    (suites, checklist)
}

/// What reached the pull request.
#[derive(Debug, Default)]
struct Delivery {
    /// Findings with an inline comment (earlier or now).
    inline: HashSet<String>,
    /// Fixed findings.
    resolved: Vec<ResolvedLine>,
    /// Why findings are shown as annotations instead, if they are.
    fallback: Option<String>,
    /// A rejected token or unusable API URL: the run exits 2 after reporting.
    misconfigured: bool,
    /// Inline comments posted by this run.
    posted: usize,
    /// Whether the summary comment was written.
    summary_written: bool,
    /// Findings reviewers dismissed or accepted, taken out of the report.
    decisions: Vec<DecisionLine>,
    /// Their fingerprints.
    decided: HashSet<String>,
}

/// A random-enough token for `stop-commands` and output delimiters.
fn nonce(seed: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(std::process::id().to_le_bytes());
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    hasher.update(now.as_nanos().to_le_bytes());
    hex::encode(&hasher.finalize()[..12])
}

/// Run the Action; returns the exit code. With `post_from`, post the
/// results an analysis run left in that directory instead of scanning.
pub fn run(post_from: Option<&Path>) -> Result<i32> {
    let env = ActionEnv::from_env()?;
    if let Some(dir) = post_from {
        return post::run(&env, dir);
    }
    let event = env.read_event()?;
    let options = scan_options(&env, event.as_ref());
    let (mut report, config) = scan::scan(&options)?;
    let (suites, checklist) = workflow_context(&report, &config, &options.repo);
    let mut log = std::io::stdout().lock();

    // The text report, with workflow commands off: code from the change must
    // not be read as a command by the runner.
    let stop = nonce(&report.head);
    let text = report::to_text(&report, TextStyle::Plain);
    write!(log, "::stop-commands::{stop}\n{text}::{stop}::\n")
        .context("cannot write to standard output")?;

    let sarif_path = write_sarif(&env, &report)?;
    let repository = env.repository.as_deref().and_then(Repository::parse);
    let links = repository.as_ref().map(|r| SourceLinks {
        server: env.server_url.clone(),
        repository: r.slug(),
        commit: report.head.clone(),
    });
    let pull_request = event.as_ref().and_then(|e| e.pull_request.clone());
    let results_dir = match (&pull_request, &repository) {
        (Some(pr), Some(repository)) => write_results_dir(
            &env,
            (repository, pr),
            &report,
            &suites,
            sarif_path.as_deref(),
        )?,
        _ => None,
    };
    let delivery = match (&pull_request, &repository) {
        (Some(pr), Some(repository)) => deliver_or_fall_back(
            &env,
            (repository, pr),
            &mut report,
            &suites,
            checklist.as_deref(),
            links.as_ref(),
        ),
        (Some(_), None) if env.inputs.comment != CommentMode::Off => Delivery {
            fallback: Some("GITHUB_REPOSITORY is not set to owner/name".to_string()),
            ..Delivery::default()
        },
        _ => Delivery::default(),
    };
    let notes = report_delivery(&mut log, &env, pull_request.is_some(), &delivery, &report)?;
    if let Some(path) = &env.step_summary {
        let input = SummaryInput {
            report: &report,
            suites: &suites,
            checklist: checklist.as_deref(),
            links: links.as_ref(),
            inline: &HashSet::new(),
            resolved: &delivery.resolved,
            notes: &notes,
            decisions: &delivery.decisions,
            limit: STEP_SUMMARY_LIMIT,
        };
        append(path, &markdown::summary(&input))
            .context("cannot write the step summary GITHUB_STEP_SUMMARY")?;
    }
    if let Some(path) = &env.output {
        write_step_outputs(path, &report, &suites, sarif_path, results_dir)?;
    }
    log.flush().context("cannot write to standard output")?;
    if delivery.misconfigured {
        return Ok(2);
    }
    Ok(if env.inputs.fail_on.is_reached_by(&report) {
        1
    } else {
        0
    })
}

/// The scan of the pull request's change, every confidence kept (the
/// inline threshold applies to comments only).
fn scan_options(env: &ActionEnv, event: Option<&Event>) -> ScanOptions {
    let (base, head) = revisions(env, event);
    ScanOptions {
        repo: env.workspace.clone(),
        base,
        target: Target::Revision(head),
        config: env.inputs.config.as_deref().map(|c| env.resolve(c)),
        all: false,
        min_confidence: Confidence::Low,
    }
}

/// Write the SARIF file the inputs ask for; returns its path as given.
fn write_sarif(env: &ActionEnv, report: &Report) -> Result<Option<String>> {
    let Some(file) = &env.inputs.sarif_file else {
        return Ok(None);
    };
    let path = env.resolve(file);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, report::sarif::to_sarif(report))
        .with_context(|| format!("cannot write the SARIF file {}", path.display()))?;
    Ok(Some(file.clone()))
}

/// Leave the results for a later posting run in the folder the inputs
/// name; returns the folder as given.
fn write_results_dir(
    env: &ActionEnv,
    (repository, pull_request): (&Repository, &PullRequest),
    report: &Report,
    suites: &[SuiteLine],
    sarif_path: Option<&str>,
) -> Result<Option<String>> {
    let Some(dir) = &env.inputs.results_dir else {
        return Ok(None);
    };
    let results = Results::new(repository, pull_request.number, report, suites);
    post::write_results(
        &env.resolve(dir),
        &results,
        sarif_path.map(|f| env.resolve(f)),
    )?;
    Ok(Some(dir.clone()))
}

/// Comment on the pull request as the inputs say, or say why not.
fn deliver_or_fall_back(
    env: &ActionEnv,
    (repository, pull_request): (&Repository, &PullRequest),
    report: &mut Report,
    suites: &[SuiteLine],
    checklist: Option<&str>,
    links: Option<&SourceLinks>,
) -> Delivery {
    let mode = env.inputs.comment;
    if mode == CommentMode::Off {
        return Delivery::default();
    }
    let Some(token) = &env.inputs.token else {
        return Delivery {
            fallback: Some("no github-token was given".to_string()),
            ..Delivery::default()
        };
    };
    deliver(
        env,
        token,
        repository,
        pull_request,
        (mode == CommentMode::Inline).then_some(env.inputs.inline_confidence),
        report,
        suites,
        checklist,
        links,
    )
}

/// Say in the log what the comments did, or why there are none, and then
/// annotate the findings instead; returns the notes for the step summary.
fn report_delivery(
    log: &mut impl Write,
    env: &ActionEnv,
    on_pull_request: bool,
    delivery: &Delivery,
    report: &Report,
) -> Result<Vec<String>> {
    let commented =
        on_pull_request && delivery.fallback.is_none() && env.inputs.comment != CommentMode::Off;
    if commented {
        log_delivery(log, delivery)?;
    }
    let mut notes = Vec::new();
    if let Some(reason) = &delivery.fallback {
        notes.push(fallback_notice(log, reason, delivery.misconfigured)?);
    }
    if !commented {
        notes.extend(annotate(log, report)?);
    }
    Ok(notes)
}

/// One line in the log on what the comments did.
fn log_delivery(log: &mut impl Write, delivery: &Delivery) -> Result<()> {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let earlier = delivery.inline.len() - delivery.posted;
    writeln!(
        log,
        "Handoff: {} new inline comment{}, {earlier} finding{} already commented, {} resolved; summary comment {}",
        delivery.posted,
        plural(delivery.posted),
        plural(earlier),
        delivery.resolved.len(),
        if delivery.summary_written { "written" } else { "not needed" }
    )
    .context("cannot write to standard output")?;
    if !delivery.decisions.is_empty() {
        writeln!(
            log,
            "Handoff: {} finding{} dismissed or accepted by reviewers (not counted for fail-on)",
            delivery.decisions.len(),
            plural(delivery.decisions.len())
        )
        .context("cannot write to standard output")?;
    }
    Ok(())
}

/// The workflow command saying why there are no comments; returns the note
/// for the step summary.
fn fallback_notice(log: &mut impl Write, reason: &str, misconfigured: bool) -> Result<String> {
    let note = format!(
        "Handoff could not comment on the pull request ({reason}); the findings are shown as annotations on the changed lines and in the job summary."
    );
    let level = if misconfigured { "error" } else { "notice" };
    writeln!(
        log,
        "::{level} title=Handoff::{}",
        report::github::escape_data(&note)
    )
    .context("cannot write to standard output")?;
    Ok(note)
}

/// The new findings as annotations, within the job's budget; returns the
/// note on those left out, if any.
fn annotate(log: &mut impl Write, report: &Report) -> Result<Option<String>> {
    // The install step and the fallback notice may annotate too.
    let budget = report::github::ANNOTATIONS_PER_JOB - 2;
    let new = report.findings.iter().filter(|f| f.status == Status::New);
    let annotations = report::github::limited_annotations(new, budget);
    log.write_all(annotations.commands.as_bytes())
        .context("cannot write to standard output")?;
    let note = report::github::omitted_note(annotations.omitted);
    if let Some(note) = &note {
        writeln!(log, "Handoff: {note}").context("cannot write to standard output")?;
    }
    Ok(note)
}

/// The step outputs: risk, new findings, suites, SARIF file, results folder.
fn write_step_outputs(
    path: &Path,
    report: &Report,
    suites: &[SuiteLine],
    sarif_path: Option<String>,
    results_dir: Option<String>,
) -> Result<()> {
    let new = report
        .findings
        .iter()
        .filter(|f| f.status == Status::New)
        .count();
    let outputs = [
        ("risk", report.risk_name().to_string()),
        ("findings", new.to_string()),
        (
            "suites",
            serde_json::to_string(suites).context("cannot encode the suites")?,
        ),
        ("sarif-file", sarif_path.unwrap_or_default()),
        ("results-dir", results_dir.unwrap_or_default()),
    ];
    write_outputs(path, &outputs).context("cannot write the step outputs GITHUB_OUTPUT")
}

/// Comment on the pull request; a failure becomes a fallback, never a crash.
#[allow(clippy::too_many_arguments)]
fn deliver(
    env: &ActionEnv,
    token: &str,
    repository: &Repository,
    pull_request: &PullRequest,
    inline: Option<Confidence>,
    report: &mut Report,
    suites: &[SuiteLine],
    checklist: Option<&str>,
    links: Option<&SourceLinks>,
) -> Delivery {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return Delivery {
                fallback: Some(format!("cannot start the HTTP runtime: {error}")),
                ..Delivery::default()
            };
        }
    };
    let options = ClientOptions {
        api_url: env.api_url.clone(),
        token: token.to_string(),
        retry: RetryPolicy::default(),
        timeout: Duration::from_secs(30),
    };
    let outcome = runtime.block_on(async {
        let client = Client::new(&options)?;
        comment(
            &client,
            repository,
            pull_request,
            inline,
            report,
            suites,
            checklist,
            links,
        )
        .await
    });
    match outcome {
        Ok(delivery) => delivery,
        Err(error) => {
            // A rejected token or an unusable URL is the workflow's mistake:
            // report it as an error and exit 2 once the findings are out.
            let misconfigured = error.is_unauthorized() || matches!(error, GitHubError::Setup(_));
            let reason = if error.is_unauthorized() {
                format!(
                    "GitHub rejected the token: {error}; pass `github-token: ${{{{ github.token }}}}`"
                )
            } else if error.is_permission_denied() {
                format!(
                    "the token may not write here, as for a pull request from a fork: {error}; give the job `pull-requests: write`"
                )
            } else {
                error.to_string()
            };
            Delivery {
                fallback: Some(reason),
                misconfigured,
                ..Delivery::default()
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn comment(
    client: &Client,
    repository: &Repository,
    pull_request: &PullRequest,
    inline: Option<Confidence>,
    report: &mut Report,
    suites: &[SuiteLine],
    checklist: Option<&str>,
    links: Option<&SourceLinks>,
) -> Result<Delivery, GitHubError> {
    let number = pull_request.number;
    let base = repository.api_path();
    let items = client
        .get_all(&format!("{base}/pulls/{number}/comments"))
        .await?;
    let issue_comments = client
        .get_all(&format!("{base}/issues/{number}/comments"))
        .await?;
    let (decision_lines, decided_prints) = apply_decisions(
        client,
        repository,
        pull_request,
        (&issue_comments, &items),
        report,
    )
    .await?;
    let own = github::own_login(client).await?;
    let existing: Vec<_> = github::existing_comments(&items, &own)
        .into_iter()
        .filter(|comment| !decided_prints.contains(&comment.marker.fingerprint))
        .collect();
    let report = &*report;
    let plan = github::plan_review(report, &existing, inline, links);
    let mut inline = plan.already_commented.clone();
    let (posted_prints, notes) =
        post_planned(client, (&own, repository, number), &report.head, &plan.post).await?;
    let posted = posted_prints.len();
    inline.extend(posted_prints);
    github::resolve_comments(client, repository, &plan.resolve, &report.head).await?;
    let resolved = plan.resolved_lines();

    let summary = github::find_summary(&issue_comments, &own);
    let has_news = report.findings.iter().any(|f| f.status == Status::New)
        || !suites.is_empty()
        || !resolved.is_empty()
        || !decision_lines.is_empty();
    let summary_written = summary.is_some() || has_news;
    if summary_written {
        let input = SummaryInput {
            report,
            suites,
            checklist,
            links,
            inline: &inline,
            resolved: &resolved,
            notes: &notes,
            decisions: &decision_lines,
            limit: COMMENT_LIMIT,
        };
        github::upsert_summary(
            client,
            &own,
            repository,
            number,
            summary.as_ref(),
            &markdown::summary(&input),
        )
        .await?;
    }
    Ok(Delivery {
        inline,
        resolved,
        fallback: None,
        misconfigured: false,
        posted,
        summary_written,
        decisions: decision_lines,
        decided: decided_prints,
    })
}

/// Post the planned inline comments GitHub accepts; returns the
/// fingerprints posted and the note on those it refused.
async fn post_planned(
    client: &Client,
    (own, repository, number): (&str, &Repository, u64),
    head: &str,
    planned: &[github::InlineComment],
) -> Result<(Vec<String>, Vec<String>), GitHubError> {
    if planned.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let outcome = post_what_github_accepts(client, own, repository, number, head, planned).await?;
    let posted = outcome
        .posted
        .iter()
        .map(|c| c.fingerprint.clone())
        .collect();
    Ok((posted, refused_note(&outcome).into_iter().collect()))
}

/// Reviewers' decisions first: a dismissed or accepted finding is neither
/// posted again nor marked fixed, and no longer counts. Returns the lines
/// the summary lists and the fingerprints taken out of the report.
async fn apply_decisions(
    client: &Client,
    repository: &Repository,
    pull_request: &PullRequest,
    (issue_comments, review_comments): (&[serde_json::Value], &[serde_json::Value]),
    report: &mut Report,
) -> Result<(Vec<DecisionLine>, HashSet<String>), GitHubError> {
    let has_accept_label = pull_request
        .labels
        .iter()
        .any(|label| label == github::ACCEPT_LABEL);
    let decisions = github::read_decisions(
        client,
        repository,
        pull_request.number,
        issue_comments,
        review_comments,
        has_accept_label,
    )
    .await?;
    let decided = decisions.apply(&mut report.findings);
    let prints = decided
        .iter()
        .map(|item| item.finding.fingerprint.clone())
        .collect();
    Ok((github::decision_lines(&decided), prints))
}

/// Lines GitHub's diff does not have: only those findings stay in the
/// summary, with why.
fn refused_note(outcome: &ReviewOutcome<'_>) -> Option<String> {
    let error = outcome.refused_because.as_ref()?;
    let one = outcome.refused.len() == 1;
    Some(format!(
        "GitHub did not accept {} inline comment{} on {} ({error}); {} questions are listed here instead.",
        outcome.refused.len(),
        if one { "" } else { "s" },
        outcome
            .refused
            .iter()
            .map(|c| format!("{}:{}", c.path, c.line))
            .collect::<Vec<_>>()
            .join(", "),
        if one { "its" } else { "their" },
    ))
}

/// What GitHub took of a review.
struct ReviewOutcome<'a> {
    posted: Vec<&'a github::InlineComment>,
    refused: Vec<&'a github::InlineComment>,
    /// GitHub's answer to the first refused comment.
    refused_because: Option<GitHubError>,
}

/// Post `comments` as one review; when GitHub refuses it with 422 (a line
/// its diff cannot place), split the comments in halves and post each half,
/// down to the single comments it refuses. Every other comment is posted
/// once (each landed batch is never sent again).
async fn post_what_github_accepts<'a>(
    client: &Client,
    own: &str,
    repository: &Repository,
    number: u64,
    head: &str,
    comments: &'a [github::InlineComment],
) -> Result<ReviewOutcome<'a>, GitHubError> {
    let mut outcome = ReviewOutcome {
        posted: Vec::new(),
        refused: Vec::new(),
        refused_because: None,
    };
    let mut pending = vec![comments];
    while let Some(batch) = pending.pop() {
        match github::post_review(client, own, repository, number, head, batch).await {
            Ok(_) => outcome.posted.extend(batch),
            Err(error) if error.status() == Some(422) => {
                if let [single] = batch {
                    outcome.refused.push(single);
                    outcome.refused_because.get_or_insert(error);
                } else {
                    let (first, second) = batch.split_at(batch.len() / 2);
                    pending.push(second);
                    pending.push(first);
                }
            }
            Err(error) => return Err(error),
        }
    }
    Ok(outcome)
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

/// Step outputs in the runner's multi-line syntax, with a delimiter that
/// cannot occur in the values.
fn write_outputs(path: &Path, outputs: &[(&str, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (name, value) in outputs {
        let mut delimiter = format!("ghadelimiter_{}", nonce(name));
        while value.contains(&delimiter) {
            delimiter = format!("ghadelimiter_{}", nonce(&delimiter));
        }
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    append_raw(path, &text)
}

fn append_raw(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}
