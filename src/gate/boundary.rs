//! The workflow boundaries a change touches: side-effect calls, transactions,
//! retry scopes and message consumers, each with the context a reviewer (and
//! the gate) needs — the handler it runs in, the transaction around it, the
//! retry that repeats it, the topic it publishes or consumes.
//!
//! Everything is read from the models already in the [`Report`]: the head and
//! base version of every touched file. Meaning comes from the knowledge packs
//! (sinks, transaction openers, deferrals, retry wrappers, handler roles) and
//! context from the rules' [`ScopeWalker`].

use crate::config::Config;
use crate::diff::DiffError;
use crate::diff::LineRange;
use crate::flow::RetryFacts;
use crate::flow::derived::file_knowledge;
use crate::flow::imports::project_local_names;
use crate::flow::keys::{Bindings, KeyFinder, KeyOrigin, regenerated_per_attempt};
use crate::flow::{ScopeStyle, ScopeWalker, WalkState, callee_name, destination, payload_keys};
use crate::knowledge::{HandlerRole, Knowledge, SinkKind};
use crate::model::{
    BlockKind, Call, FileModel, Function, FunctionOrigin, Language, Node, Span, Value,
};
use crate::scan::{Finding, Report, Status};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

/// Which version of a file a boundary was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The version after the change; lines are head lines.
    Head,
    /// The version before the change: the boundary was removed by it; lines
    /// are base lines.
    Base,
}

/// A named location in the same file (a transaction opener, a retry wrapper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// What is there (`db.transaction`, `pRetry`, `the retry loop …`).
    pub name: String,
    /// 1-based line.
    pub line: u32,
}

/// The handler a boundary runs in: a route, consumer or job, or, when none is
/// recognised, the enclosing function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The workflow role, when the function is a recognised handler.
    pub role: Option<HandlerRole>,
    /// How a reviewer names it: `POST /checkout`, `worker.on order.created`,
    /// `announceOrder`.
    pub label: String,
    /// The route or topic it was registered for, when written as a string.
    pub topic: Option<String>,
    /// 1-based line where the function starts.
    pub line: u32,
    /// Byte offset where the function starts (its identity within the file version).
    pub start_byte: usize,
}

/// An idempotency key passed to a side-effect call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The option, keyword or header name (`idempotencyKey`).
    pub name: String,
    /// The value's source text, when known (`order.id`, `randomUUID()`).
    pub value: Option<String>,
    /// Whether the value is minted anew on every attempt (`randomUUID()`
    /// inside the retried callback or the re-delivered job), as
    /// [`crate::flow::keys::regenerated_per_attempt`] decides it for
    /// `idempotency/key-regenerated-per-attempt`.
    pub generated: bool,
}

/// A call that reaches another system.
#[derive(Debug, Clone)]
pub struct SideEffect {
    /// The normalised callee (`eventBus.publish`).
    pub callee: String,
    /// What it reaches.
    pub sink_kind: SinkKind,
    /// The knowledge pack's label (`message publisher`, `Stripe`).
    pub label: String,
    /// Whether repeating it repeats its effect.
    pub non_idempotent: bool,
    /// The topic, queue, URL or task it targets, when the code says it.
    pub destination: Option<String>,
    /// `` `order.created` `` or `` what `x.send` sends ``, for sentences.
    pub sent: String,
    /// The payload keys it sends (`orderId`, `userId`).
    pub payload_keys: Vec<String>,
    /// The idempotency key passed, if any.
    pub idempotency_key: Option<IdempotencyKey>,
    /// The transaction it fires inside, if any.
    pub transaction: Option<Located>,
    /// The deferral (`on_commit`, `afterCommit`) that runs it after commit.
    pub deferred_by: Option<Located>,
    /// The innermost retry scope (wrapper or retry loop) around it.
    pub retry: Option<Located>,
    /// The innermost loop around it that is not a retry loop (its header).
    pub loop_header: Option<String>,
    /// The line of the `catch`/`except` that handles its failure, if any.
    pub caught_at: Option<u32>,
    /// Whether a JavaScript/TypeScript call in an async function is neither
    /// awaited nor used, so that its failure is never observed.
    pub unobserved: bool,
    /// A concrete assertion for a workflow test (`exactly one `order.created` with this `orderId``).
    pub assertion: String,
    /// Whether this is an outbox row (`trx.outbox.insert({ topic, .. })`): the
    /// message is published by a relay after commit, not by this call.
    pub outbox: bool,
}

/// A transaction scope whose code the change edits.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// The opener (`db.transaction`, `transaction.atomic`).
    pub opener: String,
    /// How the scope is written: a callback, a `with` block, a decorator, or a
    /// handle committed later (`None`).
    pub style: Option<ScopeStyle>,
    /// What the side effects inside it send, in source order.
    pub effects: Vec<String>,
    /// The line of the commit that ends a handle-style transaction.
    pub commit_line: Option<u32>,
}

