//! Seeing through the project's own helpers: function summaries turned into
//! knowledge.
//!
//! Real code wraps the SDK. A helper of the project sends the e-mail
//! (`email_receipt(user)` calls `send_mail`), a helper opens the transaction
//! (`with_tx(fn)` hands `fn` to `db.transaction`, a `@contextmanager` yields
//! inside `transaction.atomic()`, a decorator runs the wrapped function in
//! one, a Rust `in_tx(pool, f)` begins, calls `f` and commits), or a helper
//! defers until commit (`after_commit(fn)` hands `fn` to `on_commit`).
//!
//! Each function of a file is summarised once — which pack sink it reaches
//! (directly or through other summarised functions, at most [`MAX_DEPTH`]
//! calls deep, cycles cut), whether it opens a transaction around a callable
//! it is given, whether it defers one — and the summaries are laid over the
//! packs as facts of the same shape ([`crate::knowledge::HelperFacts`], by
//! exact callee): a call to `email_receipt` is then a sink labelled with its
//! chain (`e-mail provider via `email_receipt` (line 4) → `send_mail``) for
//! every rule that asks the knowledge.
//! Helpers imported from other files are summarised the same way by
//! [`Summaries::add_imported`] with the name the importing file uses.

use super::keys::{Bindings, KeyFinder, KeyOrigin};
use super::scope::{ScopeWalker, WalkState};
use super::writes::{named_as_write, stores_rows};
use crate::knowledge::{HelperFacts, HelperKey, Knowledge, Sink, SinkKind, SinkOrigin, SinkPlace};
use crate::model::{
    BlockKind, Call, CallResult, FileModel, Function, FunctionOrigin, Node, Span, Value,
};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// How many calls deep a chain of helpers is followed.
pub const MAX_DEPTH: usize = 4;

/// A sink a helper reaches, with the chain of calls that gets there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachedSink {
    /// What the sink reaches.
    pub kind: SinkKind,
    /// The pack sink's label.
    pub label: String,
    /// Whether the pack sink is generic.
    pub generic: bool,
    /// Whether it is non-idempotent.
    pub non_idempotent: bool,
    /// The chain, outermost first: `email_receipt (line 4)`, …, `send_mail`.
    pub chain: Vec<String>,
    /// The call in the summarised function that leads to the sink (the
    /// sink call itself, or the call of the next helper), its trigger text.
    pub first_call: (Span, String),
    /// The idempotency key sent with the sink call, when there is one.
    pub key: Option<HelperKey>,
    /// Where the chain ends: the pack sink's call.
    pub reached_at: Option<SinkPlace>,
    /// Whether a function of the chain catches the sink's failure and does
    /// not rethrow it: the helper's callers never see it fail.
    pub caught_inside: bool,
    /// Whether the pack sink publishes to one entity's live feed.
    pub live_feed: bool,
}

impl ReachedSink {
    /// The sink a call of the helper is, as its callers see it: the pack
    /// sink's kind, labelled with the chain that reaches it.
    pub fn as_sink(&self, origin: SinkOrigin) -> Sink {
        let mut sink = Sink::of_helper(
            self.kind,
            format!("{} via {}", self.label, self.chain.join(" → ")),
            self.generic,
            self.non_idempotent,
            origin,
            self.key.clone(),
            self.reached_at.clone(),
        );
        sink.caught_inside = self.caught_inside;
        sink.live_feed = self.live_feed;
        sink
    }
}

/// What one function does, as far as other code calling it is concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The first sink it reaches outside a deferral, if any.
    pub reaches: Option<ReachedSink>,
    /// It runs a callable it is given inside a transaction.
    pub opens_transaction: bool,
    /// It opens that transaction only on some paths: it also runs the
    /// callable with none open (`if not converts(request): return
    /// view(request)` before `with transaction.atomic(): return
    /// view(request)`).
    pub opens_transaction_sometimes: bool,
    /// It runs a callable it is given only after commit.
    pub defers: bool,
    /// It is a task whose own enqueue (`.delay()`, `.apply_async()`) waits
    /// for the commit: declared with a `base=` task class whose
    /// `apply_async` hands the send to `on_commit`.
    pub sends_after_commit: bool,
    /// It changes stored state: a call named as a write that is not a side
    /// effect on another system, in its body or in a helper it calls
    /// (see [`super::writes`]).
    pub writes: bool,
    /// It plainly persists: a call that stores rows (`save`, `insert`,
    /// `execute`, a chained query's `update`), in its body or in a helper
    /// it calls. Narrower than [`Summary::writes`], which also takes `add`
    /// or `set` on a message store or a cache for a write.
    pub stores: bool,
    /// Calling it hands back something to wait for: it is async, or it
    /// returns a value (the promise it made).
    pub pending: bool,
    /// It returns the response of an HTTP write whole, its status unread
    /// (`return fetch(url, { method: 'POST', .. })`, `return
    /// requests.post(..)`, Rust `Ok(client.post(..).send().await?)`), made
    /// with a client the packs resolve that answers an error status
    /// normally, itself or through such a helper: its callers own the
    /// status (see [`Summaries::hands_back_response`]).
    pub hands_back_response: bool,
    /// What it reaches was left out on purpose (a whole-repository scan
    /// reads another file's helpers only to quiet, never to chain): an
    /// empty [`Summary::reaches`] then says nothing of its body.
    pub reach_withheld: bool,
}

impl Summary {
    /// Whether its body is known to reach no side effect.
    pub fn reaches_nothing(&self) -> bool {
        self.reaches.is_none() && !self.reach_withheld
    }
}

/// Which writes a summary counts.
#[derive(Debug, Clone, Copy)]
enum WriteMeasure {
    /// Any call named as a write ([`Summary::writes`]).
    Named,
    /// Calls that plainly store rows ([`Summary::stores`]).
    Stored,
}

impl WriteMeasure {
    fn of(self, summary: &Summary) -> bool {
        match self {
            WriteMeasure::Named => summary.writes,
            WriteMeasure::Stored => summary.stores,
        }
    }

    fn names_write(self, call: &Call) -> bool {
        match self {
            WriteMeasure::Named => named_as_write(&call.method),
            WriteMeasure::Stored => stores_rows(call),
        }
    }
}

/// One call inside a function, as the summaries need it.
struct CallFact<'a> {
    call: &'a Call,
    deferred: bool,
    local: bool,
    /// Inside a `try` whose handler catches the call's failure and does not
    /// rethrow it (see [`catches_failure`]).
    caught: bool,
}

