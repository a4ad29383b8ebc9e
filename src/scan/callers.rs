//! Upward: when the change makes a helper reach a side effect it did not
//! reach before (`email_receipt` now calls `send_mail`), the helper's callers
//! elsewhere in the repository may run it inside a transaction. They are
//! found by the upward search (see [`super::upward`]): a literal search for
//! the helper's name over the repository's source files, resolved through
//! their imports to the touched file, and walked
//! with the helper's summary laid over the packs. One finding per helper, at
//! the call inside it that leads to the side effect, with every caller that
//! holds a transaction as a related location: one root cause, one finding.

use super::contract::RepositoryScope;
use super::upward::{Caller, ChangedHelper, MAX_CALLERS, UpwardSearch, in_reading_order};
use super::{AnalyzedFile, Finding};
use crate::config::Config;
use crate::diff::{self, Threads};
use crate::flow::ScopeWalker;
use crate::flow::derived::{Summaries, Summary, short_name};
use crate::flow::imports::project_imports;
use crate::knowledge::{HelperFacts, Sink, SinkOrigin};
use crate::lang::{self, PARSER_STACK_BYTES};
use crate::model::{FileModel, Language};
use crate::rules::sequencing::SideEffectInTransaction;
use crate::rules::{Confidence, RawFinding, RelatedSpan, RuleId, Severity};
use std::collections::HashMap;

/// The rule these findings belong to.
const RULE: RuleId = SideEffectInTransaction::ID;

/// The transaction callers' search: helpers that now reach a side effect.
pub(super) struct TransactionCallers<'c> {
    reaches: Vec<ChangedHelper>,
    config: &'c Config,
}

impl<'c> TransactionCallers<'c> {
    pub(super) fn new(changed: &[ChangedFunction], config: &'c Config) -> Self {
        let reaches = if config.rule_enabled(RULE.as_str()) {
            new_reaches(changed)
        } else {
            Vec::new()
        };
        TransactionCallers { reaches, config }
    }
}

impl UpwardSearch for TransactionCallers<'_> {
    fn names(&self) -> Vec<&str> {
        self.reaches.iter().map(|r| r.name.as_str()).collect()
    }

    fn callers_in(&self, path: &str, language: Language, text: &str) -> Vec<(usize, Caller)> {
        callers_in(path, language, text, &self.reaches, self.config)
    }

    fn findings(&self, callers: Vec<Vec<Caller>>, analysed: &[AnalyzedFile]) -> Vec<Finding> {
        self.reaches
            .iter()
            .zip(callers)
            .filter(|(_, callers)| !callers.is_empty())
            .filter_map(|(reach, mut callers)| {
                in_reading_order(&mut callers);
                finding(reach, &callers, analysed, self.config)
            })
            .collect()
    }
}

/// The callers, per helper (`count` of them), found in the repository's
/// source files the change does not touch: files that mention one of
/// `names` are handed to `callers_in` (path, language, text), which says
/// which helper each caller it finds calls. The tree is read once, in
/// parallel, files streamed and prefiltered by the names; the error says
/// why the repository cannot be read.
pub(super) fn search_callers<T: Send>(
    analysed: &[AnalyzedFile],
    scope: &RepositoryScope<'_>,
    config: &Config,
    names: &[&str],
    count: usize,
    callers_in: impl Fn(&str, Language, &str) -> Vec<(usize, T)> + Sync,
) -> Result<Vec<Vec<T>>, String> {
    let touched: std::collections::HashSet<&str> = analysed
        .iter()
        .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.change.old_path.as_deref()))
        .collect();
    let wants = |path: &str| {
        Language::from_path(path).is_some()
            && !touched.contains(path)
            && !config.is_ignored(path)
            && config.path_context(path).is_production()
    };
    let tree = match scope.head {
        "WORKTREE" => None,
        "INDEX" => Some(scope.base),
        commit => Some(commit),
    };
    let find = |path: &str, text: String| -> Vec<(usize, T)> {
        if !names.iter().any(|name| text.contains(name)) {
            return Vec::new();
        }
        let Some(language) = Language::from_path(path) else {
            return Vec::new();
        };
        callers_in(path, language, &text)
    };
    let mut callers: Vec<Vec<T>> = (0..count).map(|_| Vec::new()).collect();
    let threads = Threads {
        count: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        stack_bytes: PARSER_STACK_BYTES,
    };
    diff::for_each_tree_file(scope.root, tree, threads, &wants, &find, &mut |_, found| {
        for (index, caller) in found {
            callers[index].push(caller);
        }
    })
    .map_err(|error| error.to_string())?;
    Ok(callers)
}

/// A function declared in both versions of a touched file, with its summary
/// in each: what the upward searches compare.
pub(super) struct ChangedFunction {
    pub path: String,
    /// The declaring class or type, for a method.
    pub owner: Option<String>,
    /// The function's own name (`send`).
    pub name: String,
    /// Its stable name (`Entry.send`).
    pub function: String,
    pub head: Summary,
    pub base: Summary,
}