/// A retry scope (a retry wrapper's callback, a retry-decorated function, a
/// hand-written retry loop) whose code the change edits.
#[derive(Debug, Clone)]
pub struct RetryScope {
    /// The wrapper (`pRetry`) or `the retry loop `for (…)``.
    pub wrapper: String,
    /// What the side effects inside it send.
    pub effects: Vec<String>,
    /// Whether every side effect inside passes an idempotency key.
    pub all_keyed: bool,
}

/// A message consumer or job whose code the change edits (or removes).
#[derive(Debug, Clone)]
pub struct Consumer {
    /// Consumer or job.
    pub role: HandlerRole,
    /// How it is named (`worker.on order.created`).
    pub label: String,
    /// The topic or queue it is registered for, when written as a string.
    pub topic: Option<String>,
    /// Early exits inside it: `(line, condition)` of each `if` whose body
    /// returns (the article's silent skip).
    pub early_returns: Vec<(u32, String)>,
    /// The side effects it performs: `(sent, assertion)`.
    pub effects: Vec<(String, String)>,
    /// The payload keys it destructures from its message (`orderId`).
    pub message_keys: Vec<String>,
}

/// What a boundary is.
#[derive(Debug, Clone)]
pub enum BoundaryKind {
    /// A call that reaches another system (boxed: by far the largest kind).
    SideEffect(Box<SideEffect>),
    /// A transaction scope.
    Transaction(Transaction),
    /// A retry scope.
    Retry(RetryScope),
    /// A message consumer or job.
    Consumer(Consumer),
}

/// One touched workflow boundary.
#[derive(Debug, Clone)]
pub struct Boundary {
    /// Repository-relative path (head path; the base path of a deleted file).
    pub path: String,
    /// The file's language.
    pub language: Language,
    /// Which version it was found in.
    pub side: Side,
    /// Its span in that version.
    pub span: Span,
    /// The stable name of the enclosing function path.
    pub function: String,
    /// The handler (or function) it runs in.
    pub entry: Option<Entry>,
    /// The topics it publishes or consumes (event sinks and consumers only),
    /// used to place it in workflows.
    pub topics: Vec<String>,
    /// Indices into [`Report::findings`] of the new findings located on it.
    pub findings: Vec<usize>,
    /// What it is.
    pub kind: BoundaryKind,
}

impl Boundary {
    /// `path:line`, for reasons and checklist items.
    pub fn location(&self) -> String {
        format!("{}:{}", self.path, self.span.start_line)
    }
}

/// A consumer or job anywhere in the head versions of the analysed files,
/// touched or not (for "consumers of the same topic").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSite {
    /// Repository-relative path.
    pub path: String,
    /// The handler.
    pub entry: Entry,
    /// Whether the change edits it.
    pub touched: bool,
    /// Its early exits, `(line, condition)`: possible silent skips.
    pub early_returns: Vec<(u32, String)>,
}

/// The touched boundaries of a change and every consumer in its files.
#[derive(Debug, Clone, Default)]
pub struct BoundaryMap {
    /// Touched boundaries, by path, side and position.
    pub boundaries: Vec<Boundary>,
    /// Every recognised consumer or job with a topic in the head versions.
    pub consumers: Vec<ConsumerSite>,
    /// Indices of new findings not located on any boundary.
    pub loose_findings: Vec<usize>,
}

impl BoundaryMap {
    /// The consumers registered for exactly this topic.
    pub fn consumers_of<'a>(
        &'a self,
        topic: &'a str,
    ) -> impl Iterator<Item = &'a ConsumerSite> + 'a {
        self.consumers
            .iter()
            .filter(move |c| c.entry.topic.as_deref() == Some(topic))
    }
}

/// The consumers and jobs registered for `topics` in the files the change
/// does not touch, at the change's head (the work tree for `INDEX` and
/// `WORKTREE`): "consumers of the same topic" beyond the diff. Only files that
/// contain one of the topics as text are parsed. `repo` is any directory
/// inside the repository.
pub fn consumers_elsewhere(
    repo: &Path,
    report: &Report,
    config: &Config,
    topics: &BTreeSet<String>,
) -> Result<Vec<ConsumerSite>, DiffError> {
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let touched: HashSet<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    let wants = |path: &str| {
        Language::from_path(path).is_some() && !touched.contains(path) && !config.is_ignored(path)
    };
    let revision = match report.head.as_str() {
        "INDEX" | "WORKTREE" => None,
        sha => Some(sha),
    };
    let mut found = Vec::new();
    for (path, text) in crate::diff::read_tree_files(repo, revision, &wants)? {
        let Some(language) = Language::from_path(&path) else {
            continue;
        };
        if !topics.iter().any(|topic| text.contains(topic.as_str())) {
            continue;
        }
        let model = crate::lang::parse(language, &text);
        let knowledge = config.knowledge.for_ecosystem(language.ecosystem());
        let extracted = extract(&path, language, (&model, &text), knowledge, Side::Head, &[]);
        found.extend(
            extracted
                .consumers
                .into_iter()
                .filter(|c| c.entry.topic.as_ref().is_some_and(|t| topics.contains(t))),
        );
    }
    Ok(found)
}

