//! Idempotency keys: whether a side-effect call carries one, where its value
//! comes from, and whether that value changes on every run.
//!
//! A key is an option, keyword, header or builder method whose name the packs
//! list (`idempotencyKey`, `Idempotency-Key`, `idempotency_key`,
//! `MessageDeduplicationId`, BullMQ `jobId`), given to the call itself, to a
//! command object it sends (`new SendMessageCommand({..})`), or to a headers
//! variable it passes (`headers = {"Idempotency-Key": key}`). Its value is
//! *generated* when it comes from a key generator (`uuid4()`, `randomUUID()`,
//! `Date.now()`), directly, through a variable, or inside an interpolated
//! string; otherwise it is taken to be derived from stable data.

use super::retried::{Retried, RetryFacts};
use super::scope::WalkState;
use crate::knowledge::{Delivery, HandlerRole, Knowledge};
use crate::model::{Call, FileModel, Function, Node, Span, Value};
use std::collections::HashMap;

/// A key given to a side-effect call.
#[derive(Debug, Clone)]
pub struct KeyUse {
    /// The option / header name as written (`idempotencyKey`).
    pub name: String,
    /// Where the key is given.
    pub span: Span,
    /// Where its value comes from.
    pub origin: KeyOrigin,
}

/// Where a key's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Derived from data that stays the same across attempts (`order.id`).
    Stable,
    /// Made fresh by a generator (`uuid4()`), at `at`.
    Generated {
        /// The generator as written (`uuid.uuid4`).
        generator: String,
        /// Where the value is generated (the binding or the inline value).
        at: Span,
        /// The code that generates it, for fingerprints and messages.
        text: String,
    },
}

/// Why a key generated for a call changes from one attempt to the next.
#[derive(Debug, Clone)]
pub enum Regenerated<'a> {
    /// It is minted inside the code a retry re-runs.
    Retried(Retried),
    /// It is minted inside a consumer or job that runs again when its
    /// message or job is re-delivered.
    Redelivered {
        /// The handler's role (consumer or job).
        role: HandlerRole,
        /// The handler.
        handler: &'a Function,
    },
}

/// Whether a key generated at `at` for `call` is minted anew on every attempt
/// of it: inside the region a retry re-runs, or inside a consumer or job
/// re-run on (at-least-once or unknown) re-delivery. The one decision behind
/// `idempotency/key-regenerated-per-attempt` and the checklist's key item.
pub fn regenerated_per_attempt<'a>(
    at: Span,
    call: &Call,
    state: &WalkState<'a>,
    facts: &RetryFacts<'_>,
    knowledge: &Knowledge,
) -> Option<Regenerated<'a>> {
    let inside =
        |region: Span| region.start_byte <= at.start_byte && at.end_byte <= region.end_byte;
    // A loop that goes round only after an answered 429 repeats a request
    // the service refused: a fresh key then deduplicates nothing that ran.
    if let Some(retried) = facts.retried(call, state)
        && retried.region.is_some_and(inside)
        && !facts.repeats_nothing_done(&retried)
    {
        return Some(Regenerated::Retried(retried));
    }
    match (state.role, state.handler) {
        (Some(role @ (HandlerRole::Consumer | HandlerRole::Job)), Some(handler))
            if inside(handler.span)
                && matches!(
                    knowledge.delivery(handler),
                    Delivery::AtLeastOnce | Delivery::Unknown
                ) =>
        {
            Some(Regenerated::Redelivered { role, handler })
        }
        _ => None,
    }
}

/// A variable binding or mutation inside a function.
#[derive(Debug)]
struct Binding<'a> {
    name: String,
    value: Bound<'a>,
    span: Span,
    /// The span of the function whose body holds the binding.
    scope: Span,
}

