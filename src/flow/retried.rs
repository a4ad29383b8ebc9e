//! Whether a side-effect call can run more than once, and why.
//!
//! Three sources, most direct first: the retry scope the walker found around
//! the call (a wrapper callback, a retrying decorator, a retry loop); a
//! retry scope around a *call* of the function holding the side effect, in
//! the same file (`pRetry(() => createTicket(user))`); and an HTTP client
//! configured to resend writes (`axiosRetry(client, { retryCondition })`,
//! `session.mount(.., HTTPAdapter(max_retries=Retry(allowed_methods=..POST..)))`,
//! reqwest-retry middleware), which resends the very same request.

use super::describe::shorten;
use super::retry::{RetryKind, RetryScope};
use super::scope::{ScopeWalker, WalkState};
use crate::knowledge::Knowledge;
use crate::model::{Block, BlockKind, Call, FileModel, Node, Span, Value};
use std::collections::HashMap;

/// Why a call can run again.
#[derive(Debug, Clone)]
pub struct Retried {
    /// What retries it, for messages.
    pub label: String,
    /// How.
    pub how: RetriedHow,
    /// Where the retry is set up.
    pub origin: Span,
    /// The code that runs again on every attempt; `None` when the client
    /// resends the same request (nothing is recomputed).
    pub region: Option<Span>,
    /// Whether the evidence is direct rather than heuristic.
    pub certain: bool,
}

/// How a call comes to run again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetriedHow {
    /// It is inside a retry scope.
    Scope(RetryKind),
    /// Its function is called from a retry scope, named here.
    CalledFrom(String),
    /// Its HTTP client resends failed writes.
    Client,
}

/// What a file says about retries beyond lexical scopes.
#[derive(Debug)]
pub struct RetryFacts<'a> {
    model: &'a FileModel,
    /// The file's source text, for what the model keeps only as spans.
    source: &'a str,
    knowledge: &'a Knowledge,
    /// Functions (by short name) called or passed from inside a retry scope.
    retried_functions: HashMap<String, RetryScope>,
    /// Code retried by a wrapper that is not its inline callback: a closure
    /// bound to a variable (`op.retry(..)`), or the receiver expression of a
    /// call chain (`(|| async { .. }).retry(policy)`).
    retried_regions: Vec<RetryScope>,
    /// Client variables (without `this.`/`self.`) that resend writes, with
    /// the configuration's label and span.
    retrying_clients: HashMap<String, (String, Span)>,
    /// Those of [`RetryFacts::retrying_clients`] that are clients (a
    /// session the configuration is mounted on, a client handed to the
    /// retry library), not configurations or adapters.
    attached_clients: Vec<String>,
    /// Where the configurations that resend POSTs (not only PATCHes) start.
    post_resending: std::collections::HashSet<usize>,
    /// Requests configured to resend themselves (`got.post(url, { retry })`).
    retrying_requests: HashMap<usize, (String, Span)>,
    /// The spans of every `catch`/`except` block and Rust `Err` arm: side
    /// effects there run on failure, by design.
    failure_blocks: Vec<Span>,
}

