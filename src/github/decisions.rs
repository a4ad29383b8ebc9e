//! The decisions reviewers take on a pull request, read back on every run:
//!
//! - a 👎 reaction on one of Handoff's inline comments dismisses that finding;
//! - a `/handoff accept <rule-id|all> <reason>` line in a pull request comment,
//!   or the `handoff:accept` label, accepts the findings of a rule (or all of
//!   them) as an intentional change.
//!
//! Only people who may write to the repository decide: a reaction, comment or
//! label from anyone else (the author of a pull request from a fork, a
//! passer-by) is ignored, so a finding cannot be waved away by the change it
//! is about. Every decision keeps who took it and why, for the summary.

use super::{Client, GitHubError, Repository, parse_finding_marker};
use crate::report::markdown::DecisionLine;
use crate::scan::Finding;
use serde_json::Value;
use std::collections::HashMap;

/// The label that accepts every finding of a pull request.
pub const ACCEPT_LABEL: &str = "handoff:accept";

/// The command word, at the start of a comment line.
const ACCEPT_COMMAND: &str = "/handoff accept";

/// At most this many people's permissions are looked up per run.
const MAX_PERMISSION_LOOKUPS: usize = 20;

/// A `/handoff accept` line, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptCommand {
    /// The rule id, or `None` for `all`.
    pub rule: Option<String>,
    /// Why (the rest of the line); never empty.
    pub reason: String,
}

/// The `/handoff accept <rule-id|all> <reason>` lines of a comment body. A
/// line without a reason is not a command: the decision must say why.
pub fn parse_accept_commands(body: &str) -> Vec<AcceptCommand> {
    body.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix(ACCEPT_COMMAND)?;
            let rest = rest.strip_prefix(char::is_whitespace)?.trim();
            let (target, reason) = rest.split_once(char::is_whitespace)?;
            let reason = reason.trim();
            if reason.is_empty() {
                return None;
            }
            let rule = (!target.eq_ignore_ascii_case("all")).then(|| target.to_string());
            Some(AcceptCommand {
                rule,
                reason: clip(reason, 300),
            })
        })
        .collect()
}

/// A finding (or a rule, or everything) accepted as intentional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    /// The accepted rule; `None` accepts every finding.
    pub rule: Option<String>,
    /// The login of who accepted it.
    pub by: String,
    /// Why.
    pub reason: String,
}

/// A finding dismissed with a 👎 on its inline comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Its rule.
    pub rule: String,
    /// The login of who dismissed it.
    pub by: String,
}

/// What reviewers decided on a pull request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    /// Acceptances, in the order they were made.
    pub accepted: Vec<Acceptance>,
    /// Dismissals, one per fingerprint.
    pub dismissed: Vec<Dismissal>,
}

/// What a decision did to a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Dismissed by this person.
    Dismissed {
        /// Who.
        by: String,
    },
    /// Accepted by this person, for this reason.
    Accepted {
        /// Who.
        by: String,
        /// Why.
        reason: String,
    },
}

/// A finding a decision took out of the report, for the summary.
#[derive(Debug, Clone)]
pub struct DecidedFinding {
    /// The finding.
    pub finding: Finding,
    /// The decision.
    pub decision: Decision,
}

impl Decisions {
    /// Whether nothing was decided.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty() && self.dismissed.is_empty()
    }

    /// The decision that applies to a finding, if any: a dismissal of its
    /// fingerprint first, else the first acceptance of its rule or of all.
    pub fn decision_for(&self, finding: &Finding) -> Option<Decision> {
        if let Some(dismissal) = self
            .dismissed
            .iter()
            .find(|d| d.fingerprint == finding.fingerprint)
        {
            return Some(Decision::Dismissed {
                by: dismissal.by.clone(),
            });
        }
        self.accepted
            .iter()
            .find(|a| a.rule.as_deref().is_none_or(|rule| rule == finding.rule))
            .map(|a| Decision::Accepted {
                by: a.by.clone(),
                reason: a.reason.clone(),
            })
    }

    /// Take the decided findings out of `findings` (they no longer count for
    /// the risk, `fail-on`, annotations or new inline comments) and return them.
    pub fn apply(&self, findings: &mut Vec<Finding>) -> Vec<DecidedFinding> {
        if self.is_empty() {
            return Vec::new();
        }
        let mut decided = Vec::new();
        findings.retain(|finding| match self.decision_for(finding) {
            Some(decision) => {
                decided.push(DecidedFinding {
                    finding: finding.clone(),
                    decision,
                });
                false
            }
            None => true,
        });
        decided
    }
}

