//! Upward, for retries: when the change makes a helper send a
//! non-idempotent effect without a stable key (the key it took from its
//! caller went, it now mints a fresh one on every call, or it newly reaches
//! such an effect at all), its callers in files the change does not touch
//! that run it under a retry now repeat the effect. They are found by the
//! upward search (see [`super::upward`]); each caller's file is judged by
//! the two retry rules with the helper's new summary laid over the packs.
//! One finding per helper, at the call inside it that leads to the effect,
//! with every retrying caller and its retry as related locations.

use super::callers::ChangedFunction;
use super::upward::{
    Caller, ChangedHelper, MAX_CALLERS, UpwardSearch, in_reading_order, judged_with_helpers,
};
use super::{AnalyzedFile, Finding};
use crate::config::Config;
use crate::flow::derived::Summary;
use crate::flow::imports::project_imports;
use crate::model::Language;
use crate::rules::idempotency::{KeyRegeneratedPerAttempt, RetryWithoutKey};
use crate::rules::{Confidence, RawFinding, RelatedSpan, RuleId, Severity};

/// What the change did to the key a helper sends with its effect.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyChange {
    /// It sends none now; it sent one its caller or stable data gave.
    Dropped(String),
    /// It sends none, and reached no such effect before.
    NeverSent,
    /// It mints a fresh one on every call (`key`, `generator`).
    Minted { key: String, generator: String },
}

impl KeyChange {
    /// The rule that judges the helper's callers.
    fn rule(&self) -> RuleId {
        match self {
            KeyChange::Minted { .. } => KeyRegeneratedPerAttempt::ID,
            KeyChange::Dropped(_) | KeyChange::NeverSent => RetryWithoutKey::ID,
        }
    }
}

/// A function of a touched file that the change made repeat its effect
/// when retried.
struct NewRepeat {
    helper: ChangedHelper,
    change: KeyChange,
}

/// The retry callers' search: helpers that now send without a stable key.
pub(super) struct RetryCallers<'c> {
    repeats: Vec<NewRepeat>,
    config: &'c Config,
}

impl<'c> RetryCallers<'c> {
    pub(super) fn new(changed: &[ChangedFunction], config: &'c Config) -> Self {
        let repeats = new_repeats(changed)
            .into_iter()
            .filter(|repeat| config.rule_enabled(repeat.change.rule().as_str()))
            .collect();
        RetryCallers { repeats, config }
    }
}

impl UpwardSearch for RetryCallers<'_> {
    fn names(&self) -> Vec<&str> {
        self.repeats
            .iter()
            .map(|repeat| repeat.helper.searched())
            .collect()
    }

    fn callers_in(&self, path: &str, language: Language, text: &str) -> Vec<(usize, Caller)> {
        callers_in(path, language, text, &self.repeats, self.config)
    }

    fn findings(&self, callers: Vec<Vec<Caller>>, analysed: &[AnalyzedFile]) -> Vec<Finding> {
        self.repeats
            .iter()
            .zip(callers)
            .filter(|(_, callers)| !callers.is_empty())
            .filter_map(|(repeat, mut callers)| {
                in_reading_order(&mut callers);
                finding(repeat, &callers, analysed, self.config)
            })
            .collect()
    }
}

/// What the change did to the key of a helper's effect, when it made the
/// effect unsafe to retry: the head sends a non-idempotent effect without a
/// stable key, and the base sent it with one, or reached none.
fn key_change(head: &Summary, base: &Summary) -> Option<KeyChange> {
    let reached = head.reaches.as_ref().filter(|r| r.non_idempotent)?;
    let stable_before = match &base.reaches {
        None => None,
        Some(before) if !before.non_idempotent => None,
        Some(before) => match &before.key {
            Some(key) if key.generated_by.is_none() => Some(key.name.clone()),
            // It was unsafe before the change too: not what the change did.
            _ => return None,
        },
    };
    match (&reached.key, stable_before) {
        (
            Some(crate::knowledge::HelperKey {
                name,
                generated_by: Some(generator),
            }),
            _,
        ) => Some(KeyChange::Minted {
            key: name.clone(),
            generator: generator.clone(),
        }),
        (Some(_), _) => None,
        (None, Some(key)) => Some(KeyChange::Dropped(key)),
        (None, None) => Some(KeyChange::NeverSent),
    }
}

fn new_repeats(changed: &[ChangedFunction]) -> Vec<NewRepeat> {
    changed
        .iter()
        .filter_map(|f| {
            Some(NewRepeat {
                change: key_change(&f.head, &f.base)?,
                helper: ChangedHelper::of(f)?,
            })
        })
        .collect()
}