impl<'a> RetryFacts<'a> {
    /// Collect the facts of one file.
    pub fn new(
        model: &'a FileModel,
        source: &'a str,
        knowledge: &'a Knowledge,
        walker: &ScopeWalker<'_>,
    ) -> Self {
        let mut facts = RetryFacts {
            model,
            source,
            knowledge,
            retried_functions: HashMap::new(),
            retried_regions: Vec::new(),
            retrying_clients: HashMap::new(),
            attached_clients: Vec::new(),
            post_resending: std::collections::HashSet::new(),
            retrying_requests: HashMap::new(),
            failure_blocks: Vec::new(),
        };
        let file_options = super::retry::file_retry_options(model);
        let mut closures: HashMap<&str, Vec<Span>> = HashMap::new();
        collect_closures(&model.module.body, &mut closures);
        let mut statements: Vec<&Call> = Vec::new();
        walker.walk(model, &mut |call, state| {
            // A helper called from a retry wrapper or loop is retried with it.
            // A task's decorator is not followed into helpers: tasks call
            // whole workflows, and their retries are narrower than that.
            if let Some(scope) = &state.retry
                && scope.kind != RetryKind::Decorator
                && let Some(name) = local_function_name(&call.callee)
            {
                facts
                    .retried_functions
                    .entry(name.to_string())
                    .or_insert_with(|| scope.clone());
            }
            let wrapper = std::iter::once(call)
                .chain(call.chain.iter())
                .find_map(|c| {
                    knowledge
                        .retry_wrapper(c, &|o| file_options.contains(o))
                        .map(|m| (c, m))
                });
            if let Some((wrapper_call, mechanism)) = wrapper {
                let scope = RetryScope {
                    kind: RetryKind::Wrapper,
                    label: super::retry::wrapper_label(&mechanism.label, wrapper_call),
                    origin: call.span,
                    region: call.span,
                    certain: true,
                    explicit: false,
                };
                let passed = call
                    .args
                    .iter()
                    .filter_map(|a| match &a.value {
                        Value::Path(path) => Some(path.as_str()),
                        _ => None,
                    })
                    .chain(call.receiver.as_deref());
                if call.receiver.as_deref().is_some_and(|r| r.starts_with('<')) {
                    facts.retried_regions.push(scope.clone());
                }
                for name in passed {
                    for closure in closures.get(name).into_iter().flatten() {
                        facts.retried_regions.push(RetryScope {
                            region: *closure,
                            ..scope.clone()
                        });
                    }
                    if let Some(name) = local_function_name(name) {
                        facts
                            .retried_functions
                            .entry(name.to_string())
                            .or_insert_with(|| scope.clone());
                    }
                }
            }
            if state.site == super::scope::CallSite::Statement {
                statements.push(call);
            }
        });
        facts.collect_clients(&statements, knowledge);
        collect_failure_blocks(&model.module.body, &mut facts.failure_blocks);
        facts
    }

    /// Follow retrying client configurations through variables, adapters and
    /// `mount`-style attachers, to the client variables they end up on.
    fn collect_clients(&mut self, statements: &[&Call], knowledge: &Knowledge) {
        // Retry configurations are assigned step by step; a few passes reach
        // a fixed point for any realistic chain (Retry → HTTPAdapter → mount).
        for _ in 0..4 {
            let before = self.retrying_clients.len();
            for statement in statements {
                let mut label: Option<(String, Span)> = None;
                let mut calls = Vec::new();
                calls_in_statement(statement, &mut calls);
                for call in &calls {
                    if let Some(client) = knowledge.retry_client(call) {
                        let found = (client.label.clone(), call.span);
                        if client.resends_posts(call) {
                            self.post_resending.insert(call.span.start_byte);
                        }
                        match client.applies_to {
                            crate::knowledge::RetryTarget::FirstArgument => {
                                if let Some(Value::Path(path)) = call.args.first().map(|a| &a.value)
                                {
                                    self.retrying_clients
                                        .insert(client_name(path), found.clone());
                                    self.attached_clients.push(client_name(path));
                                }
                            }
                            crate::knowledge::RetryTarget::Result => {
                                // `got.post(url, { retry })` resends itself;
                                // `Retry(..)` only configures a client.
                                if knowledge.sink(call).is_some() {
                                    self.retrying_requests
                                        .insert(call.span.start_byte, found.clone());
                                }
                                label.get_or_insert(found);
                            }
                        }
                    }
                }
                if label.is_none() {
                    let mut paths = Vec::new();
                    for call in &calls {
                        for arg in &call.args {
                            collect_arg_paths(&arg.value, &mut paths);
                        }
                    }
                    label = paths
                        .iter()
                        .find_map(|p| self.retrying_clients.get(&client_name(p)).cloned());
                }
                let Some(found) = label else {
                    continue;
                };
                if let Some(bound) = &statement.bound_to {
                    self.retrying_clients
                        .entry(client_name(bound))
                        .or_insert(found);
                } else if knowledge.is_retry_attacher(statement)
                    && let Some(receiver) = &statement.receiver
                {
                    self.retrying_clients
                        .entry(client_name(receiver))
                        .or_insert(found);
                    self.attached_clients.push(client_name(receiver));
                }
            }
            if self.retrying_clients.len() == before {
                break;
            }
        }
    }