impl BoundaryMap {
    /// Every topic the touched boundaries publish or consume.
    pub fn topics(&self) -> BTreeSet<String> {
        self.boundaries
            .iter()
            .flat_map(|b| b.topics.iter().cloned())
            .collect()
    }

    /// Add consumers found outside the change (see [`consumers_elsewhere`]).
    pub fn add_consumers(&mut self, consumers: Vec<ConsumerSite>) {
        for consumer in consumers {
            if !self.consumers.contains(&consumer) {
                self.consumers.push(consumer);
            }
        }
        self.consumers
            .sort_by(|a, b| (&a.path, a.entry.line).cmp(&(&b.path, b.entry.line)));
    }
}

/// Find the workflow boundaries a change touches.
pub fn touched_boundaries(report: &Report, config: &Config) -> BoundaryMap {
    let mut map = BoundaryMap::default();
    let mut head = HeadIdentities::default();
    let mut removed = Vec::new();
    for file in &report.files {
        let packs = config.knowledge.for_ecosystem(file.language.ecosystem());
        if let Some(model) = &file.head {
            // The same knowledge the rules read: helpers seen through.
            let head_text = file.change.head_text.as_deref().unwrap_or_default();
            let project_names = project_local_names(file.language, &file.path, head_text);
            let knowledge = file_knowledge(model, packs, &file.head_helpers, project_names);
            let extracted = extract(
                &file.path,
                file.language,
                (model, file.change.head_text.as_deref().unwrap_or_default()),
                &knowledge,
                Side::Head,
                &file.change.changed_lines,
            );
            map.consumers.extend(extracted.consumers);
            head.note(&extracted.boundaries, model);
            map.boundaries.extend(extracted.boundaries);
        }
        if let Some(model) = &file.base {
            let base_text = file.change.base_text.as_deref().unwrap_or_default();
            let project_names = project_local_names(file.language, &file.path, base_text);
            let knowledge = file_knowledge(model, packs, &file.base_helpers, project_names);
            let extracted = extract(
                &file.path,
                file.language,
                (model, file.change.base_text.as_deref().unwrap_or_default()),
                &knowledge,
                Side::Base,
                &file.change.base_changed_lines,
            );
            removed.extend(extracted.boundaries);
        }
    }
    let gone: Vec<Boundary> = removed
        .into_iter()
        .filter(|boundary| head.lost(boundary, &map.consumers))
        .collect();
    map.boundaries.extend(gone);
    map.boundaries.sort_by(|a, b| {
        (
            &a.path,
            a.side,
            a.span.start_line,
            a.span.start_col,
            kind_rank(&a.kind),
        )
            .cmp(&(
                &b.path,
                b.side,
                b.span.start_line,
                b.span.start_col,
                kind_rank(&b.kind),
            ))
    });
    map.consumers
        .sort_by(|a, b| (&a.path, a.entry.line).cmp(&(&b.path, b.entry.line)));
    attach_findings(report, &mut map);
    map
}

/// The effects and consumers the head side still has, by identity (callee
/// and destination; label and topic): a base-side one missing here was
/// removed by the change, one that only moved was not.
#[derive(Default)]
struct HeadIdentities {
    effects: HashSet<(String, Option<String>)>,
    consumers: HashSet<(String, Option<String>)>,
}

impl HeadIdentities {
    fn note(&mut self, boundaries: &[Boundary], model: &FileModel) {
        for boundary in boundaries {
            match &boundary.kind {
                BoundaryKind::SideEffect(effect) => {
                    self.effects
                        .insert((effect.callee.clone(), effect.destination.clone()));
                }
                BoundaryKind::Consumer(consumer) => {
                    self.consumers
                        .insert((consumer.label.clone(), consumer.topic.clone()));
                }
                _ => {}
            }
        }
        // A call that only moved keeps its identity.
        model.module.for_each_call(&mut |call| {
            self.effects
                .insert((call.callee.clone(), destination(call)));
        });
    }

    /// Whether a base-side boundary is gone from the head side.
    fn lost(&self, boundary: &Boundary, head_consumers: &[ConsumerSite]) -> bool {
        match &boundary.kind {
            BoundaryKind::SideEffect(effect) => !self
                .effects
                .contains(&(effect.callee.clone(), effect.destination.clone())),
            BoundaryKind::Consumer(consumer) => {
                !self
                    .consumers
                    .contains(&(consumer.label.clone(), consumer.topic.clone()))
                    && !head_consumers
                        .iter()
                        .any(|c| c.entry.label == consumer.label && c.entry.topic == consumer.topic)
            }
            BoundaryKind::Transaction(_) | BoundaryKind::Retry(_) => false,
        }
    }
}