#[derive(Debug)]
enum Bound<'a> {
    /// `key = f(..)`.
    Call(&'a Call),
    /// `key = <value>`.
    Value(&'a Value),
    /// `headers.set("Idempotency-Key", v)`, `headers.insert(..)`.
    MutatedBy(&'a Call),
    /// `headers["Idempotency-Key"] = v`: the subscript text and the value.
    Subscript(&'a str, &'a Value),
    /// `headers["Idempotency-Key"] = f(..)`: the subscript text and the call.
    SubscriptCall(&'a str, &'a Call),
}

/// Every binding of a file, to follow variables back to their values.
#[derive(Debug, Default)]
pub struct Bindings<'a> {
    entries: Vec<Binding<'a>>,
    /// The outermost call of every method chain, by the span of each of its
    /// inner calls: `client.post(u).header(k, v).send()` for `client.post(u)`.
    chain_owners: HashMap<(usize, usize), &'a Call>,
}

impl<'a> Bindings<'a> {
    /// Collect the bindings of every function of the file.
    pub fn new(model: &'a FileModel) -> Self {
        let mut bindings = Bindings::default();
        bindings.collect_function(&model.module, 0);
        let owners = &mut bindings.chain_owners;
        model.module.for_each_call(&mut |call| {
            for inner in &call.chain {
                owners.insert((inner.span.start_byte, inner.span.end_byte), call);
            }
        });
        bindings
    }

    /// The outermost call of the chain `call` is an inner part of, if any.
    pub fn chain_owner(&self, call: &Call) -> Option<&'a Call> {
        self.chain_owners
            .get(&(call.span.start_byte, call.span.end_byte))
            .copied()
    }

    fn collect_function(&mut self, function: &'a Function, depth: usize) {
        self.collect_nodes(&function.body, function.span, depth);
    }

    fn collect_nodes(&mut self, nodes: &'a [Node], scope: Span, depth: usize) {
        if depth > crate::lang::MAX_MODEL_DEPTH {
            return;
        }
        for node in nodes {
            match node {
                Node::Call(call) => {
                    if let Some(name) = call.bound_to.as_deref() {
                        match name.split_once('[') {
                            Some((base, subscript)) => self.push(
                                clean_name(base),
                                Bound::SubscriptCall(subscript, call),
                                call.span,
                                scope,
                            ),
                            None => {
                                self.push(clean_name(name), Bound::Call(call), call.span, scope)
                            }
                        }
                    }
                    if let Some(receiver) = call.receiver.as_deref()
                        && matches!(
                            call.method.as_str(),
                            "set" | "append" | "insert" | "update" | "setdefault" | "put"
                        )
                    {
                        self.push(
                            clean_name(receiver),
                            Bound::MutatedBy(call),
                            call.span,
                            scope,
                        );
                    }
                    self.collect_call_functions(call, depth);
                }
                Node::Assign(assign) => {
                    let target = assign.target.trim();
                    match target.split_once('[') {
                        Some((base, subscript)) => self.push(
                            clean_name(base),
                            Bound::Subscript(subscript, &assign.value),
                            assign.span,
                            scope,
                        ),
                        None => self.push(
                            clean_name(target),
                            Bound::Value(&assign.value),
                            assign.span,
                            scope,
                        ),
                    }
                    self.collect_value_functions(&assign.value, depth);
                }
                Node::Block(block) => self.collect_nodes(&block.body, scope, depth + 1),
                Node::Function(function) => self.collect_function(function, depth + 1),
                Node::Return(ret) => {
                    if let Some(value) = &ret.value {
                        self.collect_value_functions(value, depth);
                    }
                }
            }
        }
    }

    fn collect_call_functions(&mut self, call: &'a Call, depth: usize) {
        for inner in &call.chain {
            self.collect_call_functions(inner, depth + 1);
        }
        for arg in &call.args {
            self.collect_value_functions(&arg.value, depth + 1);
        }
    }

    fn collect_value_functions(&mut self, value: &'a Value, depth: usize) {
        if depth > crate::lang::MAX_MODEL_DEPTH {
            return;
        }
        match value {
            Value::Function(function) => self.collect_function(function, depth + 1),
            Value::Call(call) => self.collect_call_functions(call, depth + 1),
            Value::Object(props) => props
                .iter()
                .for_each(|p| self.collect_value_functions(&p.value, depth + 1)),
            Value::Array(items) => items
                .iter()
                .for_each(|v| self.collect_value_functions(v, depth + 1)),
            _ => {}
        }
    }

    fn push(&mut self, name: String, value: Bound<'a>, span: Span, scope: Span) {
        if !name.is_empty() {
            self.entries.push(Binding {
                name,
                value,
                span,
                scope,
            });
        }
    }

    /// The bindings of `name` visible at `at`: in a function enclosing `at`,
    /// written before it; nearest first.
    fn visible(&self, name: &str, at: Span) -> impl Iterator<Item = &Binding<'a>> {
        let mut found: Vec<&Binding<'a>> = self
            .entries
            .iter()
            .filter(|b| {
                b.name == name
                    && b.span.start_byte < at.start_byte
                    && b.scope.start_byte <= at.start_byte
                    && at.end_byte <= b.scope.end_byte
            })
            .collect();
        found.sort_by_key(|b| std::cmp::Reverse(b.span.start_byte));
        found.into_iter()
    }
}