    /// Why `call` (in the context `state`) can run again, if it can.
    pub fn retried(&self, call: &Call, state: &WalkState<'_>) -> Option<Retried> {
        if let Some(scope) = &state.retry
            && (!scope.explicit || self.explicit_retry_can_follow(scope, call.span))
        {
            return Some(Retried {
                label: scope.label.clone(),
                how: RetriedHow::Scope(scope.kind),
                origin: scope.origin,
                region: Some(scope.region),
                certain: scope.certain,
            });
        }
        if let Some(scope) = self.retried_regions.iter().find(|scope| {
            scope.region.start_byte <= call.span.start_byte
                && call.span.end_byte <= scope.region.end_byte
        }) {
            return Some(Retried {
                label: scope.label.clone(),
                how: RetriedHow::Scope(RetryKind::Wrapper),
                origin: scope.origin,
                region: Some(scope.region),
                certain: scope.certain,
            });
        }
        if let Some(declared) = declared_function(state)
            && let Some(scope) = self.retried_functions.get(declared)
        {
            return Some(Retried {
                label: scope.label.clone(),
                how: RetriedHow::CalledFrom(declared.to_string()),
                origin: scope.origin,
                region: Some(state.enclosing.span),
                certain: scope.certain,
            });
        }
        let (label, origin) = self
            .retrying_requests
            .get(&call.span.start_byte)
            .or_else(|| {
                http_write_client(call).and_then(|client| self.retrying_clients.get(&client))
            })?;
        Some(Retried {
            label: label.clone(),
            how: RetriedHow::Client,
            origin: *origin,
            region: None,
            certain: true,
        })
    }

    /// Whether the call writes over HTTP through a client configured to
    /// resend writes, even when no pack names the call a sink
    /// (`client.post(..)` on an `axios.create()` instance).
    pub fn is_retrying_client_write(&self, call: &Call) -> bool {
        self.retrying_requests.contains_key(&call.span.start_byte)
            || http_write_client(call).is_some_and(|c| self.retrying_clients.contains_key(&c))
    }

    /// The clients configured to resend writes that the file makes no write
    /// through and hands on instead (`API(session=session)`, `{'session':
    /// session}`, `return session`): the writes they will resend are made out
    /// of sight. Each with the configuration's label and span.
    pub fn handed_on_clients(&self) -> Vec<(String, String, Span)> {
        let mut written = std::collections::HashSet::new();
        self.model.module.for_each_call(&mut |call| {
            if let Some(client) = http_write_client(call) {
                written.insert(client);
            }
        });
        let mut out: Vec<(String, String, Span)> = Vec::new();
        for client in &self.attached_clients {
            if written.contains(client) || out.iter().any(|(c, _, _)| c == client) {
                continue;
            }
            let Some((label, origin)) = self.retrying_clients.get(client) else {
                continue;
            };
            if self.post_resending.contains(&origin.start_byte) && handed_on(self.source, client) {
                out.push((client.clone(), label.clone(), *origin));
            }
        }
        out
    }

    /// Whether the span lies in a `catch`/`except` block or an `Err` arm.
    pub fn in_failure_branch(&self, span: Span) -> bool {
        self.failure_blocks
            .iter()
            .any(|b| b.start_byte <= span.start_byte && span.end_byte <= b.end_byte)
    }
}

impl RetryFacts<'_> {
    /// For code that re-runs only where it asks (`self.retry(..)`): whether
    /// such a call can run after `effect` in the same attempt — in a handler
    /// of a `try` around the effect, or later on the way out of the function
    /// without a `return` in between.
    fn explicit_retry_can_follow(&self, scope: &RetryScope, effect: Span) -> bool {
        let Some(function) = super::functions_around(self.model, effect)
            .into_iter()
            .find(|f| f.span == scope.region)
        else {
            return true;
        };
        let mut path = Vec::new();
        if !path_to(&function.body, effect, &mut path) {
            return true;
        }
        let asks = |node: &Node| {
            let mut found = false;
            crate::model::for_each_call_in(std::slice::from_ref(node), &mut |c| {
                found |= self.knowledge.is_explicit_retry_call(c);
            });
            found
        };
        for &(nodes, index) in path.iter().rev() {
            let is_try =
                matches!(&nodes[index], Node::Block(b) if matches!(b.kind, BlockKind::Try));
            let mut later = nodes[index + 1..].iter().peekable();
            if is_try {
                while let Some(node) = later.next_if(|n| is_handler(n)) {
                    if asks(node) {
                        return true;
                    }
                }
            }
            // A loop comes round again: any retry request in it follows.
            if matches!(&nodes[index], Node::Block(b) if matches!(b.kind, BlockKind::Loop { .. }))
                && asks(&nodes[index])
            {
                return true;
            }
            for node in later {
                if asks(node) {
                    return true;
                }
                if matches!(node, Node::Return(_)) {
                    return false;
                }
            }
        }
        false
    }
}