fn kind_rank(kind: &BoundaryKind) -> u8 {
    match kind {
        BoundaryKind::Consumer(_) => 0,
        BoundaryKind::Retry(_) => 1,
        BoundaryKind::Transaction(_) => 2,
        BoundaryKind::SideEffect(_) => 3,
    }
}

/// Put each new finding on the boundary it is about: the side-effect call it
/// starts on, else the innermost touched scope that contains it.
fn attach_findings(report: &Report, map: &mut BoundaryMap) {
    for (index, finding) in report.findings.iter().enumerate() {
        if finding.status != Status::New {
            continue;
        }
        let exact = map.boundaries.iter().position(|b| {
            b.side == Side::Head
                && b.path == finding.path
                && matches!(b.kind, BoundaryKind::SideEffect(_))
                && b.span.start_line == finding.line
                && b.span.start_col == finding.column
        });
        let containing = || {
            map.boundaries
                .iter()
                .enumerate()
                .filter(|(_, b)| {
                    b.side == Side::Head && b.path == finding.path && contains(b.span, finding)
                })
                .min_by_key(|(_, b)| b.span.end_byte - b.span.start_byte)
                .map(|(i, _)| i)
        };
        match exact.or_else(containing) {
            Some(position) => map.boundaries[position].findings.push(index),
            None => map.loose_findings.push(index),
        }
    }
}

fn contains(span: Span, finding: &Finding) -> bool {
    span.start_line <= finding.line && finding.end_line.max(finding.line) <= span.end_line
}

fn touches(span: Span, ranges: &[LineRange]) -> bool {
    ranges.iter().any(|r| span.touches_lines(r.first, r.last))
}

struct Extracted {
    boundaries: Vec<Boundary>,
    consumers: Vec<ConsumerSite>,
}

/// Whether a key generated at a span for a call is minted anew on every
/// attempt (see [`regenerated_per_attempt`]).
type PerAttempt<'a> = dyn Fn(Span, &Call, &WalkState<'_>) -> bool + 'a;

/// A retry scope seen during the walk, with the effects it repeats.
struct RetrySeen {
    scope: crate::flow::RetryScope,
    effects: Vec<String>,
    all_keyed: bool,
}

/// A handler seen during the walk.
struct HandlerSeen<'a> {
    function: &'a Function,
    role: HandlerRole,
    topic: Option<String>,
}

/// A transaction scope seen during the walk.
struct TransactionSeen<'a> {
    opener: &'a Call,
    style: Option<ScopeStyle>,
    touched: bool,
    effects: Vec<String>,
    topics: Vec<String>,
    function: String,
    entry: Option<Entry>,
    /// The line of the commit that ends a handle-style transaction.
    commit_line: Option<u32>,
}

fn extract(
    path: &str,
    language: Language,
    (model, source): (&FileModel, &str),
    knowledge: &Knowledge,
    side: Side,
    changed: &[LineRange],
) -> Extracted {
    let site = Site {
        path,
        language,
        side,
        changed,
    };
    let walker = ScopeWalker::new(knowledge, model);
    let bindings = Bindings::new(model);
    let keys = KeyFinder::new(knowledge, &bindings, source);
    let retry_facts = std::cell::OnceCell::new();
    let per_attempt = |at: Span, call: &Call, state: &WalkState<'_>| {
        let facts = retry_facts.get_or_init(|| RetryFacts::new(model, source, knowledge, &walker));
        regenerated_per_attempt(at, call, state, facts, knowledge).is_some()
    };
    let mut seen = Seen::default();
    walker.walk(model, &mut |call, state| {
        let entry = entry_of(state);
        seen.note_scopes(call, state, &entry, changed);
        let HandleStep::Inside(open_handle) =
            seen.note_handles(call, state, &entry, knowledge, changed)
        else {
            return;
        };
        let effect = if let Some(sink) = knowledge.sink(call) {
            if walker.is_local_receiver(call, state) {
                return;
            }
            side_effect(call, sink, state, (&keys, &per_attempt), language)
        } else if knowledge.is_outbox_write(call)
            && let Some(Value::String(topic)) = call.option_value("topic")
        {
            outbox_effect(call, topic, state, (&keys, &per_attempt))
        } else {
            return;
        };
        seen.note_effect(call, state, effect, open_handle, entry, site);
    });
    seen.finish(site)
}

/// The file version a walk reads and the lines its change touches.
#[derive(Clone, Copy)]
struct Site<'a> {
    path: &'a str,
    language: Language,
    side: Side,
    changed: &'a [LineRange],
}