/// `mut key` → `key`, `this.key` stays; destructuring patterns are dropped.
fn clean_name(name: &str) -> String {
    let name = name.trim().trim_start_matches("mut ").trim();
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.'));
    if plain {
        name.to_string()
    } else {
        String::new()
    }
}

/// Finds the idempotency key of calls, following variables.
pub struct KeyFinder<'a, 'k> {
    knowledge: &'k Knowledge,
    bindings: &'a Bindings<'a>,
    source: &'a str,
}

impl<'a, 'k> KeyFinder<'a, 'k> {
    /// A finder over one file's bindings and source text.
    pub fn new(knowledge: &'k Knowledge, bindings: &'a Bindings<'a>, source: &'a str) -> Self {
        KeyFinder {
            knowledge,
            bindings,
            source,
        }
    }

    /// The idempotency key given to `call`, if any — for an inner part of a
    /// method chain, anywhere in the whole chain (`.header(..)` after `.post(..)`).
    pub fn key_of(&self, call: &Call) -> Option<KeyUse> {
        let whole = self.bindings.chain_owner(call).unwrap_or(call);
        self.direct_key(whole, call.span, 0)
            .or_else(|| self.key_through_variables(whole))
    }

    /// Where a key value given to the call at `at` comes from (a value the
    /// model keeps only as code is read from the source at `at`).
    pub fn value_origin(&self, value: &Value, at: Span) -> KeyOrigin {
        self.origin(value, at, at, 0)
    }

    /// A key given in the call's own arguments, its chain, or a command
    /// object constructed inline (`new SendMessageCommand({..})`).
    fn direct_key(&self, call: &Call, at: Span, depth: usize) -> Option<KeyUse> {
        if depth > 4 {
            return None;
        }
        for c in call.chain.iter().chain(std::iter::once(call)) {
            // Builder methods named after the key: `.idempotency_key(k)`,
            // `.message_deduplication_id(id)`.
            if self.knowledge.is_idempotency_key_name(&c.method)
                && let Some(arg) = c.args.first()
            {
                return Some(self.key_use(&c.method, &arg.value, arg.span, at));
            }
            // Header setters: `.header("Idempotency-Key", k)`, `.set(..)`.
            if let [name_arg, value_arg, ..] = c.args.as_slice()
                && let Value::String(name) = &name_arg.value
                && self.knowledge.is_idempotency_key_name(name)
            {
                return Some(self.key_use(name, &value_arg.value, value_arg.span, at));
            }
            for arg in &c.args {
                if let Some(keyword) = &arg.keyword
                    && self.knowledge.is_idempotency_key_name(keyword)
                {
                    return Some(self.key_use(keyword, &arg.value, arg.span, at));
                }
                if let Some(found) = self.key_in_value(&arg.value, at, depth) {
                    return Some(found);
                }
            }
        }
        None
    }

    fn key_in_value(&self, value: &Value, at: Span, depth: usize) -> Option<KeyUse> {
        match value {
            Value::Object(props) => props.iter().find_map(|p| {
                if self.knowledge.is_idempotency_key_name(&p.key) {
                    Some(self.key_use(&p.key, &p.value, p.span, at))
                } else {
                    self.key_in_value(&p.value, at, depth + 1)
                }
            }),
            Value::Call(inner) if inner.is_new || depth == 0 => {
                self.direct_key(inner, at, depth + 1)
            }
            _ => None,
        }
    }

    /// A key set on a variable the call passes (`headers=headers`,
    /// `{ headers }`, `.headers(headers)`).
    fn key_through_variables(&self, call: &Call) -> Option<KeyUse> {
        let mut names = Vec::new();
        for c in call.chain.iter().chain(std::iter::once(call)) {
            for arg in &c.args {
                collect_paths(&arg.value, &mut names);
            }
        }
        names.into_iter().find_map(|name| {
            self.bindings
                .visible(&clean_name(name), call.span)
                .find_map(|binding| match &binding.value {
                    Bound::Value(value) => self.key_in_value(value, call.span, 1),
                    Bound::Call(bound) => self.direct_key(bound, call.span, 1),
                    Bound::MutatedBy(setter) => self.direct_key(setter, call.span, 3),
                    Bound::Subscript(subscript, value) => {
                        let key = subscript_key(subscript);
                        self.knowledge
                            .is_idempotency_key_name(key)
                            .then(|| self.key_use(key, value, binding.span, call.span))
                    }
                    Bound::SubscriptCall(subscript, bound) => {
                        let key = subscript_key(subscript);
                        self.knowledge.is_idempotency_key_name(key).then(|| KeyUse {
                            name: key.to_string(),
                            span: binding.span,
                            origin: self.call_origin(bound, binding.span),
                        })
                    }
                })
        })
    }

