//! The shared walk over a file's model that every rule builds on.
//!
//! The walker visits calls in source order and tells, for each, the
//! workflow context it runs in: inside which transaction scope (a callback of
//! a transaction opener, a `with` block, a decorated function), whether it is
//! deferred until after commit, and which function encloses it. Rules decide
//! what to report; the walker only resolves context, once, for all of them.

use super::retry::{self, RetryScope};
use crate::knowledge::{HandlerRole, Knowledge};
use crate::model::{BlockKind, Call, FileModel, Function, FunctionOrigin, Node, Span, Value};
use std::collections::HashSet;

/// A transaction scope that encloses a call.
#[derive(Debug, Clone, Copy)]
pub struct TransactionScope<'a> {
    /// The call that opened it (`db.transaction`, `transaction.atomic`).
    pub opener: &'a Call,
    /// How it is delimited.
    pub style: ScopeStyle,
    /// The statements that run inside it.
    pub body: &'a [Node],
}

/// How a transaction scope is delimited in the syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeStyle {
    /// The body of a callback passed to the opener.
    Callback,
    /// The body of a `with` / `async with` block.
    With,
    /// The body of a function decorated with the opener.
    Decorator,
}

/// Where a call stands syntactically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallSite {
    /// A statement of a function body or block.
    Statement,
    /// Nested in another call's arguments, a chain, a return or an assignment.
    Nested,
    /// A context manager of a `with` block.
    WithItem,
}

/// The context of one visited call.
#[derive(Debug, Clone)]
pub struct WalkState<'a> {
    /// The innermost transaction scope around the call, if any.
    pub transaction: Option<TransactionScope<'a>>,
    /// The deferral (`on_commit`, `afterCommit`) whose callback contains the call.
    pub deferred_by: Option<&'a Call>,
    /// The stable name of the enclosing function path
    /// (`checkout`, `app.post("/checkout") > db.transaction`).
    pub function: String,
    /// The enclosing function.
    pub enclosing: &'a Function,
    /// The try blocks around the call, innermost last, each with the handler
    /// blocks that follow it (`catch`/`except`, `finally`).
    pub try_stack: Vec<TryContext<'a>>,
    /// Loops around the call, innermost last (the loop header).
    pub loops: Vec<&'a str>,
    /// For each of [`WalkState::loops`], whether it is a hand-written retry
    /// loop ([`super::retry::loop_scope`] decides; nothing else may).
    pub loop_is_retry: Vec<bool>,
    /// Where the call stands.
    pub site: CallSite,
    /// The class whose method (or a callback inside it) contains the call.
    pub class: Option<&'a str>,
    /// The workflow role of the innermost handler around the call (route
    /// handler, message consumer, job), if one is recognised.
    pub role: Option<HandlerRole>,
    /// The handler function itself (for checks over its whole body).
    pub handler: Option<&'a Function>,
    /// The route or topic the handler was registered for, when written as a
    /// string (`'/checkout'`, `'order.created'`).
    pub handler_topic: Option<&'a str>,
    /// The innermost retry scope around the call: a retry wrapper's callback,
    /// a function its decorator retries, a hand-written retry loop.
    pub retry: Option<RetryScope>,
}

impl<'a> WalkState<'a> {
    /// Whether a hand-written retry loop encloses the call (in this function
    /// or a callback of it).
    pub fn in_retry_loop(&self) -> bool {
        self.loop_is_retry.contains(&true)
    }

    /// The header of the innermost loop around the call that is not a retry
    /// loop: the loop that repeats the call for each item.
    pub fn innermost_plain_loop(&self) -> Option<&'a str> {
        self.loops
            .iter()
            .zip(&self.loop_is_retry)
            .rev()
            .find(|(_, retry)| !**retry)
            .map(|(header, _)| *header)
    }
}

/// A `try` block around a call, with its handlers.
#[derive(Debug, Clone, Copy)]
pub struct TryContext<'a> {
    /// The try block's span.
    pub span: Span,
    /// The handler blocks (`Catch`, `Finally`) that follow it.
    pub handlers: &'a [Node],
}

/// Methods only a database session or connection has (a unit of work: it
/// queries, stages rows and commits them); no HTTP client, message producer
/// or mailer answers to them. A receiver a function calls one of them on is
/// that function's database session: `session.delete(row)` next to
/// `session.query(..)` deletes a row, it is not an HTTP `DELETE`.
const UNIT_OF_WORK_METHODS: &[&str] = &[
    "query",
    "add_all",
    "merge",
    "refresh",
    "expunge",
    "scalars",
    "bulk_save_objects",
    "begin_nested",
    "rollback",
    // Committing what it staged; SQLModel's `exec` of a select.
    "commit",
    "exec",
];

