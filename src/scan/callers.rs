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
use crate::flow::derived::{Summaries, Summary, file_knowledge, short_name};
use crate::flow::imports::{project_imports, project_local_names};
use crate::knowledge::SinkOrigin;
use crate::lang::{self, PARSER_STACK_BYTES};
use crate::model::{FileModel, Language};
use crate::rules::sequencing::SideEffectInTransaction;
use crate::rules::{Confidence, RawFinding, RelatedSpan, RuleId, Severity};
use std::collections::{HashMap, HashSet};

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
    /// For a method: the classes of its file whose instances call it (its
    /// own and those that inherit it), worked out only for a method that
    /// newly reaches a side effect; empty when another function of the file
    /// has the same name, so a call by that name alone is ambiguous.
    pub receivers: Vec<String>,
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
        for ((owner, name), (function, head_summary)) in summarised(head) {
            if let Some((_, base)) = before.remove(&(owner.clone(), name.clone())) {
                // Only a method that newly reaches a side effect is
                // searched for by the name alone (see `new_reaches`).
                let receivers = owner
                    .as_deref()
                    .filter(|_| head_summary.reaches.is_some() && base.reaches.is_none())
                    .map(|owner| receiving_classes(head, owner, &name))
                    .unwrap_or_default();
                out.push(ChangedFunction {
                    path: file.path.clone(),
                    owner,
                    name,
                    function,
                    head: head_summary,
                    base,
                    receivers,
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.path, &a.owner, &a.name).cmp(&(&b.path, &b.owner, &b.name)));
    out
}

/// The classes of `model` whose instances have the method `name` of
/// `owner`: the owner and the classes that inherit from it there. Empty when
/// a function of that name is declared outside that family and its bases
/// (a module function, an unrelated class's method): a call by the name
/// alone could be that one.
fn receiving_classes<'m>(model: &'m FileModel, owner: &str, name: &str) -> Vec<String> {
    let mut bases: HashMap<&'m str, Vec<&'m str>> = HashMap::new();
    let mut same_name: Vec<Option<&'m str>> = Vec::new();
    crate::model::for_each_function(
        &model.module.body,
        &mut |function: &'m crate::model::Function| {
            if short_name(function) == name {
                same_name.push(function.class.as_deref());
            }
            if let Some(class) = &function.class {
                let of_class = bases.entry(class.as_str()).or_default();
                for base in &function.class_bases {
                    let base = base.rsplit('.').next().unwrap_or(base);
                    if !of_class.contains(&base) {
                        of_class.push(base);
                    }
                }
            }
        },
    );
    let mut family: Vec<&str> = vec![owner];
    grow(&mut family, |member| {
        bases
            .iter()
            .filter(|(_, its_bases)| its_bases.contains(&member))
            .map(|(class, _)| *class)
            .collect()
    });
    let mut related = family.clone();
    grow(&mut related, |member| {
        bases.get(member).cloned().unwrap_or_default()
    });
    let unrelated = same_name
        .iter()
        .any(|class| class.is_none_or(|class| !related.contains(&class)));
    if unrelated {
        return Vec::new();
    }
    family.into_iter().map(str::to_string).collect()
}

/// Add to `set` what `next` gives for its members until nothing is new.
fn grow<'m>(set: &mut Vec<&'m str>, next: impl Fn(&'m str) -> Vec<&'m str>) {
    let mut at = 0;
    while at < set.len() {
        for found in next(set[at]) {
            if !set.contains(&found) {
                set.push(found);
            }
        }
        at += 1;
    }
}

/// Functions and methods of the touched files that reach a sink in the head
/// version and existed in the base without reaching one.
fn new_reaches(changed: &[ChangedFunction]) -> Vec<ChangedHelper> {
    changed
        .iter()
        .filter(|f| f.base.reaches.is_none())
        .filter_map(ChangedHelper::of)
        .collect()
}