/// The callers in one file that retry a helper of `repeats`, with the
/// helper's index: the file's imports that name the helper's file bind the
/// helper's new summary, and the retry rules judge the file with it.
fn callers_in(
    path: &str,
    language: Language,
    text: &str,
    repeats: &[NewRepeat],
    config: &Config,
) -> Vec<(usize, Caller)> {
    let imports = project_imports(language, path, text);
    let mut helpers: Vec<(String, Summary)> = Vec::new();
    let mut bound: Vec<(usize, String)> = Vec::new();
    for (index, repeat) in repeats.iter().enumerate() {
        for local in imports
            .iter()
            .filter_map(|import| repeat.helper.bound_by(import))
        {
            helpers.push((local.clone(), repeat.helper.summary.clone()));
            bound.push((index, local));
        }
    }
    let raw = judged_with_helpers(
        path,
        language,
        text,
        &helpers,
        config,
        &[&RetryWithoutKey, &KeyRegeneratedPerAttempt],
    );
    let mut found = Vec::new();
    for finding in raw {
        // The finding is the helper's when its call is the helper's (the
        // last segment of the name it is bound to here) and the rule is the
        // one the helper's change calls for.
        let Some((index, _)) = bound.iter().find(|(index, local)| {
            let repeat = &repeats[*index];
            let called = local.rsplit('.').next().unwrap_or(local);
            finding.rule == repeat.change.rule()
                && finding.trigger_text.contains(called)
                && finding.message.contains(&repeat.helper.name)
        }) else {
            continue;
        };
        let around = finding
            .related
            .iter()
            .find(|place| place.path.is_none())
            .map(|place| (place.span, place.message.clone()));
        found.push((
            *index,
            Caller {
                path: path.to_string(),
                call: finding.span,
                around,
                via: None,
                guessed: false,
            },
        ));
    }
    found
}

fn finding(
    repeat: &NewRepeat,
    callers: &[Caller],
    analysed: &[AnalyzedFile],
    config: &Config,
) -> Option<Finding> {
    let helper = &repeat.helper;
    let file = analysed.iter().find(|f| f.path == helper.path)?;
    let (span, trigger) = &helper.reached.first_call;
    let first = &callers[0];
    let shown = helper.shown();
    let rule = repeat.change.rule();
    let label = &helper.reached.label;
    let at = format!("{}:{}", first.path, first.call.start_line);
    let message = match &repeat.change {
        KeyChange::Minted { key, generator } => format!(
            "`{shown}` now mints the `{key}` it sends ({label}) with `{generator}()` on every call, and its callers retry it (the call at {at}): every attempt sends a new key, so the downstream system treats each retry as a new request and the key deduplicates nothing"
        ),
        KeyChange::Dropped(key) => format!(
            "`{shown}` no longer sends the `{key}` it sent with its effect ({label}), and its callers retry it (the call at {at}): an attempt that fails after the effect went through repeats it with no key to deduplicate it"
        ),
        KeyChange::NeverSent => format!(
            "`{shown}` now reaches a non-idempotent effect ({label}) with no idempotency key, and its callers retry it (the call at {at}): an attempt that fails after the effect went through repeats it"
        ),
    };
    let mut related = Vec::new();
    for caller in callers.iter().take(MAX_CALLERS) {
        related.push(RelatedSpan {
            path: Some(caller.path.clone()),
            span: caller.call,
            message: format!("`{shown}` called here, under a retry"),
        });
        if let Some((retry, what)) = &caller.around {
            related.push(RelatedSpan {
                path: Some(caller.path.clone()),
                span: *retry,
                message: what.clone(),
            });
        }
    }
    let raw = RawFinding {
        rule,
        severity: config
            .severity_override(rule.as_str())
            .unwrap_or(Severity::Medium),
        confidence: Confidence::Medium,
        span: *span,
        function: helper.function.clone(),
        trigger_text: trigger.clone(),
        message,
        questions: vec![
            format!(
                "Which callers of `{shown}` retry it ({} found, listed below), and what does a second attempt do downstream when the first one went through?",
                callers.len()
            ),
            format!(
                "Can the caller make the idempotency key once, before its retry starts, from stable data (the order, job or event id), and pass it to `{shown}`?"
            ),
            "How would a workflow test verify that two attempts produce exactly one effect?"
                .to_string(),
        ],
        related,
    };
    super::upward::at_helper(raw, &helper.path, file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::derived::ReachedSink;
    use crate::knowledge::HelperKey;

    fn reaching(key: Option<HelperKey>, non_idempotent: bool) -> Summary {
        Summary {
            reaches: Some(ReachedSink {
                kind: crate::knowledge::SinkKind::Payment,
                label: "Stripe".to_string(),
                generic: false,
                non_idempotent,
                chain: Vec::new(),
                first_call: (crate::model::Span::default(), String::new()),
                key,
                reached_at: None,
                caught_inside: false,
                live_feed: false,
            }),
            ..Summary::default()
        }
    }

    fn key(generated_by: Option<&str>) -> Option<HelperKey> {
        Some(HelperKey {
            name: "idempotency_key".to_string(),
            generated_by: generated_by.map(str::to_string),
        })
    }

    #[test]
    fn a_key_given_by_the_caller_that_goes_or_is_minted_inside_is_a_change() {
        let stable = reaching(key(None), true);
        assert_eq!(
            key_change(&reaching(None, true), &stable),
            Some(KeyChange::Dropped("idempotency_key".to_string()))
        );
        assert!(matches!(
            key_change(&reaching(key(Some("uuid4")), true), &stable),
            Some(KeyChange::Minted { .. })
        ));
        assert_eq!(
            key_change(&reaching(None, true), &Summary::default()),
            Some(KeyChange::NeverSent)
        );
    }

    #[test]
    fn an_effect_unsafe_before_the_change_or_idempotent_is_no_change() {
        assert_eq!(
            key_change(&reaching(None, true), &reaching(None, true)),
            None
        );
        assert_eq!(
            key_change(&reaching(None, true), &reaching(key(Some("uuid4")), true)),
            None
        );
        assert_eq!(
            key_change(&reaching(None, false), &Summary::default()),
            None
        );
        assert_eq!(
            key_change(&reaching(key(None), true), &Summary::default()),
            None
        );
    }
}