/// The summaries of one file's functions.
pub struct Summaries<'a> {
    knowledge: &'a Knowledge,
    model: &'a FileModel,
    /// The file, when the summaries are for the files that import it.
    path: Option<String>,
    /// The file's bindings, built when a sink call's key is first asked for.
    bindings: std::sync::OnceLock<Bindings<'a>>,
    /// Declared functions by the names calls use for them.
    functions: HashMap<String, &'a Function>,
    /// The calls of each declared function (by stable name), in order.
    calls: HashMap<String, Vec<CallFact<'a>>>,
    memo: HashMap<String, Summary>,
    /// Where a chain step is, as shown in messages (`line 4`, `orders/notify.py:12`).
    place: Box<dyn Fn(&Function) -> String + 'a>,
    /// Summaries of helpers imported from other files, by local name.
    imported: HashMap<String, Summary>,
    /// Task classes whose `apply_async` defers the send until commit, by
    /// the names this file uses for them (its own and imported ones).
    deferring_task_classes: HashSet<String>,
    /// Instances of classes, by the name they are bound to and the class as
    /// the construction names it (`this.client` → `ApiClient`).
    instances: Vec<(String, String)>,
    /// The classes this file declares, with their methods.
    classes: HashMap<String, Vec<&'a Function>>,
    /// The names the file imports from the project's own code.
    project_names: HashSet<String>,
}