/// The receivers that are in-process objects within one function, each with
/// that function's span: parameters annotated with an in-process type
/// (`session: AsyncSession`, `events: Subject`), and receivers the function
/// uses as a database session (see [`UNIT_OF_WORK_METHODS`]).
fn local_in_function(module: &Function, knowledge: &Knowledge) -> Vec<(String, Span)> {
    let mut local = Vec::new();
    let mut functions = vec![module];
    while let Some(function) = functions.pop() {
        for param in &function.params {
            let Some(annotation) = param.type_annotation.as_deref() else {
                continue;
            };
            let in_process = annotation
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .filter(|name| !name.is_empty())
                .any(|name| knowledge.is_local_constructor(name));
            if in_process {
                local.push((param.name.clone(), function.span));
            }
        }
        if !std::ptr::eq(function, module) {
            let mut sessions = HashSet::new();
            function.for_each_call(&mut |call| {
                if let Some(receiver) = call.receiver.as_deref()
                    && UNIT_OF_WORK_METHODS.contains(&call.method.as_str())
                {
                    sessions.insert(receiver.to_string());
                }
            });
            local.extend(sessions.into_iter().map(|name| (name, function.span)));
        }
        collect_nested_functions(&function.body, &mut functions);
    }
    local
}

/// Names assigned an in-process object's name (`const queue = (this.queue =
/// new Queue())`) are in-process objects too.
fn follow_aliases(module: &Function, local_receivers: &mut HashSet<String>) {
    let mut functions = vec![module];
    while let Some(function) = functions.pop() {
        let mut blocks = vec![function.body.as_slice()];
        while let Some(body) = blocks.pop() {
            for node in body {
                match node {
                    Node::Assign(assign) => {
                        if let Value::Path(path) = &assign.value {
                            let aliased =
                                path.trim_start_matches("this.").trim_start_matches("self.");
                            if local_receivers.contains(aliased) {
                                local_receivers.insert(assign.target.clone());
                            }
                        }
                    }
                    Node::Block(block) => blocks.push(&block.body),
                    Node::Function(inner) => functions.push(inner),
                    _ => {}
                }
            }
        }
    }
}

/// Walks a file's model, calling `visit` for every call with its context.
pub struct ScopeWalker<'k> {
    knowledge: &'k Knowledge,
    local_receivers: HashSet<String>,
    /// Receivers that are in-process objects within one function (typed
    /// parameters, database sessions), with that function's span.
    local_in_function: Vec<(String, Span)>,
    /// Options set to more than one attempt somewhere in the file.
    retry_options: HashSet<String>,
}