impl RetryFacts<'_> {
    /// Whether `effect` is the last thing an attempt of the retried `region`
    /// (a decorated function, a retry wrapper's callback) can do: no call
    /// runs after it on the way out — none later in its statement, none in
    /// the statements after it (a `return` ends the way), no loop around it
    /// that comes round again. A retry re-runs the attempt when something
    /// fails, so an effect that is the attempt's last act runs again only
    /// when it failed itself.
    /// Logging and the language's pure conversions (`len(..)`, `str(..)`,
    /// `JSON.stringify(..)`) after it fail nothing that would re-run it.
    pub fn last_act_of_attempt(&self, region: Span, effect: &Call) -> bool {
        self.nothing_after_can_fail(region, effect, &|call| {
            self.knowledge.log_level(call).is_none() && !is_pure_conversion(call)
        })
    }

    /// Whether a function a retry calls (`RetriedHow::CalledFrom`) is the
    /// last act of every attempt that calls it: each call of it in the
    /// retry's code is followed by nothing that can fail (a `return` ends
    /// the attempt). With the effect the last act of the function too, only
    /// the effect's own failure makes the retry run it again.
    pub fn called_last(&self, retried: &Retried) -> bool {
        let RetriedHow::CalledFrom(name) = &retried.how else {
            return false;
        };
        let Some(block) = block_at(&self.model.module.body, retried.origin) else {
            return false;
        };
        let mut calls = Vec::new();
        crate::model::for_each_call_in(&block.body, &mut |call| {
            if local_function_name(&call.callee) == Some(name.as_str()) {
                calls.push(call.clone());
            }
        });
        !calls.is_empty()
            && calls
                .iter()
                .all(|call| self.last_act_of_attempt(retried.origin, call))
    }

    /// Whether no call for which `can_fail` holds can run after `effect` in
    /// an attempt of `region`: later in its statement, in the statements
    /// after it (up to a `return`, which ends the attempt), or — in a loop
    /// around it that comes round again (no `return` after the effect) —
    /// anywhere in the loop, the effect itself included.
    pub fn nothing_after_can_fail(
        &self,
        region: Span,
        effect: &Call,
        can_fail: &dyn Fn(&Call) -> bool,
    ) -> bool {
        // The attempt: a retried function's body, or a retry loop's body
        // (which comes round again after the effect unless it returns).
        let (body, retry_loop) = match super::functions_around(self.model, effect.span)
            .into_iter()
            .find(|f| f.span == region)
        {
            Some(function) => (function.body.as_slice(), None),
            None => match block_at(&self.model.module.body, region) {
                Some(block) => (block.body.as_slice(), Some(block.body.as_slice())),
                None => return false,
            },
        };
        let mut path = Vec::new();
        if !path_to(body, effect.span, &mut path) {
            return false;
        }
        let fails_in_all = |nodes: &[Node], effect_too: bool| {
            let mut found = false;
            crate::model::for_each_call_in(nodes, &mut |c| {
                let part_of_effect = effect.span.start_byte <= c.span.start_byte
                    && c.span.end_byte <= effect.span.end_byte;
                found |= (effect_too || !part_of_effect) && can_fail(c);
            });
            found
        };
        let fails_in =
            |node: &Node, effect_too: bool| fails_in_all(std::slice::from_ref(node), effect_too);
        // From the effect outwards: what runs after it at each level, until
        // a `return` ends the attempt — except the exits of the `with`
        // blocks around it (a transaction's commit) and `finally` blocks,
        // which run on the way out all the same.
        let innermost = path.len() - 1;
        let mut returned = false;
        for (depth, &(nodes, index)) in path.iter().enumerate().rev() {
            let node = &nodes[index];
            // The statement holding the effect: nothing else in it.
            if depth == innermost && fails_in(node, false) {
                return false;
            }
            if let Node::Block(Block {
                kind: BlockKind::With { items, .. },
                ..
            }) = node
                && items
                    .iter()
                    .any(|item| !std::ptr::eq(item, effect) && can_fail(item))
            {
                return false;
            }
            // A loop that comes round again runs all of its body after it.
            if !returned
                && matches!(node, Node::Block(b) if matches!(b.kind, BlockKind::Loop { .. }))
                && fails_in(node, true)
            {
                return false;
            }
            // The other branches of an `if` chain holding the effect do not
            // run after it.
            let mut branch = match node {
                Node::Block(block) => Some(block),
                _ => None,
            };
            for later in &nodes[index + 1..] {
                if let (Some(earlier), Node::Block(block)) = (branch, later)
                    && earlier.continued_by(block, self.source)
                {
                    branch = Some(block);
                    continue;
                }
                branch = None;
                let runs = !returned
                    || matches!(later, Node::Block(b) if matches!(b.kind, BlockKind::Finally));
                if runs && fails_in(later, false) {
                    return false;
                }
                if matches!(later, Node::Return(_)) {
                    returned = true;
                }
            }
        }
        returned || !retry_loop.is_some_and(|whole| fails_in_all(whole, true))
    }

    /// The exceptions the retry behind `retried` fires on, when it names
    /// them: a retrying decorator's option (Celery
    /// `autoretry_for=(LockTimeout,)`), or the `except` clauses of a retry
    /// loop (`except IntegrityError: continue`); `None` when any failure
    /// retries (a clause without a type, another kind of retry).
    pub fn retried_errors(&self, retried: &Retried) -> Option<Vec<String>> {
        // A loop that calls the function holding the effect names its
        // errors where it is set up.
        let region = match retried.how {
            RetriedHow::CalledFrom(_) => retried.origin,
            _ => retried.region?,
        };
        match retried.how {
            RetriedHow::Scope(RetryKind::Decorator) => {
                let function = super::functions_around(self.model, region)
                    .into_iter()
                    .find(|f| f.span == region)?;
                let (decorator, mechanism) = self.knowledge.retry_decorator(function, &|_| true)?;
                (decorator.span == retried.origin).then_some(())?;
                mechanism.retried_errors(decorator)
            }
            RetriedHow::Scope(RetryKind::Loop) | RetriedHow::CalledFrom(_) => {
                let retry_loop = block_at(&self.model.module.body, region)?;
                let mut errors = Vec::new();
                caught_errors(&retry_loop.body, &mut errors)?;
                (!errors.is_empty()).then_some(errors)
            }
            _ => None,
        }
    }

    /// Whether no request the packs know, other than `effect`, can run after
    /// it in an attempt of `retried`: none after it in the retried code,
    /// or — when the retry calls the function holding it — none after it
    /// in that function and none elsewhere in the retry's loop.
    pub fn no_other_request_after(&self, retried: &Retried, effect: &Call) -> bool {
        let other_request = |c: &Call| c.span != effect.span && self.knowledge.sink(c).is_some();
        match &retried.how {
            RetriedHow::CalledFrom(name) => {
                let Some(function) = super::functions_around(self.model, effect.span).pop() else {
                    return false;
                };
                let Some(retry_loop) = block_at(&self.model.module.body, retried.origin) else {
                    return false;
                };
                let mut elsewhere = false;
                crate::model::for_each_call_in(&retry_loop.body, &mut |c| {
                    elsewhere |=
                        local_function_name(&c.callee) != Some(name.as_str()) && other_request(c);
                });
                !elsewhere && self.nothing_after_can_fail(function.span, effect, &other_request)
            }
            RetriedHow::Scope(_) => retried
                .region
                .is_some_and(|region| self.nothing_after_can_fail(region, effect, &other_request)),
            RetriedHow::Client => false,
        }
    }

    /// Whether the retry is a hand-written loop that repeats nothing the
    /// other service did: it goes round again only after the service
    /// answered that it did not act (see
    /// [`crate::flow::retry::goes_round_only_on_rejection`]), or it never
    /// goes round at all ([`crate::flow::retry::never_goes_round`]).
    pub fn repeats_nothing_done(&self, retried: &Retried) -> bool {
        matches!(
            retried.how,
            RetriedHow::Scope(RetryKind::Loop) | RetriedHow::CalledFrom(_)
        ) && block_at(&self.model.module.body, retried.origin).is_some_and(|block| {
            crate::flow::retry::goes_round_only_on_rejection(block, self.source)
                || crate::flow::retry::never_goes_round(block, self.source)
                || crate::flow::retry::takes_conflict_for_done(block, self.source)
        }) || self.retried_errors(retried).is_some_and(|errors| {
            // `except SessionTimeoutError: session = login()`: the loop
            // goes round only on errors that say the service refused.
            !errors.is_empty()
                && errors
                    .iter()
                    .all(|error| crate::flow::retry::names_rejection(error))
        })
    }

    /// Whether the hand-written retry loop behind `retried` cannot go round
    /// again once `call` has run (see
    /// [`crate::flow::retry::leaves_once_done`]): it is repeated only by
    /// failures before it.
    pub fn leaves_once_done(&self, retried: &Retried, call: &Call) -> bool {
        matches!(retried.how, RetriedHow::Scope(RetryKind::Loop))
            && block_at(&self.model.module.body, retried.origin).is_some_and(|block| {
                crate::flow::retry::leaves_once_done(block, call.span, self.source)
            })
    }

    /// Whether `call` runs in a handler of the retry loop's attempt that
    /// leaves the loop: it runs once, when the loop gives up, never again.
    /// A function the loop calls (`CalledFrom`) runs once when every call
    /// of it in the loop sits in such a handler.
    pub fn run_once_on_leaving(&self, retried: &Retried, call: &Call) -> bool {
        let Some(block) = block_at(&self.model.module.body, retried.origin) else {
            return false;
        };
        let leaves = |at: Span| crate::flow::retry::in_handler_that_leaves(block, at, self.source);
        match &retried.how {
            RetriedHow::Scope(RetryKind::Loop) => leaves(call.span),
            RetriedHow::CalledFrom(name) => {
                let name = name.rsplit('.').next().unwrap_or(name);
                let start = block.span.start_byte;
                let text = self.source.get(start..block.span.end_byte).unwrap_or("");
                let called = format!("{name}(");
                let mut sites = text
                    .match_indices(&called)
                    .filter(|(at, _)| {
                        !text[..*at]
                            .chars()
                            .next_back()
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                    .map(|(at, _)| Span {
                        start_byte: start + at,
                        end_byte: start + at + name.len(),
                        ..block.span
                    })
                    .peekable();
                sites.peek().is_some() && sites.all(leaves)
            }
            _ => false,
        }
    }
}

/// The block whose span is `span`, at any depth.
fn block_at(nodes: &[Node], span: Span) -> Option<&crate::model::Block> {
    nodes.iter().find_map(|node| match node {
        Node::Block(block) if block.span == span => Some(block),
        Node::Block(block) => block_at(&block.body, span),
        Node::Function(function) => block_at(&function.body, span),
        _ => None,
    })
}

/// The exception types the handlers in `nodes` catch (not those of nested
/// loops or functions, which are their own); `None` when one catches
/// anything.
fn caught_errors(nodes: &[Node], out: &mut Vec<String>) -> Option<()> {
    for node in nodes {
        let Node::Block(block) = node else {
            continue;
        };
        match &block.kind {
            BlockKind::Catch { error_types, .. } if error_types.is_empty() => return None,
            BlockKind::Catch { error_types, .. } => out.extend(error_types.iter().cloned()),
            BlockKind::Loop { .. } => continue,
            _ => {}
        }
        caught_errors(&block.body, out)?;
    }
    Some(())
}

fn is_handler(node: &Node) -> bool {
    matches!(node, Node::Block(b) if matches!(b.kind, BlockKind::Catch { .. } | BlockKind::Finally))
}

/// The nodes (each with its siblings) from `nodes` down to the one holding
/// `target`, outermost first; `false` when nothing holds it.
fn path_to<'n>(nodes: &'n [Node], target: Span, path: &mut Vec<(&'n [Node], usize)>) -> bool {
    for (index, node) in nodes.iter().enumerate() {
        let span = match node {
            Node::Call(call) => call.span,
            Node::Block(block) => block.span,
            Node::Function(function) => function.span,
            Node::Return(ret) => ret.span,
            Node::Assign(assign) => assign.span,
        };
        if span.start_byte <= target.start_byte && target.end_byte <= span.end_byte {
            path.push((nodes, index));
            if let Node::Block(block) = node {
                path_to(&block.body, target, path);
            }
            return true;
        }
    }
    false
}

/// The declared function around the walk position: the first segment of the
/// walker's function path (`createTicket > pRetry` → `createTicket`), short.
fn declared_function<'s>(state: &'s WalkState<'_>) -> Option<&'s str> {
    let outer = state.function.split(" > ").next()?;
    let short = outer.rsplit('.').next().unwrap_or(outer);
    (!short.is_empty() && short != "<module>" && !short.contains(['(', ' '])).then_some(short)
}

/// The short name of a same-file function a callee may refer to:
/// `createTicket`, `this.createTicket`, `self.create_ticket`, `Self::send`.
fn local_function_name(callee: &str) -> Option<&str> {
    let rest = callee
        .strip_prefix("this.")
        .or_else(|| callee.strip_prefix("self."))
        .or_else(|| callee.strip_prefix("Self."))
        .unwrap_or(callee);
    let plain = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$'));
    plain.then_some(rest)
}

/// `this.client` / `self.session` / `mut client` → the variable name.
fn client_name(path: &str) -> String {
    path.trim()
        .trim_start_matches("mut ")
        .trim_start_matches('&')
        .trim_start_matches("this.")
        .trim_start_matches("self.")
        .to_string()
}

/// The client of an HTTP write: `client.post(..)`, `client.request({ method:
/// 'POST' })`, `client.post(url).json(&b).send()` → `client`.
fn http_write_client(call: &Call) -> Option<String> {
    const WRITES: &[&str] = &["post", "patch"];
    let segments: Vec<&str> = split_segments(&call.callee);
    // Rust / builder chains: the first call segment is the verb.
    if let Some(position) = segments.iter().position(|s| s.ends_with("()")) {
        let verb = segments[position].trim_end_matches("()");
        return (WRITES.contains(&verb) && position > 0)
            .then(|| client_name(&segments[..position].join(".")));
    }
    let receiver = call.receiver.as_deref()?;
    let method = call.method.as_str();
    let writes = WRITES.contains(&method)
        || (matches!(method, "request" | "fetch")
            && matches!(
                call.option_value("method"),
                Some(Value::String(m)) if WRITES.iter().any(|w| m.eq_ignore_ascii_case(w))
            ));
    writes.then(|| client_name(receiver))
}

/// Whether `source` passes the variable `name` on as a value: an argument,
/// a value in a literal, a keyword, or what a function returns — not a call
/// on it (`name.post(..)`) nor its own assignment.
fn handed_on(source: &str, name: &str) -> bool {
    source.match_indices(name).any(|(at, _)| {
        let before = source[..at].trim_end();
        let after = source[at + name.len()..].trim_start();
        let whole_word = !source[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            && !source[at + name.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let passed = before.ends_with([':', '(', ','])
            || (before.ends_with('=') && !before.ends_with("=="))
            || before.ends_with("return");
        let ends_value = after.starts_with([',', ')', '}', '\n']) || after.is_empty();
        whole_word && passed && ends_value
    })
}

/// Split a callee at the `.` that separate segments (not inside `()`).
fn split_segments(callee: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, ch) in callee.char_indices() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => {
                segments.push(&callee[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    segments.push(&callee[start..]);
    segments
}

/// The statement call, its chain and the calls nested in its arguments (not
/// inside callbacks, which run elsewhere).
fn calls_in_statement<'a>(call: &'a Call, out: &mut Vec<&'a Call>) {
    for inner in &call.chain {
        calls_in_statement(inner, out);
    }
    out.push(call);
    for arg in &call.args {
        calls_in_value(&arg.value, out);
    }
}

fn calls_in_value<'a>(value: &'a Value, out: &mut Vec<&'a Call>) {
    match value {
        Value::Call(call) => calls_in_statement(call, out),
        Value::Object(props) => props.iter().for_each(|p| calls_in_value(&p.value, out)),
        Value::Array(items) => items.iter().for_each(|v| calls_in_value(v, out)),
        _ => {}
    }
}

fn collect_arg_paths<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::Path(path) => out.push(path),
        Value::Object(props) => props.iter().for_each(|p| collect_arg_paths(&p.value, out)),
        Value::Array(items) => items.iter().for_each(|v| collect_arg_paths(v, out)),
        _ => {}
    }
}

/// Closures bound to names (`let op = || async { .. }`, `const op = async
/// () => ..`), by name.
fn collect_closures<'a>(nodes: &'a [Node], out: &mut HashMap<&'a str, Vec<Span>>) {
    for node in nodes {
        match node {
            Node::Assign(assign) => {
                if let Value::Function(function) = &assign.value {
                    out.entry(assign.target.trim_start_matches("mut ").trim())
                        .or_default()
                        .push(function.span);
                    collect_closures(&function.body, out);
                }
            }
            Node::Block(block) => collect_closures(&block.body, out),
            Node::Function(function) => collect_closures(&function.body, out),
            _ => {}
        }
    }
}