impl<'a> Summaries<'a> {
    /// Summarise the functions of `model` against the pack `knowledge`;
    /// `place` names where a function is for the chains (`line 4`).
    pub fn new(
        model: &'a FileModel,
        knowledge: &'a Knowledge,
        place: Box<dyn Fn(&Function) -> String + 'a>,
    ) -> Summaries<'a> {
        let mut functions = HashMap::new();
        collect_declarations(&model.module.body, &mut functions);
        let walker = ScopeWalker::new(knowledge, model);
        let promise_caught = caught_by_promise_handler(model);
        let mut calls: HashMap<String, Vec<CallFact<'a>>> = HashMap::new();
        walker.walk(model, &mut |call, state| {
            let owner = state
                .function
                .split(" > ")
                .next()
                .unwrap_or_default()
                .to_string();
            calls.entry(owner).or_default().push(CallFact {
                call,
                deferred: state.deferred_by.is_some(),
                local: walker.is_local_receiver(call, state),
                caught: catches_failure(state, knowledge) || promise_caught.contains(&call.span),
            });
        });
        Summaries {
            knowledge,
            model,
            path: None,
            bindings: std::sync::OnceLock::new(),
            functions,
            calls,
            memo: HashMap::new(),
            place,
            imported: HashMap::new(),
            deferring_task_classes: deferring_task_classes(model, knowledge),
            instances: instances(model),
            classes: declared_classes(model),
            project_names: HashSet::new(),
        }
    }

    /// The names the file imports from the project's own code
    /// ([`super::imports::project_local_names`]).
    pub fn with_project_names(mut self, names: HashSet<String>) -> Self {
        self.project_names = names;
        self
    }

    /// Summaries of the file at `path`, as the files that import it see
    /// them: the places their chains end name the file.
    pub fn in_file(mut self, path: &str) -> Self {
        self.path = Some(path.to_string());
        self
    }

    /// The task classes this file declares whose `apply_async` (or `delay`)
    /// defers the send until commit (`class OnCommitTask(Task)` calling
    /// `transaction.on_commit(..)` there).
    pub fn deferring_task_classes(&self) -> &HashSet<String> {
        &self.deferring_task_classes
    }

    /// Add a task class another file declares that defers its sends, under
    /// the name this file uses for it.
    pub fn add_deferring_task_class(&mut self, local_name: &str) {
        self.deferring_task_classes.insert(local_name.to_string());
    }

    /// Add the summary of a helper another file defines, under the name this
    /// file calls it by (`email_receipt`, `notify.email_receipt`).
    pub fn add_imported(&mut self, local_name: &str, summary: Summary) {
        self.imported.insert(local_name.to_string(), summary);
    }

    /// The summary of the declared function called `name` as a call would
    /// name it (`email_receipt`, `self.email_receipt`), if it is one.
    pub fn of_callee(&mut self, callee: &str) -> Option<Summary> {
        if let Some(summary) = self.imported.get(callee) {
            return Some(summary.clone());
        }
        let function = *self.functions.get(callee)?;
        Some(self.of_function(function, &mut HashSet::new(), 0))
    }

    /// The summary of every declared function, by its stable name.
    pub fn all(&mut self) -> Vec<(&'a Function, Summary)> {
        // Methods of two classes may share a name (`Post.send`,
        // `Update.send`): each class's own are summarised.
        let mut functions: Vec<&'a Function> = self
            .functions
            .values()
            .copied()
            .filter(|f| f.class.is_none())
            .chain(self.classes.values().flatten().copied())
            .collect();
        functions.sort_by_key(|f| f.span.start_byte);
        functions.dedup_by_key(|f| f.span.start_byte);
        functions
            .into_iter()
            .map(|f| (f, self.of_function(f, &mut HashSet::new(), 0)))
            .collect()
    }

    fn of_function(
        &mut self,
        function: &'a Function,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> Summary {
        if let Some(known) = self.memo.get(&function.name) {
            return known.clone();
        }
        if depth > MAX_DEPTH || !visiting.insert(function.name.clone()) {
            return Summary::default();
        }
        let opens = |call: &Call| self.knowledge.is_transaction_opener(call);
        let opens_transaction = wraps_callable(function, opens);
        let opens_transaction_sometimes =
            opens_transaction && runs_callable_outside(function, opens);
        let summary = Summary {
            reaches: self.reached_sink(function, visiting, depth),
            opens_transaction,
            opens_transaction_sometimes,
            defers: wraps_callable(function, |call| self.knowledge.is_deferral(call)),
            sends_after_commit: self.has_deferring_base(function),
            writes: self.writes(function, visiting, depth, WriteMeasure::Named),
            stores: self.writes(function, visiting, depth, WriteMeasure::Stored),
            pending: function.is_async || returns_value(&function.body),
            hands_back_response: self.hands_back_response(function, visiting, depth),
            reach_withheld: false,
        };
        visiting.remove(&function.name);
        self.memo.insert(function.name.clone(), summary.clone());
        summary
    }

    /// Whether a task decorator of `function` names a deferring task class
    /// as its `base=`.
    fn has_deferring_base(&self, function: &Function) -> bool {
        function.decorators.iter().any(|decorator| {
            matches!(
                decorator.option_value("base"),
                Some(Value::Path(base)) if self.deferring_task_classes.contains(base)
                    || base.rsplit('.').next().is_some_and(|last| self.deferring_task_classes.contains(last))
            )
        })
    }

    /// Whether `call` enqueues a task of this file (or imported into it)
    /// whose send waits for the commit.
    fn task_sent_after_commit(&self, call: &Call) -> bool {
        if !matches!(call.method.as_str(), "delay" | "apply_async") {
            return false;
        }
        let Some(task) = call.receiver.as_deref() else {
            return false;
        };
        if let Some(summary) = self.imported.get(task) {
            return summary.sends_after_commit;
        }
        self.functions
            .get(task)
            .is_some_and(|function| self.has_deferring_base(function))
    }

    /// The calls of `function`, each with whether it is deferred, whether
    /// its receiver is a local value and whether its failure is caught there.
    fn call_facts(&self, function: &Function) -> Vec<(&'a Call, bool, bool, bool)> {
        self.calls
            .get(&function.name)
            .map(|calls| {
                calls
                    .iter()
                    .map(|f| (f.call, f.deferred, f.local, f.caught))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `call` only sends once the transaction commits: an outbox
    /// write, a send the packs know waits for the commit, or such a task.
    fn leaves_after_commit(&self, call: &Call) -> bool {
        self.knowledge.is_outbox_write(call)
            || self.knowledge.sends_after_commit(call)
            || self.task_sent_after_commit(call)
    }

    /// The pack sink `call` (in `function`, described as `here`) reaches.
    fn sink_reached(
        &self,
        sink: &Sink,
        call: &Call,
        function: &Function,
        here: String,
    ) -> ReachedSink {
        ReachedSink {
            kind: sink.kind,
            label: sink.label.clone(),
            generic: sink.generic,
            non_idempotent: sink.non_idempotent,
            chain: vec![here, format!("`{}`", call.callee)],
            first_call: (call.span, call.text.clone()),
            key: sink.key.clone().or_else(|| self.key_sent(call, function)),
            caught_inside: sink.caught_inside,
            live_feed: sink.live_feed
                || (sink.kind == SinkKind::Event
                    && sink.origin == SinkOrigin::Pack
                    && crate::flow::describe::per_entity_channel_in(call, function)),
            reached_at: sink.reached_at.clone().or_else(|| {
                Some(SinkPlace {
                    path: self.path.clone(),
                    span: call.span,
                    callee: call.callee.clone(),
                    by_name_only: self.known_by_name_only(sink, call),
                })
            }),
        }
    }

    /// Whether `call` is taken for `sink` by its method's name alone, on an
    /// object this file does not declare or import (`order.send_mail(..)`
    /// on a parameter), rather than on a task or module it names
    /// (`send_mails.delay(..)` on a task declared here).
    fn known_by_name_only(&self, sink: &Sink, call: &Call) -> bool {
        let Some(receiver) = call.receiver.as_deref() else {
            return false;
        };
        let root = receiver.split(['.', '(']).next().unwrap_or(receiver);
        let in_sight = self.functions.contains_key(receiver)
            || self.imported.contains_key(receiver)
            || self
                .imported
                .keys()
                .any(|name| name.split('.').next() == Some(root));
        !in_sight && sink.matched_by_method_name_only(&call.callee)
    }

    fn reached_sink(
        &mut self,
        function: &'a Function,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> Option<ReachedSink> {
        let facts = self.call_facts(function);
        // A helper that defers its effect until commit on some path
        // (`if defer: on_commit(send) else: send()`) handles the boundary
        // itself: its callers chose the path, and are not second-guessed.
        // Handing a nested function to the deferral (`on_commit(schedule)`)
        // is such a path too.
        if facts
            .iter()
            .any(|(call, deferred, _, _)| *deferred || self.knowledge.is_deferral(call))
        {
            return None;
        }
        let here = format!("`{}` ({})", short_name(function), (self.place)(function));
        for (call, deferred, local, caught) in facts {
            if deferred || local || self.leaves_after_commit(call) {
                continue;
            }
            let reached = self.reached_by(call, function, here.clone(), visiting, depth);
            if let Some(mut reached) = reached {
                reached.caught_inside |= caught;
                return Some(reached);
            }
        }
        None
    }

    /// The pack sink `call` (in `function`, described as `here`) reaches,
    /// itself or through the project's code it calls.
    fn reached_by(
        &mut self,
        call: &'a Call,
        function: &'a Function,
        here: String,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> Option<ReachedSink> {
        let onward = |mut reached: ReachedSink| {
            reached.chain.insert(0, here.clone());
            reached.first_call = (call.span, call.text.clone());
            reached
        };
        if let Some(sink) = self.knowledge.sink(call).filter(|sink| {
            !(self.on_project_made(call) && sink.matched_by_names_only(&call.callee))
        }) {
            // `this.eventBus.publish(..)` matched by names alone, on an
            // instance of the project's own class: its method decides.
            if sink.matched_by_names_only(&call.callee)
                && let Some(own) = self.own_method_summary(call, visiting, depth)
            {
                return own.reaches.map(onward);
            }
            // `order.send_mail(..)` matched by its method name alone is the
            // project's own method when one of its classes declares it:
            // what that method reaches decides.
            if sink.yields_to_project_function(call)
                && let Some(own) = self.project_method(&call.method, visiting, depth)
            {
                return own.reaches.map(onward);
            }
            // `queue.enqueue(..)` matched by its method name alone, where
            // `queue` is a module of the project the file imports whole: the
            // module's function decides.
            if sink.yields_to_project_function(call)
                && let Some(own) = self
                    .imported
                    .get(&call.callee)
                    .filter(|own| !own.reach_withheld)
            {
                return own.reaches.clone().map(onward);
            }
            return Some(self.sink_reached(sink, call, function, here.clone()));
        }
        self.callee_summary(call, function, visiting, depth)?
            .reaches
            .map(onward)
    }

    /// The summary of the project's function `call` (in `function`)
    /// resolves to: declared in this file (summarised one level deeper) or
    /// imported.
    fn callee_summary(
        &mut self,
        call: &Call,
        function: &'a Function,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> Option<Summary> {
        Some(match self.resolve(call, function)? {
            Resolved::Declared(next) => self.of_function(next, visiting, depth + 1),
            Resolved::Imported(summary) => *summary,
        })
    }

    /// Whether `function` returns the unread response of an HTTP write (see
    /// [`Summary::hands_back_response`]): a call it returns (`return
    /// fetch(..)`, a Rust tail `Ok(..send().await?)`) is such a write, or a
    /// call of a helper that returns one.
    fn hands_back_response(
        &mut self,
        function: &'a Function,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> bool {
        for (call, deferred, local, _) in self.call_facts(function) {
            if deferred || local || !returned_whole(call, &function.body) {
                continue;
            }
            if self.raw_write_response(call)
                && !crate::flow::names_a_parameter(&[function], &call.callee)
            {
                return true;
            }
            if call.chain.is_empty()
                && self
                    .callee_summary(call, function, visiting, depth)
                    .is_some_and(|inner| inner.hands_back_response)
            {
                return true;
            }
        }
        false
    }

    /// Whether `call` is an HTTP write whose response it hands on unread: a
    /// client the packs resolve by its library (`fetch`, `requests.post`,
    /// reqwest's builder chain, a receiver the file constructs), that does
    /// not throw on an error status, with nothing read or checked after it.
    fn raw_write_response(&self, call: &Call) -> bool {
        let links: Vec<&Call> = call.chain.iter().chain(std::iter::once(call)).collect();
        let Some(position) = links.iter().position(|link| {
            self.knowledge.sink(link).is_some_and(|sink| {
                sink.kind == SinkKind::Http
                    && sink.origin == SinkOrigin::Pack
                    && !(self.on_project_made(link) && sink.matched_by_names_only(&link.callee))
                    && (sink.names_its_origin(&link.callee)
                        || link.constructed_receiver.is_some()
                        || link.callee.contains("()."))
            })
        }) else {
            return false;
        };
        !self.knowledge.throws_on_error_status(call)
            && !links[..=position].iter().all(|link| link.args.is_empty())
            && !links[position + 1..].iter().any(|link| {
                self.knowledge.is_status_check(&link.method)
                    || crate::flow::outcome::BODY_READS.contains(&link.method.as_str())
                    || link.method == "then"
            })
    }

    /// Whether `function` writes stored state, as `measure` judges a call
    /// of no known body: a call (not deferred, not a side effect) so named,
    /// or a call of a helper whose body writes. A helper past the depth
    /// bound or in a cycle is judged by its name.
    fn writes(
        &mut self,
        function: &'a Function,
        visiting: &mut HashSet<String>,
        depth: usize,
        measure: WriteMeasure,
    ) -> bool {
        for (call, deferred, _, _) in self.call_facts(function) {
            if deferred || self.knowledge.sink(call).is_some() {
                continue;
            }
            let written = match self.resolve(call, function) {
                Some(Resolved::Declared(next))
                    if depth < MAX_DEPTH && !visiting.contains(&next.name) =>
                {
                    measure.of(&self.of_function(next, visiting, depth + 1))
                }
                Some(Resolved::Imported(summary)) => measure.of(&summary),
                _ => measure.names_write(call),
            };
            if written {
                return true;
            }
        }
        false
    }

    /// The idempotency key `call` (a sink call in `function`) sends: minted
    /// on every call when a generator inside `function` makes it.
    fn key_sent(&self, call: &Call, function: &Function) -> Option<HelperKey> {
        let bindings = self.bindings.get_or_init(|| Bindings::new(self.model));
        let key = KeyFinder::new(self.knowledge, bindings, "").key_of(call)?;
        let inside = |at: Span| {
            function.span.start_byte <= at.start_byte && at.end_byte <= function.span.end_byte
        };
        Some(HelperKey {
            name: key.name,
            generated_by: match key.origin {
                KeyOrigin::Generated { generator, at, .. } if inside(at) => Some(generator),
                _ => None,
            },
        })
    }

    /// The summary of a method called `method` that a class of this file,
    /// or a project class it imports, declares (the first that reaches
    /// something, else any); `None` when no project class declares one. The
    /// task protocol (`delay`, `apply_async`) is never the project's.
    fn project_method(
        &mut self,
        method: &str,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> Option<Summary> {
        if matches!(method, "delay" | "apply_async") || method.starts_with("__") {
            return None;
        }
        let declared: Vec<&'a Function> = self
            .classes
            .values()
            .flatten()
            .copied()
            .filter(|function| short_name(function) == method)
            .collect();
        let mut found: Option<Summary> = None;
        for function in declared {
            if visiting.contains(&function.name) {
                found.get_or_insert_with(Summary::default);
                continue;
            }
            let summary = self.of_function(function, visiting, depth + 1);
            if summary.reaches.is_some() {
                return Some(summary);
            }
            found.get_or_insert(summary);
        }
        let suffix = format!(".{method}");
        for (name, summary) in &self.imported {
            let Some(owner) = name.strip_suffix(&suffix) else {
                continue;
            };
            let is_class = owner
                .rsplit('.')
                .next()
                .is_some_and(|class| class.starts_with(|c: char| c.is_ascii_uppercase()));
            if is_class {
                if summary.reaches.is_some() {
                    return Some(summary.clone());
                }
                found.get_or_insert_with(|| summary.clone());
            }
        }
        found
    }

    fn resolve(&self, call: &Call, caller: &Function) -> Option<Resolved<'a>> {
        if let Some(summary) = self.imported.get(&call.callee) {
            return Some(Resolved::Imported(Box::new(summary.clone())));
        }
        let target = *self.functions.get(&call.callee)?;
        // `self.x()` resolves to a method of the caller's own class only.
        let via_self = call.callee.contains('.');
        if via_self && target.class != caller.class {
            let own = self
                .classes
                .get(caller.class.as_deref()?)?
                .iter()
                .copied()
                .find(|method| short_name(method) == call.method)?;
            return Some(Resolved::Declared(own));
        }
        Some(Resolved::Declared(target))
    }

    /// The knowledge for this file: `base` with the summaries of the
    /// helpers it declares and imports laid over it (shared unchanged when
    /// no helper reaches, opens or defers anything).
    pub fn knowledge(mut self) -> Cow<'a, Knowledge> {
        let base = self.knowledge;
        let mut instance_facts = HelperFacts::default();
        self.resolve_instances(&mut instance_facts);
        let method_names = self.project_method_names();
        let summarised = self.all();
        let imported: Vec<(String, Summary)> = self.imported.drain().collect();
        let named = summarised
            .into_iter()
            .map(|(function, summary)| (call_names(function), summary, SinkOrigin::LocalHelper))
            .chain(
                imported
                    .into_iter()
                    .map(|(name, s)| (vec![name], s, SinkOrigin::ImportedHelper)),
            );
        let mut facts = HelperFacts::default();
        for (names, summary, origin) in named {
            for name in names {
                if let Some(reached) = &summary.reaches {
                    facts
                        .sinks
                        .entry(name.clone())
                        .or_insert_with(|| reached.as_sink(origin));
                    if !summary.pending {
                        facts.settled.insert(name.clone());
                    }
                    if summary.hands_back_response {
                        facts.response_returners.insert(name.clone());
                    }
                }
                if summary.opens_transaction {
                    facts.transactions.insert(name.clone());
                }
                if summary.opens_transaction_sometimes {
                    facts.partial_transactions.insert(name.clone());
                }
                if summary.sends_after_commit {
                    facts.tasks_sent_after_commit.insert(name.clone());
                }
                facts.summarised.insert(name.clone());
                if summary.reaches_nothing() {
                    facts.reach_nothing.insert(name.clone());
                }
                let last = name.rsplit('.').next().unwrap_or(&name);
                if summary.stores {
                    facts.writes_in_body.insert(name.clone());
                }
                if !summary.writes && named_as_write(last) {
                    facts.writes_nothing.insert(name.clone());
                }
                if summary.defers {
                    facts.deferrals.insert(name);
                }
            }
        }
        for (name, sink) in instance_facts.sinks {
            facts.sinks.entry(name).or_insert(sink);
        }
        facts.project_methods.extend(instance_facts.project_methods);
        facts.settled.extend(instance_facts.settled);
        facts
            .response_returners
            .extend(instance_facts.response_returners);
        facts.project_method_names = method_names;
        facts.project_made = self.project_made_calls();
        facts.unpacked = self.unpacked_values();
        if facts.is_empty() {
            Cow::Borrowed(base)
        } else {
            Cow::Owned(base.with_helpers(facts))
        }
    }
}

impl Summaries<'_> {
    /// The names the file binds to an instance of a class the project
    /// imports from its own code (`const queue = CommandQueue.getInstance()`,
    /// `new ResponseQueue(..)`, with the class imported from the project),
    /// and the callees of the calls made on them (`queue.add`), or on what
    /// the class makes without a name (`PeerRequest::put(..).send(..)`):
    /// the methods of the project's own class, as for the classes it
    /// declares. A lowercase factory (`getQueue('mail')`) may hand back an
    /// SDK's client and is left alone.
    /// Whether `call` starts at a class the project imports from its own
    /// code (`CommandQueue.getInstance()`, `PeerRequest::put(..)`).
    fn made_by_project_class(&self, call: &Call) -> bool {
        let head = call.callee.split(['.', '(']).next().unwrap_or_default();
        head.starts_with(char::is_uppercase) && self.project_names.contains(head)
    }

    /// Whether `call` is chained, unbound, on what a class of the project
    /// makes (`PeerRequest::put(..).with_client(c).send(..)`): the
    /// project's own methods, whatever their names.
    fn on_project_made(&self, call: &Call) -> bool {
        call.callee.contains("().") && self.made_by_project_class(call)
    }

    /// The names the file binds by unpacking what a call hands back (`const
    /// [sendMessage, setDraft] = useStore(..)`, `const { publish: emit } =
    /// usePubSub()`), never by a `require` or `import` (see
    /// [`crate::knowledge::HelperFacts::unpacked`]). Every name in the
    /// pattern is taken, keys included: a bare call of any of them is
    /// no client's method.
    fn unpacked_values(&self) -> HashSet<String> {
        let mut names = HashSet::new();
        self.model.module.for_each_call(&mut |call| {
            let Some(pattern) = call.bound_to.as_deref() else {
                return;
            };
            if !pattern.starts_with(['[', '{'])
                || matches!(call.callee.as_str(), "require" | "import")
            {
                return;
            }
            names.extend(
                pattern
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .filter(|name| !name.is_empty() && !name.starts_with(char::is_numeric))
                    .map(str::to_string),
            );
        });
        names
    }

    fn project_made_calls(&self) -> HashSet<String> {
        let mut calls = self.calls_on_local_factory_objects();
        if !self
            .project_names
            .iter()
            .any(|name| name.starts_with(char::is_uppercase))
        {
            return calls;
        }
        let mut bindings = HashSet::new();
        let mut note = |call: &Call| {
            if !self.made_by_project_class(call) {
                return;
            }
            if self.on_project_made(call) {
                calls.insert(call.callee.clone());
            }
            if let Some(binding) = call.bound_to.as_deref() {
                bindings.insert(binding.to_string());
            }
        };
        self.model.module.for_each_call(&mut note);
        // `with` items are calls too (`with Outbox.open() as outbox:`).
        let mut items = Vec::new();
        collect_with_items(&self.model.module.body, &mut items);
        items.into_iter().for_each(&mut note);
        if bindings.is_empty() {
            return calls;
        }
        self.model.module.for_each_call(&mut |call| {
            if call
                .receiver
                .as_deref()
                .is_some_and(|r| bindings.contains(r))
            {
                calls.insert(call.callee.clone());
            }
        });
        calls
    }
}

impl Summaries<'_> {
    /// Calls of the methods of objects a factory function of this file
    /// builds (`const runQueue = createRunQueue(..)` with `function
    /// createRunQueue() { return { enqueue(job) { .. } } }`): the method the
    /// call names is declared in the factory's body, so the call is the
    /// project's own code, whatever its name says.
    fn calls_on_local_factory_objects(&self) -> HashSet<String> {
        let mut made: HashMap<String, HashSet<&str>> = HashMap::new();
        self.model.module.for_each_call(&mut |call| {
            let (Some(binding), None) = (call.bound_to.as_deref(), call.receiver.as_deref()) else {
                return;
            };
            let Some(factory) = self.functions.get(&call.callee) else {
                return;
            };
            let mut methods = HashSet::new();
            nested_function_names(&factory.body, &mut methods);
            if !methods.is_empty() {
                made.entry(binding.to_string()).or_default().extend(methods);
            }
        });
        let mut calls = HashSet::new();
        if made.is_empty() {
            return calls;
        }
        self.model.module.for_each_call(&mut |call| {
            let declared = call
                .receiver
                .as_deref()
                .and_then(|receiver| made.get(receiver))
                .is_some_and(|methods| methods.contains(call.method.as_str()));
            if declared {
                calls.insert(call.callee.clone());
            }
        });
        calls
    }
}