/// The decided findings as the summary lists them.
pub fn decision_lines(decided: &[DecidedFinding]) -> Vec<DecisionLine> {
    decided
        .iter()
        .map(|item| DecisionLine {
            rule: item.finding.rule.clone(),
            path: item.finding.path.clone(),
            line: item.finding.line,
            by: match &item.decision {
                Decision::Dismissed { by } | Decision::Accepted { by, .. } => by.clone(),
            },
            accepted_because: match &item.decision {
                Decision::Dismissed { .. } => None,
                Decision::Accepted { reason, .. } => Some(reason.clone()),
            },
        })
        .collect()
}

/// Read the decisions on pull request `number` from its comments
/// (`issue_comments`: `GET /issues/{n}/comments`), Handoff's inline comments
/// (`review_comments`: `GET /pulls/{n}/comments`) and, when the pull request
/// carries the accept label, its label events. People's write access is
/// checked once each.
///
/// # Errors
/// A request that fails after its retries.
pub async fn read_decisions(
    client: &Client,
    repository: &Repository,
    number: u64,
    issue_comments: &[Value],
    review_comments: &[Value],
    has_accept_label: bool,
) -> Result<Decisions, GitHubError> {
    let base = repository.api_path();
    let mut writers = Writers::default();
    let mut decisions = Decisions::default();
    for comment in issue_comments {
        let Some(login) = comment["user"]["login"].as_str() else {
            continue;
        };
        let commands = comment["body"]
            .as_str()
            .map(parse_accept_commands)
            .unwrap_or_default();
        if commands.is_empty() || !writers.may_write(client, &base, login).await? {
            continue;
        }
        decisions
            .accepted
            .extend(commands.into_iter().map(|command| Acceptance {
                rule: command.rule,
                by: login.to_string(),
                reason: command.reason,
            }));
    }
    if has_accept_label {
        let events = client
            .get_all(&format!("{base}/issues/{number}/events"))
            .await?;
        let labelled_by = events.iter().rev().find_map(|event| {
            (event["event"] == "labeled" && event["label"]["name"] == ACCEPT_LABEL)
                .then(|| event["actor"]["login"].as_str())
                .flatten()
        });
        if let Some(login) = labelled_by
            && writers.may_write(client, &base, login).await?
        {
            decisions.accepted.push(Acceptance {
                rule: None,
                by: login.to_string(),
                reason: format!("the {ACCEPT_LABEL} label"),
            });
        }
    }
    for comment in review_comments {
        let thumbs_down = comment["reactions"]["-1"].as_u64().unwrap_or(0);
        let (Some(id), Some(marker)) = (
            comment["id"].as_u64(),
            comment["body"].as_str().and_then(parse_finding_marker),
        ) else {
            continue;
        };
        if thumbs_down == 0 || !comment["in_reply_to_id"].is_null() {
            continue;
        }
        let reactions = client
            .get_all(&format!("{base}/pulls/comments/{id}/reactions?content=-1"))
            .await?;
        for reaction in &reactions {
            let Some(login) = reaction["user"]["login"].as_str() else {
                continue;
            };
            if writers.may_write(client, &base, login).await? {
                decisions.dismissed.push(Dismissal {
                    fingerprint: marker.fingerprint.clone(),
                    rule: marker.rule.clone(),
                    by: login.to_string(),
                });
                break;
            }
        }
    }
    Ok(decisions)
}

