//! The list of built-in rules.

use super::contract::{
    ConsumerReadsUnknownField, EnumValueRemoved, FieldMadeOptional, FieldRemoved, FieldRenamed,
    FieldTypeChanged,
};
use super::idempotency::{ConsumerNotIdempotent, KeyRegeneratedPerAttempt, RetryWithoutKey};
use super::rejection::{FireAndForget, SilentSkip, SwallowedError, UncheckedResponse};
use super::sequencing::{SideEffectBeforeCommit, SideEffectInTransaction};
use super::{RepositoryRule, Rule};

static RULES: &[&dyn Rule] = &[
    &SideEffectInTransaction,
    &SideEffectBeforeCommit,
    &RetryWithoutKey,
    &KeyRegeneratedPerAttempt,
    &ConsumerNotIdempotent,
    &FieldRenamed,
    &FieldRemoved,
    &FieldTypeChanged,
    &FieldMadeOptional,
    &EnumValueRemoved,
    &ConsumerReadsUnknownField,
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

/// The rules checked once per change over the repository, with their ids.
pub fn repository_rules() -> impl Iterator<Item = (&'static dyn Rule, &'static dyn RepositoryRule)>
{
    RULES
        .iter()
        .filter_map(|rule| rule.repository().map(|repository| (*rule, repository)))
}