    fn key_use(&self, name: &str, value: &Value, span: Span, at: Span) -> KeyUse {
        KeyUse {
            name: name.to_string(),
            span,
            origin: self.origin(value, span, at, 0),
        }
    }

    /// Where a key value comes from; `span` is where the value is written,
    /// `at` the call using it (for resolving variables).
    fn origin(&self, value: &Value, span: Span, at: Span, depth: usize) -> KeyOrigin {
        if depth > 4 {
            return KeyOrigin::Stable;
        }
        match value {
            Value::Call(call) => self.call_origin(call, call.span),
            Value::Path(name) => {
                let Some(binding) = self.bindings.visible(&clean_name(name), at).next() else {
                    return KeyOrigin::Stable;
                };
                match &binding.value {
                    Bound::Call(call) => self.call_origin(call, binding.span),
                    Bound::Value(value) => {
                        self.origin(value, binding.span, binding.span, depth + 1)
                    }
                    Bound::MutatedBy(_) | Bound::Subscript(..) | Bound::SubscriptCall(..) => {
                        KeyOrigin::Stable
                    }
                }
            }
            Value::String(text) => self.generated_text(text, span),
            Value::Other => {
                let text = self
                    .source
                    .get(span.start_byte..span.end_byte)
                    .unwrap_or("");
                self.generated_text(text, span)
            }
            _ => KeyOrigin::Stable,
        }
    }

    /// Where a key made by a call comes from; `at` is where the call is
    /// written (the binding, or the inline value).
    fn call_origin(&self, call: &Call, at: Span) -> KeyOrigin {
        match self.generator_in_call(call) {
            Some(generator) => KeyOrigin::Generated {
                generator,
                at,
                text: call.text.clone(),
            },
            None => KeyOrigin::Stable,
        }
    }

    fn generated_text(&self, text: &str, span: Span) -> KeyOrigin {
        match self.generator_in_text(text) {
            Some(generator) => KeyOrigin::Generated {
                generator,
                at: span,
                text: self
                    .source
                    .get(span.start_byte..span.end_byte)
                    .unwrap_or(text)
                    .to_string(),
            },
            None => KeyOrigin::Stable,
        }
    }

    /// The generator a call is, or contains (`str(uuid.uuid4())`,
    /// `Uuid::new_v4().to_string()`, `` `k-${Date.now()}` ``).
    fn generator_in_call(&self, call: &Call) -> Option<String> {
        if self.knowledge.is_key_generator(&call.callee) {
            return Some(call.callee.clone());
        }
        for inner in &call.chain {
            if let Some(found) = self.generator_in_call(inner) {
                return Some(found);
            }
        }
        call.args.iter().find_map(|arg| match &arg.value {
            Value::Call(inner) => self.generator_in_call(inner),
            Value::String(text) => self.generator_in_text(text),
            Value::Other => self.generator_in_text(&arg.text),
            _ => None,
        })
    }

    /// A generator called inside text (an interpolated string, an
    /// expression the model keeps as text): `order-${Date.now()}`,
    /// `f"charge-{uuid.uuid4()}"`.
    fn generator_in_text(&self, text: &str) -> Option<String> {
        let bytes = text.as_bytes();
        for (index, byte) in bytes.iter().enumerate() {
            if *byte != b'(' {
                continue;
            }
            // After the last character that cannot be part of a callee
            // (whatever its width: found by fuzzing with `�(`).
            let start = text[..index]
                .char_indices()
                .rev()
                .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | ':')))
                .map_or(0, |(p, c)| p + c.len_utf8());
            let callee = text[start..index].replace("::", ".");
            let callee = callee.trim_matches('.');
            if !callee.is_empty() && self.knowledge.is_key_generator(callee) {
                return Some(callee.to_string());
            }
        }
        None
    }
}

/// `"Idempotency-Key"]` → `Idempotency-Key`.
fn subscript_key(subscript: &str) -> &str {
    subscript
        .trim_end_matches(']')
        .trim()
        .trim_matches(['"', '\''])
}

fn collect_paths<'v>(value: &'v Value, names: &mut Vec<&'v str>) {
    match value {
        Value::Path(path) => names.push(path.trim_start_matches('&').trim()),
        Value::Object(props) => props.iter().for_each(|p| collect_paths(&p.value, names)),
        _ => {}
    }
}
