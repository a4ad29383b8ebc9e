//! `handoff action --post-from DIR`: the `workflow_run` half of the fork-safe
//! pair. The `pull_request` run analyses with a read-only token and leaves
//! its results in `results-dir` ([`write_results`]); this run, which may
//! write, downloads them, refuses them unless they are Handoff's results for
//! the triggering run's pull request and head commit, and posts the review
//! and the summary comment. It never reads the pull request's code.

use super::{ActionEnv, Delivery, append, comment, write_step_outputs};
use crate::github::{
    self, Client, ClientOptions, PullRequest, RESULTS_FILE, Repository, Results, RetryPolicy,
    TriggeringRun,
};
use crate::report::markdown::{self, STEP_SUMMARY_LIMIT, SourceLinks, SummaryInput};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Write `results` (and a copy of the SARIF log) into `dir` for the upload
/// step.
pub(super) fn write_results(dir: &Path, results: &Results, sarif: Option<PathBuf>) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the results directory {}", dir.display()))?;
    let json = serde_json::to_string_pretty(results).context("cannot encode the results")?;
    let path = dir.join(RESULTS_FILE);
    std::fs::write(&path, json)
        .with_context(|| format!("cannot write the results {}", path.display()))?;
    if let Some(sarif) = sarif.filter(|s| s.is_file()) {
        let copy = dir.join("handoff.sarif");
        std::fs::copy(&sarif, &copy)
            .with_context(|| format!("cannot copy the SARIF log to {}", copy.display()))?;
    }
    Ok(())
}

/// Post the results in `dir`; returns the exit code.
pub(super) fn run(env: &ActionEnv, dir: &Path) -> Result<i32> {
    let Some(path) = &env.event_path else {
        bail!(
            "GITHUB_EVENT_PATH is not set: `handoff action --post-from` runs in a `workflow_run` workflow"
        );
    };
    let payload = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the event payload GITHUB_EVENT_PATH={}",
            path.display()
        )
    })?;
    let payload: serde_json::Value = serde_json::from_str(&payload)
        .with_context(|| format!("the event payload {} is not JSON", path.display()))?;
    let run = github::triggering_run(&env.event_name, &payload)?;
    let Some(repository) = env.repository.as_deref().and_then(Repository::parse) else {
        bail!(
            "GITHUB_REPOSITORY is not set to owner/name: run `handoff action --post-from` inside GitHub Actions"
        );
    };
    let results = github::read_results(dir, &run, &repository)?;
    let Some(token) = env.inputs.token.clone() else {
        bail!(
            "no github-token was given: pass `github-token: ${{{{ github.token }}}}` with `pull-requests: write`"
        );
    };
    let delivery = deliver(env, &token, &repository, &run, results.clone())?;
    report_delivery(env, &repository, &run, results, &delivery)?;
    Ok(if delivery.misconfigured { 2 } else { 0 })
}

/// Check the pull request on GitHub, then comment.
fn deliver(
    env: &ActionEnv,
    token: &str,
    repository: &Repository,
    run: &TriggeringRun,
    results: Results,
) -> Result<Delivery> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP runtime")?;
    let options = ClientOptions {
        api_url: env.api_url.clone(),
        token: token.to_string(),
        retry: RetryPolicy::default(),
        timeout: Duration::from_secs(30),
    };
    let pull_request = PullRequest {
        number: results.pull_request,
        base_sha: results.base_sha.clone(),
        head_sha: results.head_sha.clone(),
        head_repository: run.head_repository.clone(),
        base_repository: Some(repository.slug()),
        labels: Vec::new(),
    };
    let links = links(env, repository, &results);
    // The checklist from the analysis run is not posted (its Markdown could
    // be anything); this line, made here from numbers, points to it.
    let checklist = format!(
        "In the [job summary of the analysis run]({}).",
        run_url(env, repository, run)
    );
    let checked = results.clone();
    let (mut report, suites) = results.into_report();
    let inline =
        (env.inputs.comment == super::CommentMode::Inline).then_some(env.inputs.inline_confidence);
    let outcome = runtime.block_on(async {
        let client = Client::new(&options)?;
        if let Err(refused) =
            github::verify_pull_request(&client, repository, &checked, run).await?
        {
            return Ok(Err(refused));
        }
        if env.inputs.comment == super::CommentMode::Off {
            return Ok(Ok(Delivery::default()));
        }
        comment(
            &client,
            repository,
            &pull_request,
            inline,
            &mut report,
            &suites,
            Some(&checklist),
            Some(&links),
        )
        .await
        .map(Ok)
    });
    match outcome {
        Ok(Ok(delivery)) => Ok(delivery),
        Ok(Err(refused)) => Err(anyhow!(refused)),
        Err(error) if error.is_unauthorized() => Err(anyhow!(
            "GitHub rejected the token: {error}; pass `github-token: ${{{{ github.token }}}}`"
        )),
        Err(error) if error.is_permission_denied() => Err(anyhow!(
            "the token may not write here: {error}; give the posting job `pull-requests: write`"
        )),
        Err(error) => Err(anyhow!(error)),
    }
}

/// The page of the triggering run.
fn run_url(env: &ActionEnv, repository: &Repository, run: &TriggeringRun) -> String {
    format!(
        "{}/{}/actions/runs/{}",
        env.server_url.trim_end_matches('/'),
        repository.slug(),
        run.id
    )
}

fn links(env: &ActionEnv, repository: &Repository, results: &Results) -> SourceLinks {
    SourceLinks {
        server: env.server_url.clone(),
        repository: repository.slug(),
        commit: results.head_sha.clone(),
    }
}

/// The log line, the step summary and the step outputs of a posting run.
fn report_delivery(
    env: &ActionEnv,
    repository: &Repository,
    run: &TriggeringRun,
    results: Results,
    delivery: &Delivery,
) -> Result<()> {
    let links = links(env, repository, &results);
    let number = results.pull_request;
    let (mut report, suites) = results.into_report();
    report
        .findings
        .retain(|finding| !delivery.decided.contains(&finding.fingerprint));
    let mut log = std::io::stdout().lock();
    writeln!(
        log,
        "Handoff: posted the results of run {} for pull request #{number} at {}: {} new inline comment{}, {} resolved; summary comment {}",
        run.id,
        report.head,
        delivery.posted,
        if delivery.posted == 1 { "" } else { "s" },
        delivery.resolved.len(),
        if delivery.summary_written { "written" } else { "not needed" }
    )
    .context("cannot write to standard output")?;
    if let Some(path) = &env.step_summary {
        let notes = [format!(
            "The reviewer checklist is in the job summary of the analysis run: {}",
            run_url(env, repository, run)
        )];
        let empty = HashSet::new();
        let input = SummaryInput {
            report: &report,
            suites: &suites,
            checklist: None,
            links: Some(&links),
            inline: &empty,
            resolved: &delivery.resolved,
            notes: &notes,
            decisions: &delivery.decisions,
            limit: STEP_SUMMARY_LIMIT,
        };
        append(path, &markdown::summary(&input))
            .context("cannot write the step summary GITHUB_STEP_SUMMARY")?;
    }
    if let Some(path) = &env.output {
        write_step_outputs(path, &report, &suites, None, None)?;
    }
    log.flush().context("cannot write to standard output")
}
