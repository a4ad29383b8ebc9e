//! The one summary comment on a pull request: found again by its hidden
//! marker and edited on every run, never posted twice.

use super::marker::SUMMARY_MARKER;
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
/// `GET /repos/{owner}/{repo}/issues/{n}/comments`). Comments by bots (as
/// `github-actions[bot]` is) are preferred, so a person quoting the marker
/// does not take the summary over.
pub fn find_summary(items: &[Value]) -> Option<SummaryComment> {
    let ours = |item: &&Value| {
        item["body"]
            .as_str()
            .is_some_and(|b| b.starts_with(SUMMARY_MARKER))
    };
    let by_bot = items
        .iter()
        .filter(ours)
        .find(|item| item["user"]["type"].as_str() == Some("Bot"));
    let chosen = by_bot.or_else(|| items.iter().find(ours))?;
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
            Ok(find_summary(&items).map(|c| json!({ "id": c.id })))
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_by_a_bot_wins_over_a_quoted_marker() {
        let items = json!([
            {"id": 1, "body": "LGTM", "user": {"type": "User"}},
            {"id": 2, "body": format!("{SUMMARY_MARKER}\nquoted by a person"), "user": {"type": "User"}},
            {"id": 3, "body": format!("{SUMMARY_MARKER}\n### Handoff"), "user": {"type": "Bot"}},
        ]);
        let items = items.as_array().cloned().unwrap_or_default();
        assert_eq!(find_summary(&items).map(|c| c.id), Some(3));
        assert_eq!(find_summary(&items[..2]).map(|c| c.id), Some(2));
        assert_eq!(find_summary(&items[..1]), None);
    }
}