impl Site<'_> {
    fn boundary(
        &self,
        span: Span,
        function: String,
        entry: Option<Entry>,
        topics: Vec<String>,
        kind: BoundaryKind,
    ) -> Boundary {
        Boundary {
            path: self.path.to_string(),
            language: self.language,
            side: self.side,
            span,
            function,
            entry,
            topics,
            findings: Vec::new(),
            kind,
        }
    }
}

/// What a call means for the handle-style transactions of its function.
enum HandleStep {
    /// A `begin` or `commit`: it opens or closes one, and is nothing else.
    Consumed,
    /// Any other call, with the opener start of the handle-style
    /// transaction open around it, if any.
    Inside(Option<usize>),
}

/// What one walk over a file version has seen, keyed by where each scope,
/// handler or retry starts.
#[derive(Default)]
struct Seen<'a> {
    /// The side effects on changed lines.
    boundaries: Vec<Boundary>,
    handlers: BTreeMap<usize, HandlerSeen<'a>>,
    transactions: BTreeMap<usize, TransactionSeen<'a>>,
    effects_by_handler: BTreeMap<usize, Vec<(String, String)>>,
    /// Every retry scope the walk meets (flow decides what retries).
    retries: BTreeMap<usize, RetrySeen>,
    /// Open handle-style transactions per enclosing function: (handle,
    /// opener start).
    open_handles: BTreeMap<usize, Vec<(String, usize)>>,
}

impl<'a> Seen<'a> {
    /// The retry scope, handler and transaction scope around `call`.
    fn note_scopes(
        &mut self,
        call: &'a Call,
        state: &WalkState<'a>,
        entry: &Option<Entry>,
        changed: &[LineRange],
    ) {
        if let Some(scope) = &state.retry {
            self.retries
                .entry(scope.region.start_byte)
                .or_insert_with(|| RetrySeen {
                    scope: scope.clone(),
                    effects: Vec::new(),
                    all_keyed: true,
                });
        }
        if let (Some(handler), Some(role)) = (state.handler, state.role) {
            self.handlers
                .entry(handler.span.start_byte)
                .or_insert(HandlerSeen {
                    function: handler,
                    role,
                    topic: state.handler_topic.map(str::to_string),
                });
        }
        if let Some(scope) = state.transaction {
            let seen = self
                .transactions
                .entry(scope.opener.span.start_byte)
                .or_insert_with(|| TransactionSeen {
                    opener: scope.opener,
                    style: Some(scope.style),
                    touched: touches(scope.opener.span, changed)
                        && scope.style != ScopeStyle::Decorator,
                    effects: Vec::new(),
                    topics: Vec::new(),
                    function: state.function.clone(),
                    entry: entry.clone(),
                    commit_line: None,
                });
            seen.touched |= touches(call.span, changed);
        }
    }

    /// Between a handle-style begin and its commit, in the same function.
    fn note_handles(
        &mut self,
        call: &'a Call,
        state: &WalkState<'a>,
        entry: &Option<Entry>,
        knowledge: &Knowledge,
        changed: &[LineRange],
    ) -> HandleStep {
        let enclosing = state.enclosing.span.start_byte;
        if knowledge.is_commit(call) {
            let handle = call.receiver.clone().unwrap_or_default();
            let open = self.open_handles.entry(enclosing).or_default();
            if let Some(position) = open.iter().position(|(h, _)| *h == handle) {
                let (_, opener_start) = open.remove(position);
                if let Some(seen) = self.transactions.get_mut(&opener_start) {
                    seen.commit_line = Some(call.span.start_line);
                    seen.touched |= touches(call.span, changed);
                }
            }
            return HandleStep::Consumed;
        }
        if let Some(handle) = begun_handle(call, knowledge) {
            self.transactions
                .entry(call.span.start_byte)
                .or_insert_with(|| TransactionSeen {
                    opener: call,
                    style: None,
                    touched: false,
                    effects: Vec::new(),
                    topics: Vec::new(),
                    function: state.function.clone(),
                    entry: entry.clone(),
                    commit_line: None,
                })
                .touched |= touches(call.span, changed);
            let open = self.open_handles.entry(enclosing).or_default();
            if !open.iter().any(|(h, _)| *h == handle) {
                open.push((handle, call.span.start_byte));
            }
            return HandleStep::Consumed;
        }
        let open_handle = self
            .open_handles
            .get(&enclosing)
            .and_then(|open| open.last())
            .map(|(_, opener_start)| *opener_start);
        if state.transaction.is_none()
            && let Some(seen) = open_handle.and_then(|start| self.transactions.get_mut(&start))
        {
            seen.touched |= touches(call.span, changed);
        }
        HandleStep::Inside(open_handle)
    }

