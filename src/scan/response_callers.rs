//! Upward, for responses: when the change makes a helper hand back the
//! response of its HTTP write unread (its status check went, or it now
//! returns `Ok(client.patch(..).send().await?)` where it checked before),
//! its callers in files the change does not touch now own a status they may
//! never look at. They are found by the upward search (see
//! [`super::upward`]): a literal search for the helper's name (its type's
//! name, for a method) over the repository's source files; each is judged by the
//! unchecked-response rule with the helper's new summary laid over the
//! packs. One finding per helper, at its write, with every caller that drops
//! the response as a related location.

use super::callers::ChangedFunction;
use super::upward::{
    Caller, ChangedHelper, MAX_CALLERS, UpwardSearch, in_reading_order, judged_with_helpers,
};
use super::{AnalyzedFile, Finding};
use crate::config::Config;
use crate::flow::derived::Summary;
use crate::flow::imports::project_imports;
use crate::model::Language;
use crate::rules::rejection::UncheckedResponse;
use crate::rules::{Confidence, RawFinding, RelatedSpan, RuleId, Severity};

/// The rule these findings belong to.
const RULE: RuleId = UncheckedResponse::ID;

/// The response callers' search: helpers that now hand back an unread
/// response.
pub(super) struct ResponseCallers<'c> {
    returners: Vec<ChangedHelper>,
    config: &'c Config,
}

impl<'c> ResponseCallers<'c> {
    pub(super) fn new(changed: &[ChangedFunction], config: &'c Config) -> Self {
        let returners = if config.rule_enabled(RULE.as_str()) {
            new_returners(changed)
        } else {
            Vec::new()
        };
        ResponseCallers { returners, config }
    }
}

impl UpwardSearch for ResponseCallers<'_> {
    fn names(&self) -> Vec<&str> {
        self.returners.iter().map(ChangedHelper::searched).collect()
    }

    fn callers_in(&self, path: &str, language: Language, text: &str) -> Vec<(usize, Caller)> {
        callers_in(path, language, text, &self.returners, self.config)
    }

    fn findings(&self, callers: Vec<Vec<Caller>>, analysed: &[AnalyzedFile]) -> Vec<Finding> {
        self.returners
            .iter()
            .zip(callers)
            .filter(|(_, callers)| !callers.is_empty())
            .filter_map(|(returner, mut callers)| {
                in_reading_order(&mut callers);
                finding(returner, &callers, analysed, self.config)
            })
            .collect()
    }
}

/// Functions of the touched files that hand back an unread write response
/// in the head version and did not in the base.
fn new_returners(changed: &[ChangedFunction]) -> Vec<ChangedHelper> {
    changed
        .iter()
        .filter(|f| f.head.hands_back_response && !f.base.hands_back_response)
        .filter_map(ChangedHelper::of)
        .collect()
}

/// The callers in one file that drop what a helper of `returners` hands
/// back, with the helper's index: the file's imports that name the helper's
/// file bind the helper's new summary, and the unchecked-response rule
/// judges the file with it.
fn callers_in(
    path: &str,
    language: Language,
    text: &str,
    returners: &[ChangedHelper],
    config: &Config,
) -> Vec<(usize, Caller)> {
    let imports = project_imports(language, path, text);
    let mut helpers: Vec<(String, Summary)> = Vec::new();
    let mut wanted: Vec<usize> = Vec::new();
    for (index, returner) in returners.iter().enumerate() {
        for local in imports
            .iter()
            .filter_map(|import| returner.bound_by(import))
        {
            helpers.push((local, returner.summary.clone()));
            wanted.push(index);
        }
    }
    let raw = judged_with_helpers(
        path,
        language,
        text,
        &helpers,
        config,
        &[&UncheckedResponse],
    );
    let mut found = Vec::new();
    for finding in raw {
        let reaches = |returner: &ChangedHelper| {
            finding
                .related
                .iter()
                .any(|place| place.path.as_deref() == Some(returner.path.as_str()))
                && finding.message.contains(&returner.name)
        };
        if let Some(&index) = wanted.iter().find(|&&index| reaches(&returners[index])) {
            found.push((
                index,
                Caller {
                    path: path.to_string(),
                    call: finding.span,
                    around: None,
                    via: None,
                    guessed: false,
                },
            ));
        }
    }
    found
}

fn finding(
    returner: &ChangedHelper,
    callers: &[Caller],
    analysed: &[AnalyzedFile],
    config: &Config,
) -> Option<Finding> {
    let file = analysed.iter().find(|f| f.path == returner.path)?;
    let (span, trigger) = &returner.reached.first_call;
    let first = &callers[0];
    let shown = returner.shown();
    let message = format!(
        "`{shown}` now hands back the response of its HTTP write ({}) without looking at the status, and its callers drop it: the call at {}:{} never checks it, so a rejection (4xx/5xx) passes for success",
        returner.reached.label, first.path, first.call.start_line,
    );
    let related = callers
        .iter()
        .take(MAX_CALLERS)
        .map(|caller| RelatedSpan {
            path: Some(caller.path.clone()),
            span: caller.call,
            message: format!("`{shown}` called here; its response is dropped"),
        })
        .collect();
    let raw = RawFinding {
        rule: RULE,
        severity: config
            .severity_override(RULE.as_str())
            .unwrap_or(Severity::Medium),
        confidence: Confidence::Medium,
        span: *span,
        function: returner.function.clone(),
        trigger_text: trigger.clone(),
        message,
        questions: vec![
            format!(
                "`{shown}` used to check the status: which of its callers ({} found, listed below) now learn that the write was refused?",
                callers.len()
            ),
            format!(
                "Should `{shown}` check the status itself (`error_for_status()?`, `raise_for_status()`, `if (!res.ok) throw ..`) so that no caller has to?"
            ),
            "When the service answers 4xx or 5xx, who is alerted, and what does the caller's user believe happened?".to_string(),
        ],
        related,
    };
    super::upward::at_helper(raw, &returner.path, file)
}