/// The callers in one file of each helper it imports from the helper's file
/// that run it inside a transaction, with the helper's index: calls of the
/// helper itself, and calls of a function of the file that calls it.
fn callers_in(
    path: &str,
    language: Language,
    text: &str,
    reaches: &[ChangedHelper],
    config: &Config,
) -> Vec<(usize, Caller)> {
    let imports = project_imports(language, path, text);
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for (index, reach) in reaches.iter().enumerate() {
        for local in imports.iter().filter_map(|import| reach.bound_by(import)) {
            index_of.insert(local, index);
        }
    }
    let by_method: Vec<usize> = (0..reaches.len())
        .filter(|&index| imports_a_receiver(&imports, &reaches[index]))
        .collect();
    if index_of.is_empty() && by_method.is_empty() {
        return Vec::new();
    }
    let model = lang::parse(language, text);
    // Where it is seen, a method is called on an instance whose class the
    // file cannot name (`order.fulfill(..)` on a parameter): taken for the
    // helper when the file imports one of the classes that have it, the
    // receiver is named after one of them, and the file declares no
    // function of that name itself.
    let mut by_name_only: HashSet<String> = HashSet::new();
    for &index in &by_method {
        let reach = &reaches[index];
        if declares(&model, &reach.name) {
            continue;
        }
        crate::model::for_each_call_in(&model.module.body, &mut |call| {
            if call.method == reach.name
                && call
                    .receiver
                    .as_deref()
                    .is_some_and(|receiver| named_after_one_of(receiver, &reach.receivers))
            {
                index_of.entry(call.callee.clone()).or_insert_with(|| {
                    by_name_only.insert(call.callee.clone());
                    index
                });
            }
        });
    }
    if index_of.is_empty() {
        return Vec::new();
    }
    let helpers: Vec<(String, Summary)> = index_of
        .iter()
        .map(|(local, &index)| (local.clone(), reaches[index].summary.clone()))
        .collect();
    let packs = config.knowledge.for_ecosystem(language.ecosystem());
    let knowledge = file_knowledge(
        &model,
        packs,
        &helpers,
        project_local_names(language, path, text),
    );
    // A function of this file that calls a helper, and nothing else that
    // reaches a side effect, reaches the helper's sink through it.
    let through = |call: &crate::model::Call| -> Option<usize> {
        let sink = knowledge.sink(call)?;
        if sink.origin != SinkOrigin::LocalHelper {
            return None;
        }
        reaches.iter().position(|reach| {
            reach.reached.reached_at.is_some() && sink.reached_at == reach.reached.reached_at
        })
    };
    let walker = ScopeWalker::new(&knowledge, &model);
    let mut found = Vec::new();
    walker.walk(&model, &mut |call, state| {
        let Some(scope) = state.transaction else {
            return;
        };
        if state.deferred_by.is_some() {
            return;
        }
        let (index, via) = match index_of.get(&call.callee) {
            Some(&index) => (index, None),
            None => match through(call) {
                Some(index) => (index, Some(call.callee.clone())),
                None => return,
            },
        };
        found.push((
            index,
            Caller {
                path: path.to_string(),
                call: call.span,
                around: Some((scope.opener.span, crate::flow::callee_name(scope.opener))),
                guessed: if via.is_some() {
                    // Through a function of the file: guessed when every
                    // call of the helper it could make is.
                    index_of
                        .iter()
                        .filter(|(_, other)| **other == index)
                        .all(|(callee, _)| by_name_only.contains(callee))
                } else {
                    by_name_only.contains(&call.callee)
                },
                via,
            },
        ));
    });
    found
}

/// Whether the file imports, from a method's file, one of the classes whose
/// instances have it.
fn imports_a_receiver(
    imports: &[crate::flow::imports::ImportedName],
    reach: &ChangedHelper,
) -> bool {
    !reach.receivers.is_empty()
        && imports.iter().any(|import| {
            import.candidates.iter().any(|c| c == &reach.path)
                && import
                    .remote
                    .as_ref()
                    .is_some_and(|remote| reach.receivers.contains(remote))
        })
}

/// Whether the file declares a function or method called `name`.
fn declares(model: &FileModel, name: &str) -> bool {
    let mut found = false;
    crate::model::for_each_function(&model.module.body, &mut |function| {
        found |= short_name(function) == name;
    });
    found
}

/// Whether a receiver (`order`, `self.pending_order`) is named after one of
/// `classes` (`PendingOrder`): its last segment, without underscores, ends
/// one of their names, case aside. `self` and `this` are not.
fn named_after_one_of(receiver: &str, classes: &[String]) -> bool {
    let last = receiver.rsplit('.').next().unwrap_or(receiver);
    if matches!(last, "self" | "this" | "cls") || last.contains(['(', '[']) {
        return false;
    }
    let last: String = last
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_lowercase();
    last.len() >= 3
        && classes
            .iter()
            .any(|class| class.to_lowercase().ends_with(&last))
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
    let runs_it = |caller: &Caller| match &caller.via {
        Some(via) => format!("`{via}`, which calls `{}`,", reach.name),
        None => format!("`{}`", reach.name),
    };
    let message = format!(
        "`{}` now reaches {} ({}), and it is called inside a transaction: {} at {}:{} runs it inside `{}`, so the side effect fires before the caller's writes commit",
        reach.name,
        reach
            .reached
            .chain
            .last()
            .map_or("a side effect", String::as_str),
        reach.reached.label,
        runs_it(first),
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
            message: match &caller.via {
                Some(via) => format!("`{via}` called inside `{opener_name}` here"),
                None => format!("called inside `{opener_name}` here"),
            },
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
        // Callers that call a method by its name alone, on objects whose
        // class their files cannot name, are weaker evidence.
        confidence: if callers.iter().all(|caller| caller.guessed) {
            Confidence::of_pattern(true)
        } else {
            Confidence::of_pattern(reach.reached.generic)
        },
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