fn collect_failure_blocks(nodes: &[Node], out: &mut Vec<Span>) {
    for node in nodes {
        match node {
            Node::Block(block) => {
                let failure = match &block.kind {
                    BlockKind::Catch { .. } => true,
                    BlockKind::Arm { pattern } => pattern.trim_start().starts_with("Err"),
                    _ => false,
                };
                if failure {
                    out.push(block.span);
                }
                collect_failure_blocks(&block.body, out);
            }
            Node::Function(function) => collect_failure_blocks(&function.body, out),
            Node::Call(call) => collect_call_failure_blocks(call, out),
            Node::Return(ret) => {
                if let Some(value) = &ret.value {
                    collect_value_failure_blocks(value, out);
                }
            }
            Node::Assign(assign) => collect_value_failure_blocks(&assign.value, out),
        }
    }
}

fn collect_call_failure_blocks(call: &Call, out: &mut Vec<Span>) {
    for inner in &call.chain {
        collect_call_failure_blocks(inner, out);
    }
    for arg in &call.args {
        collect_value_failure_blocks(&arg.value, out);
    }
}

fn collect_value_failure_blocks(value: &Value, out: &mut Vec<Span>) {
    match value {
        Value::Function(function) => collect_failure_blocks(&function.body, out),
        Value::Call(call) => collect_call_failure_blocks(call, out),
        Value::Object(props) => props
            .iter()
            .for_each(|p| collect_value_failure_blocks(&p.value, out)),
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_value_failure_blocks(v, out)),
        _ => {}
    }
}

