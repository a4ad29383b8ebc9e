//! GitHub: the pull request event, the REST client (octocrab over rustls)
//! with retries and pagination, the inline review and the one living
//! summary comment.
//!
//! Reporters render text; this module decides what goes where on the pull
//! request and talks to the API. It never logs a request's headers, so the
//! token can never reach the output.

mod client;
mod decisions;
mod event;
mod marker;
mod results;
mod retry;
mod review;
mod summary;

pub use client::{Client, ClientOptions};
pub use decisions::{
    ACCEPT_LABEL, AcceptCommand, Acceptance, DecidedFinding, Decision, Decisions, Dismissal,
    decision_lines, parse_accept_commands, read_decisions,
};
pub use event::{Event, EventError, EventKind, PullRequest};
pub use marker::{
    ACTIONS_BOT, FindingMarker, SUMMARY_MARKER, finding_marker, own_login, parse_finding_marker,
    written_by,
};
pub use results::{
    MAX_RESULTS_BYTES, RESULTS_FILE, RESULTS_SCHEMA, Results, ResultsError, TriggeringRun,
    read_results, triggering_run, verify_pull_request,
};
pub use retry::{LimitHeaders, RetryPolicy, Verdict};
pub use review::{
    CONTEXT_LINES, ExistingComment, InlineComment, MAX_INLINE_COMMENTS, ReviewPlan, comment_body,
    comment_position, existing_comments, plan_review, post_review, resolve_comments, resolved_body,
};
pub use summary::{SummaryComment, find_summary, summary_body, upsert_summary};

/// A repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The owner (user or organisation).
    pub owner: String,
    /// The repository's name.
    pub name: String,
}

impl Repository {
    /// Parse `owner/name` (as in `GITHUB_REPOSITORY`).
    pub fn parse(slug: &str) -> Option<Repository> {
        let (owner, name) = slug.trim().split_once('/')?;
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        (valid(owner) && valid(name)).then(|| Repository {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// `owner/name`.
    pub fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The API path of this repository, `/repos/owner/name`.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }
}

/// Why a call to GitHub failed. Messages are one line, name the request and
/// say what to do; they never contain the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    /// GitHub answered with an error status (after any retries).
    #[error("{method} {path}: GitHub answered {status}: {message}")]
    Status {
        /// The HTTP method.
        method: String,
        /// The API path, without query.
        path: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's `message` (and error details), one line.
        message: String,
    },
    /// A rate limit that resets later than Handoff is willing to wait.
    #[error(
        "{method} {path}: GitHub's rate limit resets in {seconds} s, longer than Handoff waits; re-run the job later"
    )]
    RateLimited {
        /// The HTTP method.
        method: String,
        /// The API path, without query.
        path: String,
        /// Seconds until the limit resets.
        seconds: u64,
    },
    /// No answer: connection refused, reset or timed out (after retries).
    #[error(
        "{method} {path}: cannot reach the GitHub API at {api}: {cause}; check GITHUB_API_URL and the runner's network"
    )]
    Transport {
        /// The HTTP method.
        method: String,
        /// The API path, without query.
        path: String,
        /// The API base URL.
        api: String,
        /// What went wrong.
        cause: String,
    },
    /// An answer that is not the JSON GitHub documents.
    #[error("{method} {path}: GitHub's answer is not the documented JSON: {cause}")]
    InvalidResponse {
        /// The HTTP method.
        method: String,
        /// The API path, without query.
        path: String,
        /// What was wrong with it.
        cause: String,
    },
    /// The client could not be set up.
    #[error("cannot set up the GitHub client: {0}")]
    Setup(String),
}

impl GitHubError {
    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// A write refused because the token may not write here: 403 (a fork's
    /// read-only token, missing `pull-requests: write`) or 404 (GitHub hides
    /// what a token may not see).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self.status(), Some(403 | 404))
    }

    /// The token itself was rejected.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }
}
