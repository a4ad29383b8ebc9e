//! The workflow's triggering event (`GITHUB_EVENT_PATH`): which commits to
//! compare and which pull request to comment on.

use serde_json::Value;

/// The events Handoff understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `pull_request`: the token is read-only for pull requests from forks.
    PullRequest,
    /// `pull_request_target`: runs in the base repository's context.
    PullRequestTarget,
    /// `push`.
    Push,
    /// `workflow_dispatch` (a manual run).
    WorkflowDispatch,
    /// Any other event: scanned like a manual run.
    Other(String),
}

impl EventKind {
    /// From `GITHUB_EVENT_NAME`.
    pub fn from_name(name: &str) -> EventKind {
        match name {
            "pull_request" => EventKind::PullRequest,
            "pull_request_target" => EventKind::PullRequestTarget,
            "push" => EventKind::Push,
            "workflow_dispatch" => EventKind::WorkflowDispatch,
            other => EventKind::Other(other.to_string()),
        }
    }
}

/// The pull request an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// The base branch's commit when the event fired.
    pub base_sha: String,
    /// The pull request's head commit.
    pub head_sha: String,
    /// `owner/name` of the head repository (`None` when it was deleted).
    pub head_repository: Option<String>,
    /// `owner/name` of the base repository.
    pub base_repository: Option<String>,
    /// The names of its labels when the event fired.
    pub labels: Vec<String>,
}

impl PullRequest {
    /// Whether the head lives in another repository (a fork).
    pub fn is_from_fork(&self) -> bool {
        match (&self.head_repository, &self.base_repository) {
            (Some(head), Some(base)) => !head.eq_ignore_ascii_case(base),
            (None, _) => true,
            _ => false,
        }
    }
}

/// What Handoff needs from an event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's name.
    pub kind: EventKind,
    /// The pull request, for pull request events.
    pub pull_request: Option<PullRequest>,
    /// `before` of a push (`None` for a new branch: all zeros).
    pub before: Option<String>,
    /// `after` of a push.
    pub after: Option<String>,
}

/// Why an event payload cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not JSON.
    #[error(
        "the event payload {path} is not JSON ({cause}): run `handoff action` only inside GitHub Actions"
    )]
    NotJson {
        /// The payload's path.
        path: String,
        /// The parser's message.
        cause: String,
    },
    /// A pull request event without the fields GitHub always sends.
    #[error(
        "the {event} payload {path} lacks `{field}`: is GITHUB_EVENT_NAME right for this payload?"
    )]
    Missing {
        /// The event name.
        event: String,
        /// The payload's path.
        path: String,
        /// The missing field.
        field: &'static str,
    },
}

fn is_sha(value: &str) -> bool {
    (7..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn sha(value: &Value) -> Option<String> {
    value
        .as_str()
        .filter(|s| is_sha(s) && !s.bytes().all(|b| b == b'0'))
        .map(str::to_string)
}

impl Event {
    /// Parse a payload; `path` names it in errors.
    pub fn parse(name: &str, payload: &str, path: &str) -> Result<Event, EventError> {
        let kind = EventKind::from_name(name);
        let json: Value = serde_json::from_str(payload).map_err(|e| EventError::NotJson {
            path: path.to_string(),
            cause: e.to_string(),
        })?;
        let missing = |field| EventError::Missing {
            event: name.to_string(),
            path: path.to_string(),
            field,
        };
        let pull_request = match kind {
            EventKind::PullRequest | EventKind::PullRequestTarget => {
                let pr = &json["pull_request"];
                if !pr.is_object() {
                    return Err(missing("pull_request"));
                }
                let number = pr["number"]
                    .as_u64()
                    .or(json["number"].as_u64())
                    .ok_or_else(|| missing("pull_request.number"))?;
                Some(PullRequest {
                    number,
                    base_sha: sha(&pr["base"]["sha"])
                        .ok_or_else(|| missing("pull_request.base.sha"))?,
                    head_sha: sha(&pr["head"]["sha"])
                        .ok_or_else(|| missing("pull_request.head.sha"))?,
                    head_repository: pr["head"]["repo"]["full_name"].as_str().map(str::to_string),
                    base_repository: pr["base"]["repo"]["full_name"]
                        .as_str()
                        .or(json["repository"]["full_name"].as_str())
                        .map(str::to_string),
                    labels: pr["labels"]
                        .as_array()
                        .map(|labels| {
                            labels
                                .iter()
                                .filter_map(|label| label["name"].as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            }
            _ => None,
        };
        Ok(Event {
            kind,
            pull_request,
            before: sha(&json["before"]),
            after: sha(&json["after"]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_payload_gives_number_base_and_head() {
        let payload = r#"{"action":"opened","number":2,"pull_request":{"number":2,
            "base":{"sha":"f95f852bd8fca8fcc58a9a2d6c842781e32a215e","repo":{"full_name":"Codertocat/Hello-World"}},
            "head":{"sha":"ec26c3e57ca3a959ca5aad62de7213c562f8c821","repo":{"full_name":"fork/Hello-World"}}}}"#;
        let event = Event::parse("pull_request", payload, "event.json").expect("valid");
        let pr = event.pull_request.expect("a pull request");
        assert_eq!(pr.number, 2);
        assert_eq!(pr.base_sha, "f95f852bd8fca8fcc58a9a2d6c842781e32a215e");
        assert!(pr.is_from_fork());
    }

    #[test]
    fn push_of_a_new_branch_has_no_before() {
        let payload = r#"{"before":"0000000000000000000000000000000000000000","after":"6113728f27ae82c7b1a177c8d03f9e96e0adf246"}"#;
        let event = Event::parse("push", payload, "event.json").expect("valid");
        assert_eq!(event.before, None);
        assert_eq!(
            event.after.as_deref(),
            Some("6113728f27ae82c7b1a177c8d03f9e96e0adf246")
        );
    }

    #[test]
    fn pull_request_payload_without_head_is_a_one_line_error() {
        let error = Event::parse(
            "pull_request",
            r#"{"pull_request":{"number":1,"base":{"sha":"abcdef0"}}}"#,
            "e.json",
        )
        .expect_err("no head");
        assert!(
            error.to_string().contains("pull_request.head.sha"),
            "{error}"
        );
        assert!(Event::parse("push", "{", "e.json").is_err());
    }
}