    /// A side effect: on the transaction, handler and retry around it, and a
    /// boundary of its own when its line changed.
    fn note_effect(
        &mut self,
        call: &Call,
        state: &WalkState<'_>,
        mut effect: SideEffect,
        open_handle: Option<usize>,
        entry: Option<Entry>,
        site: Site<'_>,
    ) {
        let topic = match (&effect.destination, effect.sink_kind) {
            (Some(topic), SinkKind::Event) => Some(topic.clone()),
            _ => None,
        };
        if effect.transaction.is_none()
            && state.deferred_by.is_none()
            && let Some(seen) = open_handle.and_then(|start| self.transactions.get_mut(&start))
        {
            effect.transaction = Some(Located {
                name: callee_name(seen.opener),
                line: seen.opener.span.start_line,
            });
            seen.effects.push(effect.sent.clone());
            seen.topics.extend(topic.clone());
        }
        if let Some(scope) = state.transaction
            && state.deferred_by.is_none()
            && let Some(seen) = self.transactions.get_mut(&scope.opener.span.start_byte)
        {
            seen.effects.push(effect.sent.clone());
            seen.topics.extend(topic.clone());
        }
        if let Some(handler) = state.handler {
            self.effects_by_handler
                .entry(handler.span.start_byte)
                .or_default()
                .push((effect.sent.clone(), effect.assertion.clone()));
        }
        if let Some(seen) = state
            .retry
            .as_ref()
            .and_then(|scope| self.retries.get_mut(&scope.region.start_byte))
        {
            seen.effects.push(effect.sent.clone());
            seen.all_keyed &= effect.idempotency_key.is_some();
        }
        if touches(call.span, site.changed) {
            self.boundaries.push(site.boundary(
                call.span,
                state.function.clone(),
                entry,
                topic.into_iter().collect(),
                BoundaryKind::SideEffect(Box::new(effect)),
            ));
        }
    }

    /// The boundaries of everything seen: side effects, then the touched
    /// transactions, retries and handlers; and every consumer on the head side.
    fn finish(self, site: Site<'_>) -> Extracted {
        let mut boundaries = self.boundaries;
        boundaries.extend(transaction_boundaries(self.transactions, site));
        boundaries.extend(retry_boundaries(self.retries, site));
        let mut consumers = Vec::new();
        for (start, seen) in &self.handlers {
            let effects = self
                .effects_by_handler
                .get(start)
                .cloned()
                .unwrap_or_default();
            boundaries.extend(handler_boundary(seen, effects, site, &mut consumers));
        }
        Extracted {
            boundaries,
            consumers,
        }
    }
}

fn transaction_boundaries<'a, 's>(
    transactions: BTreeMap<usize, TransactionSeen<'a>>,
    site: Site<'s>,
) -> impl Iterator<Item = Boundary> + use<'a, 's> {
    transactions
        .into_values()
        .filter(|seen| seen.touched)
        .map(move |seen| {
            site.boundary(
                seen.opener.span,
                seen.function,
                seen.entry,
                seen.topics,
                BoundaryKind::Transaction(Transaction {
                    opener: callee_name(seen.opener),
                    style: seen.style,
                    effects: seen.effects,
                    commit_line: seen.commit_line,
                }),
            )
        })
}

fn retry_boundaries<'s>(
    retries: BTreeMap<usize, RetrySeen>,
    site: Site<'s>,
) -> impl Iterator<Item = Boundary> + use<'s> {
    retries
        .into_values()
        .filter(move |seen| touches(seen.scope.region, site.changed))
        .map(move |seen| {
            site.boundary(
                seen.scope.region,
                String::new(),
                None,
                Vec::new(),
                BoundaryKind::Retry(RetryScope {
                    wrapper: seen.scope.label,
                    effects: seen.effects,
                    all_keyed: seen.all_keyed,
                }),
            )
        })
}

/// A consumer or job: listed among the head side's consumers when it has a
/// topic, and a boundary when the change touches it or its registration.
fn handler_boundary(
    seen: &HandlerSeen<'_>,
    effects: Vec<(String, String)>,
    site: Site<'_>,
    consumers: &mut Vec<ConsumerSite>,
) -> Option<Boundary> {
    if !matches!(seen.role, HandlerRole::Consumer | HandlerRole::Job) {
        return None;
    }
    let entry = handler_entry(seen.function, seen.role, seen.topic.clone());
    let early_returns = early_returns(&seen.function.body);
    let touched = touches(seen.function.span, site.changed)
        || registration_touched(seen.function, site.changed);
    if site.side == Side::Head && entry.topic.is_some() {
        consumers.push(ConsumerSite {
            path: site.path.to_string(),
            entry: entry.clone(),
            touched,
            early_returns: early_returns.clone(),
        });
    }
    if !touched {
        return None;
    }
    let message_keys = seen
        .function
        .params
        .iter()
        .flat_map(|p| p.destructured.iter().cloned())
        .collect();
    Some(site.boundary(
        seen.function.span,
        seen.function.name.clone(),
        Some(entry.clone()),
        entry.topic.iter().cloned().collect(),
        BoundaryKind::Consumer(Consumer {
            role: seen.role,
            label: entry.label,
            topic: entry.topic,
            early_returns,
            effects,
            message_keys,
        }),
    ))
}