/// A reviewer-facing phrase for where the retry comes from:
/// "inside the `pRetry` callback (p-retry, line 5)".
pub fn retried_phrase(retried: &Retried) -> String {
    let line = retried.origin.start_line;
    match &retried.how {
        RetriedHow::Scope(RetryKind::Wrapper) => {
            format!(
                "inside a callback retried by {} (line {line})",
                retried.label
            )
        }
        RetriedHow::Scope(RetryKind::Decorator) => {
            format!("in a function retried by {} (line {line})", retried.label)
        }
        RetriedHow::Scope(RetryKind::Loop) => format!("inside {} (line {line})", retried.label),
        RetriedHow::CalledFrom(function) => format!(
            "in `{}`, which is retried by {} (line {line})",
            shorten(function, 40),
            retried.label
        ),
        RetriedHow::Client => format!(
            "through a client configured to resend failed writes ({}, line {line})",
            retried.label
        ),
    }
}

/// Built-in functions that only convert or measure what they are given
/// (`len(x)`, `str(id)`, `JSON.stringify(body)`): once the values exist,
/// they do not fail.
const PURE_CONVERSIONS: &[&str] = &[
    "len",
    "str",
    "int",
    "float",
    "bool",
    "repr",
    "dict",
    "list",
    "tuple",
    "set",
    "sorted",
    "min",
    "max",
    "abs",
    "round",
    "sum",
    "isinstance",
    "String",
    "Number",
    "Boolean",
    "JSON.stringify",
    "Array.isArray",
    "Object.keys",
    "Object.values",
    "Object.entries",
    "Date.now",
    "Ok",
    "Some",
];

/// Whether `call` is one of [`PURE_CONVERSIONS`] (or a method of `Math`).
fn is_pure_conversion(call: &Call) -> bool {
    PURE_CONVERSIONS.contains(&call.callee.as_str()) || call.callee.starts_with("Math.")
}
