//! Hidden markers in comment bodies: how Handoff finds its own comments
//! again on the next run. They are HTML comments, invisible on GitHub, and
//! hold only values Handoff generates (hex fingerprints, rule ids).

use super::{Client, GitHubError};
use serde_json::Value;

/// The identity the Actions token posts as. `GET /user` refuses that token
/// (403, "Resource not accessible by integration").
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The login Handoff posts as: the token's user (`GET /user`), or
/// [`ACTIONS_BOT`] when GitHub will not say (the Actions token).
pub async fn own_login(client: &Client) -> Result<String, GitHubError> {
    match client.get_one("/user").await {
        Ok(user) => Ok(user["login"].as_str().unwrap_or(ACTIONS_BOT).to_string()),
        Err(error) if error.status().is_some() => Ok(ACTIONS_BOT.to_string()),
        Err(error) => Err(error),
    }
}

/// Whether a comment (an item of a comments list) was written by `own`:
/// only those may carry Handoff's markers, a marker anyone else plants is
/// text.
pub fn written_by(item: &Value, own: &str) -> bool {
    item["user"]["login"].as_str() == Some(own)
}

/// The marker at the top of the one summary comment.
pub const SUMMARY_MARKER: &str = "<!-- handoff:summary -->";

const FINDING_PREFIX: &str = "<!-- handoff:finding ";

/// What an inline comment's marker says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingMarker {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The finding's rule id.
    pub rule: String,
    /// Whether a later run found it fixed.
    pub resolved: bool,
}

/// The marker for an inline comment on a finding.
pub fn finding_marker(fingerprint: &str, rule: &str, resolved: bool) -> String {
    let state = if resolved { " state=resolved" } else { "" };
    format!(
        "{FINDING_PREFIX}fingerprint={} rule={}{state} -->",
        clean(fingerprint, |c| c.is_ascii_hexdigit()),
        clean(rule, |c| c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, '/' | '-'))
    )
}

fn clean(value: &str, keep: impl Fn(char) -> bool) -> String {
    value.chars().filter(|&c| keep(c)).collect()
}

/// The marker of a comment body, if it has one (the last one wins: a
/// resolved comment quotes the original).
pub fn parse_finding_marker(body: &str) -> Option<FindingMarker> {
    let start = body.rfind(FINDING_PREFIX)? + FINDING_PREFIX.len();
    let end = start + body[start..].find("-->")?;
    let mut marker = FindingMarker {
        fingerprint: String::new(),
        rule: String::new(),
        resolved: false,
    };
    for field in body[start..end].split_whitespace() {
        match field.split_once('=') {
            Some(("fingerprint", value))
                if !value.is_empty() && value.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                marker.fingerprint = value.to_string();
            }
            Some(("rule", value)) => marker.rule = value.to_string(),
            Some(("state", "resolved")) => marker.resolved = true,
            _ => {}
        }
    }
    (!marker.fingerprint.is_empty()).then_some(marker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_marker_round_trips() {
        let marker = finding_marker("00ff", "sequencing/side-effect-in-transaction", false);
        assert_eq!(
            parse_finding_marker(&format!("text\n\n{marker}\n")),
            Some(FindingMarker {
                fingerprint: "00ff".to_string(),
                rule: "sequencing/side-effect-in-transaction".to_string(),
                resolved: false,
            })
        );
        let resolved = finding_marker("00ff", "sequencing/x", true);
        assert!(
            parse_finding_marker(&format!("{marker}\nquoted\n{resolved}"))
                .is_some_and(|m| m.resolved)
        );
    }

    #[test]
    fn marker_values_cannot_close_the_html_comment() {
        let marker = finding_marker("zz-->00<b>", "rule --><b>", false);
        assert_eq!(marker.matches("-->").count(), 1, "{marker}");
        assert!(
            !marker.contains('<') || marker.starts_with("<!--") && marker.matches('<').count() == 1
        );
    }

    #[test]
    fn bodies_without_a_marker_are_not_ours() {
        assert_eq!(parse_finding_marker("LGTM"), None);
        assert_eq!(
            parse_finding_marker("<!-- handoff:finding rule=x -->"),
            None
        );
    }
}
