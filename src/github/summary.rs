//! The one summary comment on a pull request: found again by its hidden
//! marker and edited on every run, never posted twice.

use super::marker::{SUMMARY_MARKER, written_by};
use super::{Client, GitHubError, Repository};
use serde_json::{Value, json};

/// Handoff's summary comment as it is on the pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryComment {
    /// The issue comment's id.
    pub id: u64,
    /// Its body.
    pub body: String,
}

/// The summary among a pull request's issue comments (the items of
/// `GET /repos/{owner}/{repo}/issues/{n}/comments`): the first comment
/// written by `own` (Handoff's login, see
/// [`own_login`](super::marker::own_login)) that starts with the marker. A
/// marker planted by anyone else, the pull request's author included, is
/// never adopted (and so never edited).
pub fn find_summary(items: &[Value], own: &str) -> Option<SummaryComment> {
    let chosen = items.iter().find(|item| {
        written_by(item, own)
            && item["body"]
                .as_str()
                .is_some_and(|b| b.starts_with(SUMMARY_MARKER))
    })?;
    Some(SummaryComment {
        id: chosen["id"].as_u64()?,
        body: chosen["body"].as_str()?.to_string(),
    })
}

/// The full comment body for a rendered summary.
pub fn summary_body(markdown: &str) -> String {
    format!("{SUMMARY_MARKER}\n{markdown}")
}

/// Edit the summary if it exists, else post it. An edit refused because the
/// comment is gone or not ours (404/403) posts a new one; a token that may
/// not write at all is refused that too, and its error is returned.
pub async fn upsert_summary(
    client: &Client,
    own: &str,
    repository: &Repository,
    number: u64,
    existing: Option<&SummaryComment>,
    markdown: &str,
) -> Result<Value, GitHubError> {
    let body = json!({ "body": summary_body(markdown) });
    if let Some(existing) = existing {
        if existing.body == summary_body(markdown) {
            return Ok(json!({ "id": existing.id, "unchanged": true }));
        }
        let path = format!("{}/issues/comments/{}", repository.api_path(), existing.id);
        match client.patch(&path, &body).await {
            Err(error) if error.is_permission_denied() => {}
            other => return other,
        }
    }
    let path = format!("{}/issues/{number}/comments", repository.api_path());
    client
        .create(&path, &body, || async {
            let items = client.get_all(&path).await?;
            Ok(find_summary(&items, own).map(|c| json!({ "id": c.id })))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_summary_written_by_handoff_is_adopted() {
        let items = json!([
            {"id": 1, "body": "LGTM", "user": {"login": "octocat", "type": "User"}},
            {"id": 2, "body": format!("{SUMMARY_MARKER}\nplanted by the author"), "user": {"login": "octocat", "type": "User"}},
            {"id": 3, "body": format!("{SUMMARY_MARKER}\nplanted by another app"), "user": {"login": "other[bot]", "type": "Bot"}},
            {"id": 4, "body": format!("{SUMMARY_MARKER}\n### Handoff"), "user": {"login": "github-actions[bot]", "type": "Bot"}},
        ]);
        let items = items.as_array().cloned().unwrap_or_default();
        assert_eq!(
            find_summary(&items, "github-actions[bot]").map(|c| c.id),
            Some(4)
        );
        assert_eq!(find_summary(&items[..3], "github-actions[bot]"), None);
        assert_eq!(find_summary(&items, "octocat").map(|c| c.id), Some(2));
    }
}