/// Who may write to the repository, looked up once per person.
#[derive(Default)]
struct Writers {
    known: HashMap<String, bool>,
}

impl Writers {
    async fn may_write(
        &mut self,
        client: &Client,
        base: &str,
        login: &str,
    ) -> Result<bool, GitHubError> {
        if let Some(&known) = self.known.get(login) {
            return Ok(known);
        }
        // Logins are alphanumeric with dashes (and `[bot]` for apps, which
        // are never asked: an app's decision is not a person's).
        let plausible =
            !login.is_empty() && login.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        let may = if plausible && self.known.len() < MAX_PERMISSION_LOOKUPS {
            let answer = client
                .get_one(&format!("{base}/collaborators/{login}/permission"))
                .await;
            match answer {
                Ok(value) => matches!(
                    value["permission"].as_str(),
                    Some("admin" | "maintain" | "write")
                ),
                // Not a collaborator at all.
                Err(error) if error.status() == Some(404) => false,
                Err(error) => return Err(error),
            }
        } else {
            false
        };
        self.known.insert(login.to_string(), may);
        Ok(may)
    }
}

fn clip(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(max_chars).collect();
    clipped.push('…');
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Class, Confidence, Severity};
    use crate::scan::Status;

    fn finding(rule: &str, fingerprint: &str) -> Finding {
        Finding {
            rule: rule.to_string(),
            class: Class::Sequencing,
            severity: Severity::High,
            confidence: Confidence::High,
            status: Status::New,
            path: "a.js".to_string(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
            message: String::new(),
            questions: Vec::new(),
            related: Vec::new(),
            fingerprint: fingerprint.to_string(),
            function: String::new(),
            occurrences: 1,
            source_lines: Vec::new(),
            source_cut: 0,
        }
    }

    #[test]
    fn accept_commands_need_a_rule_and_a_reason() {
        let body = "Thanks!\n/handoff accept contract/field-renamed the consumer ships in the same release\n  /handoff accept all   intentional breaking change  \n/handoff accept rejection/swallowed-error\n/handoff acceptall because\nplease /handoff accept all x";
        assert_eq!(
            parse_accept_commands(body),
            vec![
                AcceptCommand {
                    rule: Some("contract/field-renamed".to_string()),
                    reason: "the consumer ships in the same release".to_string()
                },
                AcceptCommand {
                    rule: None,
                    reason: "intentional breaking change".to_string()
                },
            ]
        );
    }

    #[test]
    fn a_dismissal_wins_over_an_acceptance_and_rules_are_matched_exactly() {
        let decisions = Decisions {
            accepted: vec![Acceptance {
                rule: Some("contract/field-renamed".to_string()),
                by: "maintainer".to_string(),
                reason: "same release".to_string(),
            }],
            dismissed: vec![Dismissal {
                fingerprint: "aa".to_string(),
                rule: "contract/field-renamed".to_string(),
                by: "reviewer".to_string(),
            }],
        };
        let mut findings = vec![
            finding("contract/field-renamed", "aa"),
            finding("contract/field-renamed", "bb"),
            finding("contract/field-removed", "cc"),
        ];
        let decided = decisions.apply(&mut findings);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].fingerprint, "cc");
        assert_eq!(
            decided[0].decision,
            Decision::Dismissed {
                by: "reviewer".to_string()
            }
        );
        assert_eq!(
            decided[1].decision,
            Decision::Accepted {
                by: "maintainer".to_string(),
                reason: "same release".to_string()
            }
        );
        let lines = decision_lines(&decided);
        assert_eq!(lines[0].accepted_because, None);
        assert_eq!(lines[1].accepted_because.as_deref(), Some("same release"));
    }

    #[test]
    fn long_reasons_are_clipped() {
        let body = format!("/handoff accept all {}", "x".repeat(1000));
        let commands = parse_accept_commands(&body);
        assert_eq!(commands[0].reason.chars().count(), 301);
    }
}
