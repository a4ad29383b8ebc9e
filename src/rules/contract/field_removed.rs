//! `contract/field-removed`.

use super::{Change, ContractContext, Subject, channels_phrase, finding, impact, key};
use crate::rules::{Class, LocatedFinding, RepositoryRule, Rule, RuleDoc, RuleId, Severity};

/// ## What it detects
/// A key a producer sent is no longer sent — dropped from the published
/// object literal or from the declared type (or `#[serde(skip)]`ped) —
/// while a consumer of the same topic or route still reads it.
///
/// ## Why it breaks workflows
/// The consumer reads a missing key and carries on with `undefined` or
/// `None`: a receipt without an e-mail address, a shipment without items.
pub struct FieldRemoved;

static DOC: RuleDoc = RuleDoc {
    summary: "A payload key is no longer sent while a consumer still reads it.",
    detects: "A key removed from the object a producer publishes, posts or responds with, or from the declared type it sends (including a serde field now `#[serde(skip)]`), while a consumer of the same topic or route still reads it. With no consumer in the repository the finding is medium and asks who consumes the payload.",
    why: "Nothing fails at the producer: the consumer simply stops receiving the value and falls back to `undefined`, `None` or a default, which flows into the next system as missing data — the failure surfaces days later as a support ticket.",
    bad: "// producer (changed)\nawait queue.add('send-receipt', { orderId });   // `email` dropped\n\n// consumer (unchanged)\nnew Worker('send-receipt', async (job) => mailer.send(job.data.email));",
    good: "await queue.add('send-receipt', { orderId, email: customer.email });",
    fix: "Keep sending the key until no consumer reads it, or change the consumers in the same change to get the value elsewhere (load it by id).",
    questions: &[
        "Does every consumer still work without the key — or does it fall back silently?",
        "Can the key stay, deprecated, until no consumer reads it?",
        "How would a workflow test catch a consumer acting on a missing value?",
    ],
};

impl Rule for FieldRemoved {
    fn id(&self) -> RuleId {
        RuleId("contract/field-removed")
    }

    fn class(&self) -> Class {
        Class::Contract
    }

    fn default_severity(&self) -> Severity {
        Severity::High
    }

    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn repository(&self) -> Option<&dyn RepositoryRule> {
        Some(self)
    }
}

impl RepositoryRule for FieldRemoved {
    fn check_repository(&self, context: &ContractContext, findings: &mut Vec<LocatedFinding>) {
        for drift in context.drifts() {
            let Change::Removed { field } = &drift.change else {
                continue;
            };
            let old = key(field);
            let channels = channels_phrase(drift);
            let message = match &drift.subject {
                Subject::Type { name } => format!(
                    "type `{name}` no longer puts {old} on the wire ({channels}): {}",
                    impact(drift, &old)
                ),
                _ => format!(
                    "{channels} is no longer sent with {old}: {}",
                    impact(drift, &old)
                ),
            };
            let questions = vec![
                format!(
                    "What does each consumer of {channels} do without {old} — fail, skip the work, or carry on with `undefined`/`None`?"
                ),
                format!(
                    "Can {old} stay, deprecated, until no consumer reads it, or can the consumer load the value another way in the same change?"
                ),
                format!(
                    "How would a workflow test verify that the downstream action still happens without {old}?"
                ),
            ];
            findings.extend(finding(self.id(), drift, message, questions));
        }
    }
}