/// The names of the functions declared anywhere in `nodes` (methods of
/// object literals included).
fn nested_function_names<'m>(nodes: &'m [Node], out: &mut HashSet<&'m str>) {
    for node in nodes {
        match node {
            Node::Function(function) => {
                out.insert(short_name(function));
                nested_function_names(&function.body, out);
            }
            Node::Block(block) => nested_function_names(&block.body, out),
            Node::Return(ret) => {
                if let Some(value) = &ret.value {
                    value_function_names(value, out);
                }
            }
            _ => {}
        }
    }
}

/// The names of the functions a returned value declares: a function, or the
/// methods of an object literal (`return { enqueue(job) { .. } }`).
fn value_function_names<'m>(value: &'m crate::model::Value, out: &mut HashSet<&'m str>) {
    match value {
        crate::model::Value::Function(function) => {
            out.insert(short_name(function));
            nested_function_names(&function.body, out);
        }
        crate::model::Value::Object(properties) => {
            for property in properties {
                if let crate::model::Value::Function(function) = &property.value {
                    out.insert(property.key.as_str());
                    nested_function_names(&function.body, out);
                }
            }
        }
        _ => {}
    }
}

/// The calls of the `with` statements under `nodes`, nested functions included.
fn collect_with_items<'m>(nodes: &'m [Node], out: &mut Vec<&'m Call>) {
    for node in nodes {
        match node {
            Node::Block(block) => {
                if let BlockKind::With { items, .. } = &block.kind {
                    out.extend(items.iter());
                }
                collect_with_items(&block.body, out);
            }
            Node::Function(function) => collect_with_items(&function.body, out),
            _ => {}
        }
    }
}