/// The handle a call begins a transaction on: `tx` for `let mut tx =
/// pool.begin().await?` or `const trx = await db.transaction()` (an opener
/// without a callback), the client for raw SQL `BEGIN`.
fn begun_handle(call: &Call, knowledge: &Knowledge) -> Option<String> {
    if knowledge.is_transaction_opener(call) && call.callbacks().next().is_none() {
        return call
            .bound_to
            .as_deref()
            .map(|name| name.trim_start_matches("mut ").trim().to_string())
            .or_else(|| call.receiver.clone());
    }
    if knowledge.is_sql_begin(call) {
        return call.receiver.clone();
    }
    None
}

/// The registration line of a callback handler (`worker.on('x', async …`) is
/// its first line, already inside the function span; decorators sit above it.
fn registration_touched(function: &Function, changed: &[LineRange]) -> bool {
    function.decorators.iter().any(|d| touches(d.span, changed))
}

fn side_effect(
    call: &Call,
    sink: &crate::knowledge::Sink,
    state: &WalkState<'_>,
    (keys, per_attempt): (&KeyFinder<'_, '_>, &PerAttempt<'_>),
    language: Language,
) -> SideEffect {
    // The key as the idempotency rules see it (options, headers, builder
    // methods, variables passed on): one decision for findings and checklist.
    let idempotency_key = keys.key_of(call).map(|found| IdempotencyKey {
        value: call.option_value(&found.name).and_then(value_text),
        generated: matches!(found.origin, KeyOrigin::Generated { at, .. } if per_attempt(at, call, state)),
        name: found.name,
    });
    let caught_at = state.try_stack.iter().rev().find_map(|t| {
        t.handlers.iter().find_map(|node| match node {
            Node::Block(block) if matches!(block.kind, BlockKind::Catch { .. }) => {
                Some(block.span.start_line)
            }
            _ => None,
        })
    });
    let loop_header = state
        .innermost_plain_loop()
        .map(|header| crate::flow::shorten(header, 60));
    let unobserved = matches!(
        language,
        Language::JavaScript | Language::TypeScript | Language::Tsx
    ) && state.enclosing.is_async
        && !call.awaited
        && call.result == crate::model::CallResult::Discarded;
    SideEffect {
        callee: callee_name(call),
        sink_kind: sink.kind,
        label: sink.label.clone(),
        non_idempotent: sink.non_idempotent,
        destination: target(call, sink.kind),
        sent: subject(call, sink.kind),
        payload_keys: payload_keys(call),
        idempotency_key,
        transaction: state.transaction.map(|scope| Located {
            name: callee_name(scope.opener),
            line: scope.opener.span.start_line,
        }),
        deferred_by: state.deferred_by.map(|deferral| Located {
            name: callee_name(deferral),
            line: deferral.span.start_line,
        }),
        retry: retried_by(state),
        loop_header,
        caught_at,
        unobserved,
        assertion: assertion(call, sink.kind),
        outbox: false,
    }
}

/// The topic, queue, URL or task a side effect targets: what the call names
/// (see [`destination`]), or for a message built by a nested call, that
/// call's first string (rdkafka `send(FutureRecord::to("order.created")…)`).
fn target(call: &Call, kind: SinkKind) -> Option<String> {
    destination(call).or_else(|| {
        if kind != SinkKind::Event {
            return None;
        }
        call.args.iter().find_map(|arg| match &arg.value {
            Value::Call(inner) => inner
                .chain
                .iter()
                .chain(std::iter::once(inner.as_ref()))
                .find_map(|c| c.first_string_arg())
                .map(str::to_string),
            _ => None,
        })
    })
}

/// How sentences name what a side effect sends: `` `order.created` `` for a
/// message with a topic, else the call (`` the `stripe.charges.create` call ``).
fn subject(call: &Call, kind: SinkKind) -> String {
    let callee = callee_name(call);
    match (kind, target(call, kind)) {
        (SinkKind::Event, Some(topic)) => format!("`{topic}`"),
        (SinkKind::Event, None) => format!("the message `{callee}` sends"),
        (SinkKind::Email, _) => format!("the e-mail `{callee}` sends"),
        (SinkKind::Http, Some(url)) if !url.contains(' ') => format!("the request to `{url}`"),
        (SinkKind::Http, _) => format!("the `{callee}` request"),
        (SinkKind::Payment | SinkKind::Crm, _) => format!("the `{callee}` call"),
    }
}

/// A concrete assertion for a workflow test: exactly one effect, keyed by the
/// payload field that identifies the business record when there is one.
fn assertion(call: &Call, kind: SinkKind) -> String {
    let keys = payload_keys(call);
    let key = keys
        .iter()
        .find(|k| k.ends_with("Id") || k.ends_with("_id") || k.as_str() == "id")
        .or(keys.first());
    let with = key.map(|k| format!(" with this `{k}`")).unwrap_or_default();
    let callee = callee_name(call);
    match (kind, target(call, kind)) {
        (SinkKind::Event, Some(topic)) => format!("exactly one `{topic}` message{with}"),
        (SinkKind::Email, _) => {
            format!("exactly one e-mail accepted by the provider (`{callee}`){with}")
        }
        _ => format!("exactly one `{callee}` call{with}"),
    }
}

/// An outbox row as a side effect: it publishes `topic` through the relay.
fn outbox_effect(
    call: &Call,
    topic: &str,
    state: &WalkState<'_>,
    (keys, per_attempt): (&KeyFinder<'_, '_>, &PerAttempt<'_>),
) -> SideEffect {
    let sent = format!("`{topic}`");
    SideEffect {
        callee: callee_name(call),
        sink_kind: SinkKind::Event,
        label: "outbox row".to_string(),
        non_idempotent: true,
        destination: Some(topic.to_string()),
        assertion: format!("exactly one {sent} outbox row, published once after commit"),
        sent,
        payload_keys: payload_keys(call),
        idempotency_key: call.option_value("key").map(|value| IdempotencyKey {
            name: "key".to_string(),
            value: value_text(value),
            generated: matches!(
                keys.value_origin(value, call.span),
                KeyOrigin::Generated { at, .. } if per_attempt(at, call, state)
            ),
        }),
        transaction: state.transaction.map(|scope| Located {
            name: callee_name(scope.opener),
            line: scope.opener.span.start_line,
        }),
        deferred_by: None,
        retry: retried_by(state),
        loop_header: None,
        caught_at: None,
        unobserved: false,
        outbox: true,
    }
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(format!("'{text}'")),
        Value::Path(path) => Some(path.clone()),
        Value::Number(number) => Some(number.clone()),
        Value::Call(call) => Some(crate::flow::shorten(&call.text, 50)),
        _ => None,
    }
}

fn entry_of(state: &WalkState<'_>) -> Option<Entry> {
    match (state.handler, state.role) {
        (Some(handler), Some(role)) => Some(handler_entry(
            handler,
            role,
            state.handler_topic.map(str::to_string),
        )),
        _ => {
            let function = state.enclosing;
            if matches!(function.origin, FunctionOrigin::Module) {
                return None;
            }
            Some(Entry {
                role: None,
                label: crate::flow::shorten(&function.name, 60),
                topic: None,
                line: function.span.start_line,
                start_byte: function.span.start_byte,
            })
        }
    }
}

const HTTP_VERBS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "all",
    "route",
    "api_route",
];

