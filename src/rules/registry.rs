//! The list of built-in rules.

use super::Rule;
use super::idempotency::{ConsumerNotIdempotent, KeyRegeneratedPerAttempt, RetryWithoutKey};
use super::rejection::{FireAndForget, SilentSkip, SwallowedError, UncheckedResponse};
use super::sequencing::{SideEffectBeforeCommit, SideEffectInTransaction};

static RULES: &[&dyn Rule] = &[
    &SideEffectInTransaction,
    &SideEffectBeforeCommit,
    &RetryWithoutKey,
    &KeyRegeneratedPerAttempt,
    &ConsumerNotIdempotent,
    &SwallowedError,
    &UncheckedResponse,
    &SilentSkip,
    &FireAndForget,
];

/// Every built-in rule, in a stable order.
pub fn all_rules() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this id, if any.
pub fn find_rule(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|rule| rule.id().as_str() == id)
}