/// The knowledge one version of a file is checked with: the packs, with the
/// summaries of the helpers it declares and of those it imports (`imported`,
/// by the name it calls them) laid over them. The rules, the gate and the
/// checklist all read a file through this.
pub fn file_knowledge<'a>(
    model: &'a FileModel,
    packs: &'a Knowledge,
    imported: &[(String, Summary)],
    project_names: HashSet<String>,
) -> Cow<'a, Knowledge> {
    let mut summaries = Summaries::new(
        model,
        packs,
        Box::new(|function: &Function| format!("line {}", function.span.start_line)),
    )
    .with_project_names(project_names);
    for (name, summary) in imported {
        // An imported task class whose enqueue waits for the commit (see
        // `Summary::sends_after_commit`): tasks declared here with `base=`
        // it send after commit too.
        if summary.sends_after_commit && summary.reaches.is_none() {
            summaries.add_deferring_task_class(name);
        }
        summaries.add_imported(name, summary.clone());
    }
    summaries.knowledge()
}

impl<'a> Summaries<'a> {
    /// The method names declared by the classes of this file and by the
    /// project classes it imports (`Order.send_mail` imported as `Order`,
    /// or `models.Order.send_mail` through a module import), when the method
    /// reaches nothing itself. The task protocol (`delay`, `apply_async`) is
    /// left out: a class that overrides it is a task class, and calls on its
    /// tasks are still sends.
    fn project_method_names(&mut self) -> HashSet<String> {
        let declared: Vec<&'a Function> = self.classes.values().flatten().copied().collect();
        let mut names = HashSet::new();
        for method in declared {
            if self
                .of_function(method, &mut HashSet::new(), 0)
                .reaches
                .is_none()
            {
                names.insert(short_name(method).to_string());
            }
        }
        for (name, summary) in &self.imported {
            let Some((owner, method)) = name.rsplit_once('.') else {
                continue;
            };
            let is_class = owner
                .rsplit('.')
                .next()
                .is_some_and(|class| class.starts_with(|c: char| c.is_ascii_uppercase()));
            if is_class && summary.reaches.is_none() {
                names.insert(method.to_string());
            }
        }
        names.retain(|name| {
            !name.starts_with("__") && !matches!(name.as_str(), "delay" | "apply_async")
        });
        names
    }