/// How a reviewer names a handler: `POST /checkout`, `worker.on order.created`.
pub(crate) fn handler_entry(
    function: &Function,
    role: HandlerRole,
    topic: Option<String>,
) -> Entry {
    let registration = match &function.origin {
        FunctionOrigin::Callback { callee, .. } => Some(callee.clone()),
        _ => function.decorators.first().map(|d| d.callee.clone()),
    };
    let label = match (&registration, &topic) {
        (Some(callee), Some(topic)) => {
            let verb = callee.rsplit('.').next().unwrap_or(callee);
            let declared = match &function.origin {
                FunctionOrigin::Callback { .. } => String::new(),
                _ => format!(" · {}", function.name),
            };
            if role == HandlerRole::Route && HTTP_VERBS.contains(&verb) {
                format!("{} {topic}{declared}", verb.to_ascii_uppercase())
            } else {
                format!("{callee} {topic}{declared}")
            }
        }
        _ => function.name.clone(),
    };
    Entry {
        role: Some(role),
        label: crate::flow::shorten(&label, 70),
        topic,
        line: function.span.start_line,
        start_byte: function.span.start_byte,
    }
}

/// The retry scope around a call, as the flow layer decides it (the same
/// scope the idempotency rules judge).
fn retried_by(state: &WalkState<'_>) -> Option<Located> {
    state.retry.as_ref().map(|scope| Located {
        name: scope.label.clone(),
        line: scope.origin.start_line,
    })
}

/// `(line, condition)` of every `if` in a handler body whose branch returns
/// (not descending into nested functions, which return from themselves).
fn early_returns(nodes: &[Node]) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    collect_early_returns(nodes, &mut found, 0);
    found
}

fn collect_early_returns(nodes: &[Node], out: &mut Vec<(u32, String)>, depth: usize) {
    if depth > crate::lang::MAX_MODEL_DEPTH {
        return;
    }
    for node in nodes {
        if let Node::Block(block) = node {
            if let BlockKind::If { condition } = &block.kind
                && block.body.iter().any(|n| matches!(n, Node::Return(_)))
            {
                out.push((block.span.start_line, crate::flow::shorten(condition, 60)));
            }
            collect_early_returns(&block.body, out, depth + 1);
        }
    }
}