impl<'k> ScopeWalker<'k> {
    /// A walker for one file: collects the names bound to in-process objects
    /// (`const bus = new EventEmitter()`) first.
    pub fn new(knowledge: &'k Knowledge, model: &FileModel) -> Self {
        let mut local_receivers = HashSet::new();
        let mut local_in_function = local_in_function(&model.module, knowledge);
        // A name bound to an in-process object at module level, or a member
        // (`this.queue = new Queue()`), is one in the whole file; a plain
        // name bound inside a function is one in that function only (the
        // next function's `session` may be an HTTP client).
        let mut functions = vec![&model.module];
        while let Some(function) = functions.pop() {
            // A class extending an in-process one is in-process itself.
            if function
                .class_bases
                .iter()
                .any(|base| knowledge.is_local_constructor(base))
            {
                local_receivers.insert(format!("this@{}", function.class.as_deref().unwrap_or("")));
            }
            let module_level = std::ptr::eq(function, &model.module);
            for_each_own_call(&function.body, &mut |call| {
                let Some(name) = call.bound_to.as_deref() else {
                    return;
                };
                if !knowledge.is_local_constructor(&call.callee) {
                    return;
                }
                let member = name
                    .strip_prefix("this.")
                    .or_else(|| name.strip_prefix("self."));
                match member {
                    Some(member) => {
                        local_receivers.insert(member.to_string());
                    }
                    None if module_level => {
                        local_receivers.insert(name.to_string());
                    }
                    None => local_in_function.push((name.to_string(), function.span)),
                }
            });
            collect_nested_functions(&function.body, &mut functions);
        }
        // The callbacks handed to an in-process construction receive its
        // in-process helpers: a stream's `controller` (`new ReadableStream({
        // start(controller) { controller.enqueue(chunk) } })`), a promise's
        // `resolve`.
        model.module.for_each_call(&mut |call| {
            if !(call.is_new && knowledge.is_local_constructor(&call.callee)) {
                return;
            }
            for arg in &call.args {
                let callbacks: Vec<&Function> = match &arg.value {
                    Value::Function(function) => vec![function],
                    Value::Object(props) => props
                        .iter()
                        .filter_map(|prop| match &prop.value {
                            Value::Function(function) => Some(function.as_ref()),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for callback in callbacks {
                    local_in_function.extend(
                        callback
                            .params
                            .iter()
                            .map(|param| (param.name.clone(), callback.span)),
                    );
                }
            }
        });
        follow_aliases(&model.module, &mut local_receivers);
        ScopeWalker {
            knowledge,
            local_receivers,
            local_in_function,
            retry_options: retry::file_retry_options(model),
        }
    }

    /// Whether the call's receiver is an in-process object (a local
    /// `EventEmitter`, a class extending one), so it crosses no boundary.
    pub fn is_local_receiver(&self, call: &Call, state: &WalkState<'_>) -> bool {
        let Some(receiver) = call.receiver.as_deref() else {
            return false;
        };
        let trimmed = receiver
            .trim_start_matches("this.")
            .trim_start_matches("self.");
        let root = trimmed.split('.').next().unwrap_or(trimmed);
        if self.local_receivers.contains(root) || self.local_receivers.contains(trimmed) {
            return true;
        }
        if self.local_in_function.iter().any(|(name, function)| {
            name == receiver
                && function.start_byte <= call.span.start_byte
                && call.span.end_byte <= function.end_byte
        }) {
            return true;
        }
        matches!(receiver, "this" | "self")
            && state
                .class
                .is_some_and(|class| self.local_receivers.contains(&format!("this@{class}")))
    }

    /// Visit every call of the file in source order.
    pub fn walk<'a>(&self, model: &'a FileModel, visit: &mut dyn FnMut(&'a Call, &WalkState<'a>)) {
        let state = WalkState {
            transaction: None,
            deferred_by: None,
            function: String::new(),
            enclosing: &model.module,
            try_stack: Vec::new(),
            loops: Vec::new(),
            loop_is_retry: Vec::new(),
            site: CallSite::Statement,
            class: None,
            role: None,
            handler: None,
            handler_topic: None,
            retry: None,
        };
        self.walk_function(&model.module, &state, true, visit);
    }

    fn walk_function<'a>(
        &self,
        function: &'a Function,
        outer: &WalkState<'a>,
        fresh: bool,
        visit: &mut dyn FnMut(&'a Call, &WalkState<'a>),
    ) {
        let mut state = if fresh {
            // A declared function runs when called, not where it is written:
            // it does not inherit the surrounding transaction.
            WalkState {
                transaction: None,
                deferred_by: None,
                function: function.name.clone(),
                enclosing: function,
                try_stack: Vec::new(),
                loops: Vec::new(),
                loop_is_retry: Vec::new(),
                site: CallSite::Statement,
                class: function.class.as_deref().or(outer.class),
                role: None,
                handler: None,
                handler_topic: None,
                retry: retry::function_scope(function, self.knowledge, &self.retry_options),
            }
        } else {
            let mut inherited = outer.clone();
            inherited.function = if outer.function.is_empty() || outer.function == "<module>" {
                function.name.clone()
            } else {
                format!("{} > {}", outer.function, function.name)
            };
            inherited.enclosing = function;
            if let Some(class) = function.class.as_deref() {
                inherited.class = Some(class);
            }
            inherited
        };
        if fresh {
            // A call in the body (a signature check of a push delivery)
            // says more than a route decorator: who calls the function.
            let role = self
                .knowledge
                .body_role(function)
                .or_else(|| {
                    function
                        .decorators
                        .iter()
                        .find_map(|d| self.knowledge.decorator_role(d))
                })
                .or_else(|| self.knowledge.name_role(&function.name));
            if role.is_some() {
                state.role = role;
                state.handler = Some(function);
                state.handler_topic = function
                    .decorators
                    .iter()
                    .find(|d| self.knowledge.decorator_role(d).is_some())
                    .and_then(|d| self.knowledge.handler_name(d));
            }
        }
        for decorator in &function.decorators {
            if self.knowledge.is_transaction_opener(decorator) {
                state.transaction = Some(TransactionScope {
                    opener: decorator,
                    style: ScopeStyle::Decorator,
                    body: &function.body,
                });
            }
        }
        self.walk_nodes(&function.body, &state, visit);
    }

    fn walk_nodes<'a>(
        &self,
        nodes: &'a [Node],
        state: &WalkState<'a>,
        visit: &mut dyn FnMut(&'a Call, &WalkState<'a>),
    ) {
        for (index, node) in nodes.iter().enumerate() {
            match node {
                Node::Call(call) => self.walk_call(call, state, CallSite::Statement, visit),
                Node::Function(function) => self.walk_function(function, state, true, visit),
                Node::Return(ret) => {
                    if let Some(value) = &ret.value {
                        self.walk_value(value, None, state, visit);
                    }
                }
                Node::Assign(assign) => self.walk_value(&assign.value, None, state, visit),
                Node::Block(block) => {
                    let mut inner = state.clone();
                    match &block.kind {
                        BlockKind::With { items, .. } => {
                            for item in items {
                                self.walk_call(item, state, CallSite::WithItem, visit);
                                if self.knowledge.is_transaction_opener(item) {
                                    inner.transaction = Some(TransactionScope {
                                        opener: item,
                                        style: ScopeStyle::With,
                                        body: &block.body,
                                    });
                                }
                            }
                        }
                        BlockKind::Try => {
                            let handlers_end = nodes[index + 1..]
                                .iter()
                                .position(|n| {
                                    !matches!(n, Node::Block(b) if matches!(b.kind, BlockKind::Catch { .. } | BlockKind::Finally))
                                })
                                .map_or(nodes.len(), |p| index + 1 + p);
                            inner.try_stack.push(TryContext {
                                span: block.span,
                                handlers: &nodes[index + 1..handlers_end],
                            });
                        }
                        BlockKind::Loop { header } => {
                            inner.loops.push(header.as_str());
                            let scope = retry::loop_scope(block, self.knowledge);
                            inner.loop_is_retry.push(scope.is_some());
                            if let Some(scope) = scope {
                                inner.retry = Some(scope);
                            }
                        }
                        _ => {}
                    }
                    self.walk_nodes(&block.body, &inner, visit);
                }
            }
        }
    }