    /// Calls on instances of the project's classes (`this.client.fetch(..)`
    /// with `this.client = new ApiClient(..)`) are the class's methods: a
    /// sink when the method reaches one (named with its chain); otherwise a
    /// project method, never a sink by a generic method name.
    fn resolve_instances(&mut self, facts: &mut HelperFacts) {
        let mut instances = std::mem::take(&mut self.instances);
        instances.extend(self.members_named_after_classes(&instances));
        for (binding, class) in &instances {
            let mut methods: Vec<(String, Summary, SinkOrigin)> = Vec::new();
            let prefix = format!("{class}.");
            for (name, summary) in &self.imported {
                if let Some(method) = name.strip_prefix(&prefix) {
                    methods.push((
                        method.to_string(),
                        summary.clone(),
                        SinkOrigin::ImportedHelper,
                    ));
                }
            }
            let declared = self.classes.get(class).cloned().unwrap_or_default();
            for method in declared {
                let summary = self.of_function(method, &mut HashSet::new(), 0);
                methods.push((
                    short_name(method).to_string(),
                    summary,
                    SinkOrigin::LocalHelper,
                ));
            }
            for (method, summary, origin) in methods {
                let callee = format!("{binding}.{method}");
                match &summary.reaches {
                    Some(reached) => {
                        if !summary.pending {
                            facts.settled.insert(callee.clone());
                        }
                        if summary.hands_back_response {
                            facts.response_returners.insert(callee.clone());
                        }
                        facts
                            .sinks
                            .entry(callee)
                            .or_insert_with(|| reached.as_sink(origin));
                    }
                    None => {
                        facts.project_methods.insert(callee);
                    }
                }
            }
        }
        self.instances = instances;
    }

    /// `this.eventBus` → `EventBus`: the members of `this`/`self` that no
    /// construction in the file binds and that are named after a class (see
    /// [`Summaries::class_named_after`]).
    fn members_named_after_classes(&self, known: &[(String, String)]) -> Vec<(String, String)> {
        let mut members: Vec<&str> = self
            .calls
            .values()
            .flatten()
            .filter_map(|fact| fact.call.receiver.as_deref())
            .filter(|receiver| !known.iter().any(|(binding, _)| binding == receiver))
            .collect();
        members.sort_unstable();
        members.dedup();
        members
            .into_iter()
            .filter_map(|receiver| {
                let class = self.class_named_after(receiver)?;
                Some((receiver.to_string(), class))
            })
            .collect()
    }

    /// The class a member of `this`/`self` is named after (`this.eventBus`
    /// → `EventBus`): the injected parameter of `constructor(private
    /// eventBus: EventBus)`, or one that compiled code assigns from its
    /// constructor's arguments. The class is the member's name with its first
    /// letter capitalised, declared in this file or among the imported
    /// summaries (`EventBus.publish`, `event_bus_1.EventBus.publish`), as the
    /// file names it; exactly one class must answer.
    fn class_named_after(&self, receiver: &str) -> Option<String> {
        let member = receiver
            .strip_prefix("this.")
            .or_else(|| receiver.strip_prefix("self."))
            .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_alphanumeric() || c == '_'))?;
        let mut letters = member.chars();
        let class: String = letters.next()?.to_uppercase().chain(letters).collect();
        let mut found: Vec<&str> = Vec::new();
        if self.classes.contains_key(&class) {
            found.push(&class);
        }
        for name in self.imported.keys() {
            let Some((owner, _method)) = name.rsplit_once('.') else {
                continue;
            };
            let named = owner == class
                || owner
                    .rsplit_once('.')
                    .is_some_and(|(_, last)| last == class);
            if named && !found.contains(&owner) {
                found.push(owner);
            }
        }
        match found.as_slice() {
            [owner] => Some(owner.to_string()),
            _ => None,
        }
    }

    /// The summary of the method a call makes on an instance of the
    /// project's own class (`this.eventBus.publish(..)` with `EventBus`
    /// imported), if the receiver is one and its class has the method.
    fn own_method_summary(
        &mut self,
        call: &Call,
        visiting: &mut HashSet<String>,
        depth: usize,
    ) -> Option<Summary> {
        let receiver = call.receiver.as_deref()?;
        let class = self
            .instances
            .iter()
            .find(|(binding, _)| binding == receiver)
            .map(|(_, class)| class.clone())
            .or_else(|| self.class_named_after(receiver))?;
        if let Some(summary) = self.imported.get(&format!("{class}.{}", call.method)) {
            return Some(summary.clone());
        }
        let method = *self
            .classes
            .get(&class)?
            .iter()
            .find(|method| short_name(method) == call.method)?;
        if depth >= MAX_DEPTH || visiting.contains(&method.name) {
            return Some(Summary::default());
        }
        Some(self.of_function(method, visiting, depth + 1))
    }
}

/// Whether a call's failure is caught where it is made: a `try` around it
/// has a handler that catches more than errors only local code raises and
/// does not rethrow (it logs, records or returns instead).
fn catches_failure(state: &WalkState<'_>, knowledge: &Knowledge) -> bool {
    state.try_stack.iter().any(|context| {
        context.handlers.iter().any(|handler| {
            matches!(
                handler,
                Node::Block(block) if matches!(
                    &block.kind,
                    BlockKind::Catch { error_types, rethrows: false, .. }
                        if error_types.is_empty()
                            || !error_types.iter().all(|t| knowledge.is_local_error(t))
                )
            )
        })
    })
}