/// The functions of the touched files declared in both versions (module
/// functions and methods), summarised once per version for both upward
/// searches. A function the change adds has no callers in files the change
/// does not touch (those that call it are touched, and judged downward), so
/// only changed helpers can cost a search of the repository.
pub(super) fn changed_functions(
    analysed: &[AnalyzedFile],
    config: &Config,
) -> Vec<ChangedFunction> {
    type Key = (Option<String>, String);
    let upward_rules = [
        RULE,
        crate::rules::rejection::UncheckedResponse::ID,
        crate::rules::idempotency::RetryWithoutKey::ID,
        crate::rules::idempotency::KeyRegeneratedPerAttempt::ID,
    ];
    if !upward_rules
        .iter()
        .any(|rule| config.rule_enabled(rule.as_str()))
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    for file in analysed {
        let (Some(head), Some(base)) = (&file.head, &file.base) else {
            continue;
        };
        let knowledge = config.knowledge.for_ecosystem(file.language.ecosystem());
        let summarised = |model: &FileModel| -> HashMap<Key, (String, Summary)> {
            let shown = file.path.clone();
            let mut summaries = Summaries::new(
                model,
                knowledge,
                Box::new(move |f| format!("{shown}:{}", f.span.start_line)),
            )
            .in_file(&file.path);
            summaries
                .all()
                .into_iter()
                .map(|(function, summary)| {
                    let key = (function.class.clone(), short_name(function).to_string());
                    (key, (function.name.clone(), summary))
                })
                .collect()
        };
        let mut before = summarised(base);
        for ((owner, name), (function, head)) in summarised(head) {
            if let Some((_, base)) = before.remove(&(owner.clone(), name.clone())) {
                out.push(ChangedFunction {
                    path: file.path.clone(),
                    owner,
                    name,
                    function,
                    head,
                    base,
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.path, &a.owner, &a.name).cmp(&(&b.path, &b.owner, &b.name)));
    out
}

/// Module-level functions of the touched files that reach a sink in the head
/// version and existed in the base without reaching one.
fn new_reaches(changed: &[ChangedFunction]) -> Vec<ChangedHelper> {
    changed
        .iter()
        .filter(|f| f.owner.is_none() && f.base.reaches.is_none())
        .filter_map(ChangedHelper::of)
        .collect()
}

/// The callers in one file of each helper it imports from the helper's file
/// that run it inside a transaction, with the helper's index.
fn callers_in(
    path: &str,
    language: Language,
    text: &str,
    reaches: &[ChangedHelper],
    config: &Config,
) -> Vec<(usize, Caller)> {
    let imports = project_imports(language, path, text);
    let mut facts = HelperFacts::default();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (index, reach) in reaches.iter().enumerate() {
        for local in imports.iter().filter_map(|import| reach.bound_by(import)) {
            facts.sinks.insert(
                local.clone(),
                Sink::of_helper(
                    reach.reached.kind,
                    reach.reached.label.clone(),
                    reach.reached.generic,
                    reach.reached.non_idempotent,
                    SinkOrigin::ImportedHelper,
                    reach.reached.key.clone(),
                    reach.reached.reached_at.clone(),
                ),
            );
            index_of.insert(local, index);
        }
    }
    if index_of.is_empty() {
        return Vec::new();
    }
    let model = lang::parse(language, text);
    let knowledge = config
        .knowledge
        .for_ecosystem(language.ecosystem())
        .with_helpers(facts);
    let walker = ScopeWalker::new(&knowledge, &model);
    let mut found = Vec::new();
    walker.walk(&model, &mut |call, state| {
        let (Some(&index), Some(scope)) = (index_of.get(&call.callee), state.transaction) else {
            return;
        };
        if state.deferred_by.is_some() {
            return;
        }
        found.push((
            index,
            Caller {
                path: path.to_string(),
                call: call.span,
                around: Some((scope.opener.span, crate::flow::callee_name(scope.opener))),
            },
        ));
    });
    found
}

fn finding(
    reach: &ChangedHelper,
    callers: &[Caller],
    analysed: &[AnalyzedFile],
    config: &Config,
) -> Option<Finding> {
    let file = analysed.iter().find(|f| f.path == reach.path)?;
    let (span, trigger) = &reach.reached.first_call;
    let first = &callers[0];
    let opener_name = |caller: &Caller| {
        caller
            .around
            .as_ref()
            .map_or(String::new(), |(_, name)| name.clone())
    };
    let message = format!(
        "`{}` now reaches {} ({}), and it is called inside a transaction: `{}` at {}:{} runs it inside `{}`, so the side effect fires before the caller's writes commit",
        reach.name,
        reach
            .reached
            .chain
            .last()
            .map_or("a side effect", String::as_str),
        reach.reached.label,
        reach.name,
        first.path,
        first.call.start_line,
        opener_name(first),
    );
    let mut related = Vec::new();
    for caller in callers.iter().take(MAX_CALLERS) {
        let opener_name = opener_name(caller);
        related.push(RelatedSpan {
            path: Some(caller.path.clone()),
            span: caller.call,
            message: format!("called inside `{opener_name}` here"),
        });
        if let Some((opener, _)) = &caller.around {
            related.push(RelatedSpan {
                path: Some(caller.path.clone()),
                span: *opener,
                message: format!("transaction opened here (`{opener_name}`)"),
            });
        }
    }
    let raw = RawFinding {
        rule: RULE,
        severity: config
            .severity_override(RULE.as_str())
            .unwrap_or(if reach.reached.generic {
                Severity::Medium
            } else {
                Severity::High
            }),
        confidence: Confidence::of_pattern(reach.reached.generic),
        span: *span,
        function: reach.function.clone(),
        trigger_text: trigger.clone(),
        message,
        questions: vec![
            format!(
                "Which callers of `{}` hold a transaction when they call it ({} found, listed below), and must their writes be committed before the side effect fires?",
                reach.name,
                callers.len()
            ),
            format!(
                "Should `{}` defer the side effect until commit (`transaction.on_commit(...)`, an outbox row, publishing after the transaction resolves)?",
                reach.name
            ),
            "If a caller's transaction rolls back after this call, who retracts the side effect?"
                .to_string(),
            "What if the downstream system processes this before commit, late, or twice?"
                .to_string(),
        ],
        related,
    };
    super::upward::at_helper(raw, &reach.path, file)
}
