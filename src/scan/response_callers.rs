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
use super::fingerprint::fingerprint;
use super::upward::{Caller, MAX_CALLERS, UpwardSearch, in_reading_order};
use super::{AnalyzedFile, Finding, Status, to_finding};
use crate::config::Config;
use crate::flow::derived::{ReachedSink, Summary, file_knowledge};
use crate::flow::imports::{project_imports, project_local_names};
use crate::lang;
use crate::model::Language;
use crate::rules::rejection::UncheckedResponse;
use crate::rules::{Confidence, FileContext, FileRule, RawFinding, RelatedSpan, RuleId, Severity};

/// The rule these findings belong to.
const RULE: RuleId = UncheckedResponse::ID;

/// A function of a touched file that the change made hand back an unread
/// response.
struct NewReturner {
    path: String,
    /// The declaring type or class, for a method.
    owner: Option<String>,
    /// The function's own name (`send`).
    name: String,
    function: String,
    summary: Summary,
    reached: ReachedSink,
}

impl NewReturner {
    /// The name a caller's file must mention: the type for a method.
    fn searched(&self) -> &str {
        self.owner.as_deref().unwrap_or(&self.name)
    }

    /// What the helper is called in messages (`UpdateMessage::send`).
    fn shown(&self) -> String {
        match &self.owner {
            Some(owner) => format!("{owner}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// The response callers' search: helpers that now hand back an unread
/// response.
pub(super) struct ResponseCallers<'c> {
    returners: Vec<NewReturner>,
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
        self.returners.iter().map(NewReturner::searched).collect()
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
fn new_returners(changed: &[ChangedFunction]) -> Vec<NewReturner> {
    changed
        .iter()
        .filter(|f| f.head.hands_back_response && !f.base.hands_back_response)
        .filter_map(|f| {
            Some(NewReturner {
                path: f.path.clone(),
                owner: f.owner.clone(),
                name: f.name.clone(),
                function: f.function.clone(),
                summary: f.head.clone(),
                reached: f.head.reaches.clone()?,
            })
        })
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
    returners: &[NewReturner],
    config: &Config,
) -> Vec<(usize, Caller)> {
    let imports = project_imports(language, path, text);
    let mut helpers: Vec<(String, Summary)> = Vec::new();
    let mut wanted: Vec<usize> = Vec::new();
    for (index, returner) in returners.iter().enumerate() {
        for import in &imports {
            if !import.candidates.iter().any(|c| c == &returner.path) {
                continue;
            }
            let local = match (&import.remote, &returner.owner) {
                (Some(remote), None) if remote == &returner.name => import.local.clone(),
                (Some(remote), Some(owner)) if remote == owner => {
                    format!("{}.{}", import.local, returner.name)
                }
                (None, None) => format!("{}.{}", import.local, returner.name),
                (None, Some(owner)) => format!("{}.{owner}.{}", import.local, returner.name),
                _ => continue,
            };
            helpers.push((local, returner.summary.clone()));
            wanted.push(index);
        }
    }
    if helpers.is_empty() {
        return Vec::new();
    }
    let model = lang::parse(language, text);
    let packs = config.knowledge.for_ecosystem(language.ecosystem());
    let knowledge = file_knowledge(
        &model,
        packs,
        &helpers,
        project_local_names(language, path, text),
    );
    let context = FileContext::new(path, text, &model, &knowledge);
    let mut raw = Vec::new();
    UncheckedResponse.check_file(&context, &mut raw);
    let mut found = Vec::new();
    for finding in raw {
        let reaches = |returner: &NewReturner| {
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
                },
            ));
        }
    }
    found
}

fn finding(
    returner: &NewReturner,
    callers: &[Caller],
    analysed: &[AnalyzedFile],
    config: &Config,
) -> Option<Finding> {
    let file = analysed.iter().find(|f| f.path == returner.path)?;
    let text = file.change.head_text.as_deref()?;
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
    let mut kept = vec![raw];
    super::analyze::apply_suppressions(&returner.path, file.head.as_ref()?, &mut kept);
    let raw = kept.pop()?;
    let print = fingerprint(
        RULE.as_str(),
        &returner.path,
        &raw.function,
        &raw.trigger_text,
        0,
    );
    Some(to_finding(&raw, &print, Status::New, &returner.path, text))
}