/// The calls whose promise a `.catch(handler)` later in their chain ends
/// (`publishAndWait(..).catch(() => {})`): a handler that neither throws
/// nor returns a rejection, so the failure stops there.
fn caught_by_promise_handler(model: &FileModel) -> HashSet<Span> {
    let mut caught = HashSet::new();
    model.module.for_each_call(&mut |call| {
        if call.method != "catch" || call.chain.is_empty() {
            return;
        }
        let Some(Value::Function(handler)) = call.args.first().map(|arg| &arg.value) else {
            return;
        };
        if passes_failure_on(&handler.body) {
            return;
        }
        caught.extend(call.chain.iter().map(|link| link.span));
    });
    caught
}

/// Whether a handler body throws or returns a rejection (outside nested
/// functions).
fn passes_failure_on(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Return(ret) => {
            let value = ret.value_text.trim();
            value.starts_with("throw") || value.contains("reject")
        }
        Node::Block(block) => passes_failure_on(&block.body),
        _ => false,
    })
}

/// Whether the value of `call` is what the function around it returns:
/// `return fetch(..)`, or the sole content of a Rust `Ok(..)` it returns
/// (`Ok(client.post(url).send().await?)`).
fn returned_whole(call: &Call, body: &[Node]) -> bool {
    fn wrapped(call: &Call, nodes: &[Node]) -> bool {
        nodes.iter().any(|node| match node {
            Node::Return(ret) => matches!(
                &ret.value,
                Some(Value::Call(ok)) if ok.callee == "Ok"
                    && matches!(
                        ok.args.as_slice(),
                        [only] if matches!(&only.value, Value::Call(inner) if inner.span == call.span)
                    )
            ),
            Node::Block(block) => wrapped(call, &block.body),
            _ => false,
        })
    }
    call.result == CallResult::Returned || (call.result == CallResult::Used && wrapped(call, body))
}

/// Whether a `return` under `nodes` (outside nested functions) hands back a
/// value.
fn returns_value(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Return(ret) => {
            let value = ret.value_text.trim();
            !value.is_empty() && !value.starts_with("throw") && !value.starts_with("raise")
        }
        Node::Block(block) => returns_value(&block.body),
        _ => false,
    })
}

/// `binding → class` for every construction bound to a name: `new
/// ApiClient(..)` (JS/TS) or a call of a capitalised name (`ApiClient(..)`
/// in Python, `ApiClient::new(..)` in Rust is left out: its type is in the
/// signature, not the call).
fn instances(model: &FileModel) -> Vec<(String, String)> {
    let mut out = Vec::new();
    model.module.for_each_call(&mut |call| {
        let Some(binding) = call.bound_to.as_deref() else {
            return;
        };
        let class_like = call
            .callee
            .rsplit('.')
            .next()
            .is_some_and(|last| last.chars().next().is_some_and(char::is_uppercase));
        if (call.is_new || class_like)
            && !call.callee.contains("()")
            && binding
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$')
        {
            out.push((binding.to_string(), call.callee.clone()));
        }
    });
    // Parameters typed with a class (`client: JiraClient`, `client:
    // &ApiClient`): what the class's methods do is what calls through the
    // parameter do.
    crate::model::for_each_function(&model.module.body, &mut |function| {
        for param in &function.params {
            if let Some(class) = param.type_annotation.as_deref().and_then(annotated_class) {
                out.push((param.name.clone(), class));
            }
        }
    });
    // Rust locals typed by annotation or literal (`let r = chat::Post { .. };`).
    // A generic's outer type names the binding's class (`Arc<Client>` →
    // `Arc`), as the literal does.
    for binding in &model.bindings {
        let outer = binding.type_text.split('<').next().unwrap_or_default();
        if let Some(class) = annotated_class(outer) {
            out.push((binding.name.clone(), class));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The class a type annotation names, as calls spell it: `JiraClient`,
/// `&mut api::Client` → `api.Client`, `"ApiClient"` (a Python forward
/// reference); none for a generic, a union or a library's lower-case type.
fn annotated_class(annotation: &str) -> Option<String> {
    let written = annotation
        .trim()
        .trim_start_matches('&')
        .trim_start_matches("mut ")
        .trim()
        .trim_matches(['"', '\'']);
    let last = written.rsplit([':', '.']).next()?;
    let class_like = last.starts_with(char::is_uppercase)
        && written
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':' || c == '.');
    class_like.then(|| written.replace("::", "."))
}

/// The classes a file declares, with their methods.
fn declared_classes(model: &FileModel) -> HashMap<String, Vec<&Function>> {
    let mut out: HashMap<String, Vec<&Function>> = HashMap::new();
    let mut functions = vec![&model.module];
    while let Some(function) = functions.pop() {
        if let Some(class) = &function.class
            && function.origin == FunctionOrigin::Declaration
        {
            out.entry(class.clone()).or_default().push(function);
        }
        collect_nested(&function.body, &mut functions);
    }
    out
}

enum Resolved<'a> {
    Declared(&'a Function),
    Imported(Box<Summary>),
}

/// The classes `model` declares with an `apply_async` or `delay` method that
/// calls a deferral (`transaction.on_commit(lambda: super().apply_async(..))`).
fn deferring_task_classes(model: &FileModel, knowledge: &Knowledge) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut functions = vec![&model.module];
    while let Some(function) = functions.pop() {
        if let Some(class) = &function.class
            && matches!(short_name(function), "apply_async" | "delay")
        {
            let mut defers = false;
            function.for_each_call(&mut |call| defers |= knowledge.is_deferral(call));
            if defers {
                out.insert(class.rsplit('.').next().unwrap_or(class).to_string());
            }
        }
        collect_nested(&function.body, &mut functions);
    }
    out
}

/// The functions declared directly in `nodes` (through plain blocks).
fn collect_nested<'a>(nodes: &'a [Node], out: &mut Vec<&'a Function>) {
    for node in nodes {
        match node {
            Node::Function(function) => out.push(function),
            Node::Block(block) => collect_nested(&block.body, out),
            _ => {}
        }
    }
}

/// The names a call uses for a declared function: `f` for a function,
/// `self.f` / `this.f` / `cls.f` for a method.
fn call_names(function: &Function) -> Vec<String> {
    let short = short_name(function);
    match &function.class {
        Some(_) => vec![
            format!("self.{short}"),
            format!("this.{short}"),
            format!("cls.{short}"),
        ],
        None => vec![short.to_string()],
    }
}

/// The last segment of a function's stable name (`OrderService.create` → `create`).
pub fn short_name(function: &Function) -> &str {
    function
        .name
        .rsplit(['.', ':'])
        .next()
        .unwrap_or(&function.name)
}