    fn walk_call<'a>(
        &self,
        call: &'a Call,
        state: &WalkState<'a>,
        site: CallSite,
        visit: &mut dyn FnMut(&'a Call, &WalkState<'a>),
    ) {
        for inner in &call.chain {
            self.walk_call(inner, state, CallSite::Nested, visit);
        }
        let mut here = state.clone();
        here.site = site;
        visit(call, &here);
        let opens_transaction = self.knowledge.is_transaction_opener(call)
            || call
                .chain
                .iter()
                .any(|c| self.knowledge.is_transaction_opener(c));
        let defers = self.knowledge.is_deferral(call);
        for arg in &call.args {
            self.walk_value(
                &arg.value,
                Some((call, opens_transaction, defers)),
                state,
                visit,
            );
        }
    }

    fn walk_value<'a>(
        &self,
        value: &'a Value,
        owner: Option<(&'a Call, bool, bool)>,
        state: &WalkState<'a>,
        visit: &mut dyn FnMut(&'a Call, &WalkState<'a>),
    ) {
        match value {
            Value::Call(call) => self.walk_call(call, state, CallSite::Nested, visit),
            Value::Function(function) => {
                let mut inner = state.clone();
                if let Some((call, opens_transaction, defers)) = owner {
                    if opens_transaction {
                        inner.transaction = Some(TransactionScope {
                            opener: call,
                            style: ScopeStyle::Callback,
                            body: &function.body,
                        });
                    }
                    if defers {
                        inner.deferred_by = Some(call);
                    }
                    if let Some(scope) =
                        retry::wrapper_scope(call, function, self.knowledge, &self.retry_options)
                    {
                        inner.retry = Some(scope);
                    }
                    if let Some(role) = self.knowledge.callback_role(call) {
                        inner.role = Some(role);
                        inner.handler = Some(function);
                        inner.handler_topic = self.knowledge.handler_name(call);
                    }
                }
                let fresh = matches!(function.origin, FunctionOrigin::Declaration);
                self.walk_function(function, &inner, fresh, visit);
            }
            Value::Object(props) => {
                for prop in props {
                    match (&prop.value, self.knowledge.option_key_role(&prop.key)) {
                        (Value::Function(function), Some(role)) => {
                            let mut inner = state.clone();
                            inner.role = Some(role);
                            inner.handler = Some(function);
                            inner.handler_topic =
                                owner.and_then(|(call, _, _)| call.first_string_arg());
                            self.walk_function(function, &inner, false, visit);
                        }
                        _ => self.walk_value(&prop.value, None, state, visit),
                    }
                }
            }
            Value::Array(items) => items
                .iter()
                .for_each(|v| self.walk_value(v, owner, state, visit)),
            _ => {}
        }
    }
}

/// Visit the calls of a function's own body (its `with` items and the
/// callbacks it passes included), not those of the functions it declares.
fn for_each_own_call<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Call)) {
    for node in nodes {
        match node {
            Node::Function(_) => {}
            Node::Block(block) => {
                if let crate::model::BlockKind::With { items, .. } = &block.kind {
                    items.iter().for_each(&mut *visit);
                }
                for_each_own_call(&block.body, visit);
            }
            _ => crate::model::for_each_call_in(std::slice::from_ref(node), visit),
        }
    }
}

fn collect_nested_functions<'a>(nodes: &'a [Node], stack: &mut Vec<&'a Function>) {
    for node in nodes {
        match node {
            Node::Function(function) => stack.push(function),
            Node::Block(block) => collect_nested_functions(&block.body, stack),
            _ => {}
        }
    }
}