/// Declared functions (module level and class methods), by call name.
fn collect_declarations<'a>(nodes: &'a [Node], out: &mut HashMap<String, &'a Function>) {
    for node in nodes {
        match node {
            Node::Function(function) if function.origin == FunctionOrigin::Declaration => {
                for name in call_names(function) {
                    out.entry(name).or_insert(function);
                }
                // Methods are nested in their class's pseudo-body.
                collect_declarations(&function.body, out);
            }
            Node::Block(block) if matches!(block.kind, BlockKind::Plain) => {
                collect_declarations(&block.body, out);
            }
            _ => {}
        }
    }
}

/// Whether `function` hands a callable it is given to a call `opens`
/// recognises: the callable passed on directly (`db.transaction(fn)`), called
/// inside the opener's callback (`db.transaction(tx => fn(tx))`), called or
/// yielded inside its `with` block (`with atomic(): yield` /
/// `with atomic(): return func(*a)`), or run between a bound handle's begin
/// and the end of the function (Rust `let tx = pool.begin()?; f(&mut tx)`).
fn wraps_callable(function: &Function, opens: impl Fn(&Call) -> bool) -> bool {
    let params = wrapped_params(function);
    let generator = function
        .decorators
        .iter()
        .any(|d| d.callee.ends_with("contextmanager") || d.callee.ends_with("asynccontextmanager"));
    wraps_in(&function.body, &params, generator, &opens, false)
}

/// Whether `function` (a wrapper that runs a callable it is given inside a
/// transaction, see [`wraps_callable`]) also calls that callable where no
/// transaction `opens` is open: on a path that skips it.
fn runs_callable_outside(function: &Function, opens: impl Fn(&Call) -> bool) -> bool {
    fn outside(nodes: &[Node], params: &[&str], opens: &dyn Fn(&Call) -> bool) -> bool {
        for node in nodes {
            let found = match node {
                Node::Call(call) => {
                    if opens(call) || call.chain.iter().any(opens) {
                        // `tx = pool.begin()`: the rest of the body is inside.
                        if call.bound_to.is_some() {
                            return false;
                        }
                        continue;
                    } else {
                        calls_param(call, params)
                    }
                }
                Node::Return(ret) => match &ret.value {
                    Some(Value::Call(call)) => !opens(call) && calls_param(call, params),
                    _ => false,
                },
                Node::Block(block) => match &block.kind {
                    BlockKind::With { items, .. } if items.iter().any(opens) => false,
                    _ => outside(&block.body, params, opens),
                },
                Node::Function(inner) => {
                    !inner.decorators.iter().any(opens) && outside(&inner.body, params, opens)
                }
                Node::Assign(_) => false,
            };
            if found {
                return true;
            }
        }
        false
    }
    let params = wrapped_params(function);
    outside(&function.body, &params, &opens)
}

/// The parameters of `function` that may be the callable it wraps (not
/// `self`, `cls` or `this`).
fn wrapped_params(function: &Function) -> Vec<&str> {
    function
        .params
        .iter()
        .map(|p| {
            p.name
                .trim_start_matches(['*', '&'])
                .trim_start_matches("mut ")
        })
        .filter(|p| !matches!(*p, "self" | "cls" | "this"))
        .collect()
}

fn wraps_in(
    nodes: &[Node],
    params: &[&str],
    generator: bool,
    opens: &dyn Fn(&Call) -> bool,
    inside: bool,
) -> bool {
    let mut opened = inside;
    for node in nodes {
        let found = match node {
            Node::Call(call) => {
                if opens(call) || call.chain.iter().any(opens) {
                    if hands_on(call, params) {
                        return true;
                    }
                    // A bound handle (`tx = pool.begin()`): the rest of the
                    // body runs inside it.
                    if call.bound_to.is_some() {
                        opened = true;
                    }
                }
                opened && calls_param(call, params)
            }
            Node::Block(block) => match &block.kind {
                BlockKind::With { items, .. } => {
                    let opening = items.iter().any(opens);
                    (opening && generator)
                        || wraps_in(&block.body, params, generator, opens, opened || opening)
                }
                _ => wraps_in(&block.body, params, generator, opens, opened),
            },
            // A decorator's wrapper: `def wrapper(*a): with atomic(): return func(*a)`.
            Node::Function(inner) => {
                inner.decorators.iter().any(opens) && calls_param_in(&inner.body, params)
                    || wraps_in(&inner.body, params, generator, opens, opened)
            }
            Node::Return(ret) => match &ret.value {
                Some(Value::Call(call)) => {
                    (opens(call) && hands_on(call, params)) || (opened && calls_param(call, params))
                }
                _ => false,
            },
            Node::Assign(_) => false,
        };
        if found {
            return true;
        }
    }
    false
}

/// Whether a call passes one of `params` on, directly or by calling it in
/// an inline callback.
fn hands_on(call: &Call, params: &[&str]) -> bool {
    call.args.iter().any(|arg| match &arg.value {
        Value::Path(path) => params.contains(&path.as_str()),
        Value::Function(callback) => calls_param_in(&callback.body, params),
        _ => false,
    })
}

fn calls_param(call: &Call, params: &[&str]) -> bool {
    let mut found = false;
    let mut visit = |c: &Call| found |= params.contains(&c.callee.as_str());
    visit(call);
    for inner in &call.chain {
        visit(inner);
    }
    found
}

fn calls_param_in(nodes: &[Node], params: &[&str]) -> bool {
    let mut found = false;
    crate::model::for_each_call_in(nodes, &mut |call| {
        found |= params.contains(&call.callee.as_str());
    });
    found
}

#[cfg(test)]
mod tests {
    use super::Summaries;
    use crate::config::Config;
    use crate::model::Language;

    #[test]
    fn methods_of_two_classes_sharing_a_name_are_each_summarised() {
        let source = "import requests\n\n\nclass Receipt:\n    def send(self):\n        self.render()\n\n    def render(self):\n        return 'receipt'\n\n\nclass Webhook:\n    def send(self):\n        self.deliver()\n\n    def deliver(self):\n        requests.post('https://hooks.example.com', json={})\n";
        let model = crate::lang::parse(Language::Python, source);
        let config = Config::builtin().expect("built-in packs");
        let knowledge = config.knowledge.for_ecosystem(Language::Python.ecosystem());
        let mut summaries = Summaries::new(&model, knowledge, Box::new(|_| String::new()));
        let reaching: Vec<(String, bool)> = summaries
            .all()
            .into_iter()
            .map(|(function, summary)| (function.name.clone(), summary.reaches.is_some()))
            .collect();
        assert_eq!(
            reaching,
            [
                ("Receipt.send".to_string(), false),
                ("Receipt.render".to_string(), false),
                ("Webhook.send".to_string(), true),
                ("Webhook.deliver".to_string(), true),
            ]
        );
    }
}
