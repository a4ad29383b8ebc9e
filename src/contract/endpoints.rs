//! The producers and consumers of payloads in one file version.
//!
//! A **producer** is a call that sends a payload on a channel: a message
//! publish with a string-literal topic (any event sink of the knowledge
//! packs), an HTTP write to a literal route, or a route handler's JSON
//! response. Its payload is the object literal it sends — found through
//! `JSON.stringify(…)`/`json.dumps(…)` wrappers, a local variable bound to a
//! literal, or a named type (`OrderCreated { … }`, `OrderCreated(order_id=…)`,
//! `const e: OrderCreated`, `publish<OrderCreated>(…)`, `x as OrderCreated`).
//!
//! A **consumer** is a function registered for a channel (inline, or by name
//! in the same file): a message consumer or job for a topic, a route handler
//! for a route. What it reads is every field read rooted at its payload —
//! `event.orderId`, `event["order_id"]`, `event.get("order_id")`,
//! destructuring, through local aliases (`const data = job.data`) — plus the
//! required fields of a payload type the framework validates (serde,
//! pydantic).
//!
//! Where the payload sits in a handler is convention per ecosystem and role
//! (see [`payload_roots`]): the first parameter of a consumer, `req.body` of
//! an Express handler, `request.json`/`request.data` or a typed parameter in
//! Python, a `Json<T>` extractor in Rust.

use super::channel::{Channel, Route};
use super::wire::{self, WireKind};
use crate::knowledge::{HandlerRole, Knowledge, SinkKind};
use crate::model::{
    Call, Ecosystem, FieldRead, FileModel, Function, Language, Node, Param, ReadKind, Span, Value,
};
use std::collections::HashMap;

/// One version of one source file, as the contract rules see it.
#[derive(Clone, Copy)]
pub struct SourceFile<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    /// The language.
    pub language: Language,
    /// The source text of this version.
    pub source: &'a str,
    /// The model of this version.
    pub model: &'a FileModel,
    /// The knowledge for the file's ecosystem.
    pub knowledge: &'a Knowledge,
}

impl SourceFile<'_> {
    /// The source text of a span (empty when out of range).
    pub fn text(&self, span: Span) -> &str {
        self.source
            .get(span.start_byte..span.end_byte)
            .unwrap_or("")
    }
}

/// One field a producer sends.
#[derive(Debug, Clone)]
pub struct SentField {
    /// The wire keys from the payload's top level (`["customer", "email"]`).
    pub path: Vec<String>,
    /// The name in the source when it differs from the wire key (a Rust
    /// field whose serde name is renamed).
    pub ident: Option<String>,
    /// The wire kind, when the expression or declared type says it.
    pub kind: Option<WireKind>,
    /// For a conversion (`String(x)`, `x.toFixed(2)`): the converted operand.
    pub conversion_of: Option<String>,
    /// Whether the key may be missing (a conditional value, an optional field).
    pub optional: bool,
    /// Whether a reader fills the key in when it is missing (a declared default).
    pub defaulted: bool,
    /// The value's expression without white space (empty for declared fields).
    pub value_text: String,
    /// A string literal value (`status: 'paid'`).
    pub literal: Option<String>,
    /// Where the field is written or declared.
    pub span: Span,
    /// For a declared field whose type is another declared type: its name.
    pub type_ref: Option<String>,
}

/// The payload of a producer.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    /// The fields, parents before children.
    pub fields: Vec<SentField>,
    /// The named type the payload is built from, if any.
    pub type_name: Option<String>,
    /// Whether keys not listed may be sent (a spread, an unresolved value).
    pub open: bool,
    /// The source text of the spreads (`...(c ? { coupon } : {})`), to tell
    /// a key made conditional from a key removed.
    pub spread_text: String,
    /// Whether anything is known of the shape (a literal or a resolved type).
    pub known: bool,
    /// Whether the literal's keys are source names rather than wire keys
    /// (a Rust struct literal, constructor keywords): the type decides the
    /// wire keys.
    pub keys_are_idents: bool,
}

/// A call that sends a payload on a channel.
#[derive(Debug, Clone)]
pub struct Producer {
    /// Where the payload goes.
    pub channel: Channel,
    /// Repository-relative path of the file.
    pub path: String,
    /// The enclosing function's stable name.
    pub function: String,
    /// The sending call (or the returned value of a response).
    pub span: Span,
    /// The sending call's text.
    pub text: String,
    /// What it sends.
    pub payload: Payload,
}

/// One field read by a consumer.
#[derive(Debug, Clone)]
pub struct ReadField {
    /// The wire keys from the payload's top level, or source names when
    /// [`Consumer::reads_idents`] is set.
    pub path: Vec<String>,
    /// Where it is read.
    pub span: Span,
    /// The read as written (`event.orderId`), for messages.
    pub text: String,
}

/// A function that receives a payload on a channel.
#[derive(Debug, Clone)]
pub struct Consumer {
    /// Where the payload comes from.
    pub channel: Channel,
    /// Repository-relative path of the file.
    pub path: String,
    /// The handler's stable name.
    pub function: String,
    /// The handler function.
    pub span: Span,
    /// The fields it reads.
    pub reads: Vec<ReadField>,
    /// The declared payload type, if any (when the framework validates it
    /// on arrival — serde, pydantic — its required fields count as read).
    pub type_name: Option<String>,
    /// Whether read paths are source names of `type_name`'s fields (Rust and
    /// pydantic attribute access), to be mapped to wire keys.
    pub reads_idents: bool,
    /// Where the whole payload is handed to another function (whose reads are
    /// not seen): `(span, callee)`.
    pub opaque: Vec<(Span, String)>,
}

/// Producers and consumers of one file version.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// The producers, in source order.
    pub producers: Vec<Producer>,
    /// The consumers, in source order.
    pub consumers: Vec<Consumer>,
}

/// Find the producers and consumers of a file version.
pub fn endpoints(file: &SourceFile<'_>) -> Endpoints {
    let mut found = Endpoints::default();
    message_and_request_producers(file, &mut found.producers);
    let functions = named_functions(&file.model.module);
    let mut handlers = Vec::new();
    collect_handlers(file, &file.model.module.body, &functions, &mut handlers);
    named_consumers(file, &functions, &mut handlers);
    client_consumers(file, &mut found.consumers);
    for handler in &handlers {
        if let Some(consumer) = consumer(file, handler) {
            found.consumers.push(consumer);
        }
        if let Channel::Request { route, .. } = &handler.channel {
            response_producers(file, handler, route, &mut found.producers);
        }
    }
    found
}

// ----- pairing base and head -----------------------------------------------

/// For each head endpoint, its base version: an identical one with the same
/// channel and function first, then one with the same channel and function
/// in order, then one with the same channel (a renamed function).
fn pair<T>(
    base: &[T],
    head: &[T],
    key: impl Fn(&T) -> (&Channel, &str),
    identical: impl Fn(&T, &T) -> bool,
) -> Vec<Option<usize>> {
    let mut used = vec![false; base.len()];
    let mut pairs: Vec<Option<usize>> = vec![None; head.len()];
    // Identical first, then the same function in order, then the same channel.
    for pass in 0..3 {
        for (position, item) in head.iter().enumerate() {
            if pairs[position].is_some() {
                continue;
            }
            let matches = |b: &T| match pass {
                0 => key(b) == key(item) && identical(b, item),
                1 => key(b) == key(item),
                _ => key(b).0 == key(item).0,
            };
            if let Some(found) = (0..base.len()).find(|&i| !used[i] && matches(&base[i])) {
                used[found] = true;
                pairs[position] = Some(found);
            }
        }
    }
    pairs
}

/// The base version of each head producer (see [`pair`]).
pub fn pair_producers<'b>(base: &'b [Producer], head: &[Producer]) -> Vec<Option<&'b Producer>> {
    pair(
        base,
        head,
        |p| (&p.channel, p.function.as_str()),
        same_payload,
    )
    .into_iter()
    .map(|i| i.map(|i| &base[i]))
    .collect()
}

/// The base version of each head consumer (see [`pair`]).
pub fn pair_consumers<'b>(base: &'b [Consumer], head: &[Consumer]) -> Vec<Option<&'b Consumer>> {
    pair(
        base,
        head,
        |c| (&c.channel, c.function.as_str()),
        same_reads,
    )
    .into_iter()
    .map(|i| i.map(|i| &base[i]))
    .collect()
}

/// Whether two producers send the same payload.
pub fn same_payload(a: &Producer, b: &Producer) -> bool {
    let shape = |p: &Producer| {
        p.payload
            .fields
            .iter()
            .map(|f| (f.path.clone(), f.kind, f.optional, f.value_text.clone()))
            .collect::<Vec<_>>()
    };
    a.payload.type_name == b.payload.type_name
        && a.payload.open == b.payload.open
        && a.payload.spread_text == b.payload.spread_text
        && shape(a) == shape(b)
}

/// Whether two consumers read the same keys.
pub fn same_reads(a: &Consumer, b: &Consumer) -> bool {
    let reads = |c: &Consumer| {
        c.reads
            .iter()
            .map(|r| r.path.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    a.type_name == b.type_name && reads(a) == reads(b)
}

// ----- producers -----------------------------------------------------------

/// Option keys that name a topic when no string argument does.
const TOPIC_KEYS: &[&str] = &[
    "topic",
    "Topic",
    "queue",
    "QueueName",
    "subject",
    "Subject",
    "DetailType",
    "routing_key",
    "routingKey",
    "event",
    "name",
];

/// Keys under which an options object carries the payload itself.
const PAYLOAD_KEYS: &[&str] = &[
    "messages",
    "value",
    "Message",
    "MessageBody",
    "Detail",
    "body",
    "data",
    "payload",
    "json",
];

fn message_and_request_producers(file: &SourceFile<'_>, out: &mut Vec<Producer>) {
    let module = &file.model.module;
    walk_calls(
        &module.body,
        module,
        "",
        &mut |call, enclosing, function| {
            // Only a call that names its destination literally can be keyed;
            // checking that first spares the knowledge lookup for most calls.
            if !names_destination(call) {
                return;
            }
            let Some(sink) = file.knowledge.sink(call) else {
                return;
            };
            let produced = match sink.kind {
                SinkKind::Event => topic_of(call).map(|topic| {
                    let value = event_payload_value(call);
                    (Channel::Topic(topic), value)
                }),
                SinkKind::Http => request_channel(call).map(|channel| {
                    let value = request_payload_value(call);
                    (channel, value)
                }),
                _ => None,
            };
            let Some((channel, value)) = produced else {
                return;
            };
            let mut payload = Payload::default();
            if let Some(value) = value {
                describe_payload(file, enclosing, call.span.start_byte, value, &mut payload);
            }
            if payload.type_name.is_none() {
                payload.type_name = generic_argument(&call.text, &call.method);
            }
            out.push(Producer {
                channel,
                path: file.path.to_string(),
                function: function.to_string(),
                span: call.span,
                text: call.text.clone(),
                payload,
            });
        },
    );
}

/// Visit every call under `nodes` with its enclosing function and that
/// function's stable path (`checkout`, `app.post("/x") > db.transaction`).
fn walk_calls<'a>(
    nodes: &'a [Node],
    enclosing: &'a Function,
    path: &str,
    visit: &mut dyn FnMut(&'a Call, &'a Function, &str),
) {
    for node in nodes {
        match node {
            Node::Call(call) => walk_call(call, enclosing, path, visit),
            Node::Function(function) => {
                walk_calls(&function.body, function, &function.name, visit);
            }
            Node::Block(block) => walk_calls(&block.body, enclosing, path, visit),
            Node::Return(ret) => {
                if let Some(value) = &ret.value {
                    walk_value(value, enclosing, path, visit);
                }
            }
            Node::Assign(assign) => walk_value(&assign.value, enclosing, path, visit),
        }
    }
}

fn walk_call<'a>(
    call: &'a Call,
    enclosing: &'a Function,
    path: &str,
    visit: &mut dyn FnMut(&'a Call, &'a Function, &str),
) {
    for inner in &call.chain {
        walk_call(inner, enclosing, path, visit);
    }
    visit(call, enclosing, path);
    for arg in &call.args {
        walk_value(&arg.value, enclosing, path, visit);
    }
}

fn walk_value<'a>(
    value: &'a Value,
    enclosing: &'a Function,
    path: &str,
    visit: &mut dyn FnMut(&'a Call, &'a Function, &str),
) {
    match value {
        Value::Call(call) => walk_call(call, enclosing, path, visit),
        Value::Function(function) => {
            let inner = if path.is_empty() || path == "<module>" {
                function.name.clone()
            } else {
                format!("{path} > {}", function.name)
            };
            walk_calls(&function.body, function, &inner, visit);
        }
        Value::Object(props) => {
            for prop in props {
                walk_value(&prop.value, enclosing, path, visit);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk_value(item, enclosing, path, visit);
            }
        }
        _ => {}
    }
}

/// Whether a call names a topic or URL literally: a string argument
/// (here or in its chain) or a topic/URL option written as a string.
fn names_destination(call: &Call) -> bool {
    call.chain
        .iter()
        .chain(std::iter::once(call))
        .any(|c| c.first_string_arg().is_some())
        || TOPIC_KEYS
            .iter()
            .chain(&["url"])
            .any(|key| matches!(call.option_value(key), Some(Value::String(_))))
}

/// The literal topic of a publish: its first string argument, or a topic option.
fn topic_of(call: &Call) -> Option<String> {
    if let Some(first) = call
        .chain
        .iter()
        .chain(std::iter::once(call))
        .find_map(|c| c.first_string_arg())
    {
        return Some(first.to_string());
    }
    TOPIC_KEYS
        .iter()
        .find_map(|key| match call.option_value(key) {
            Some(Value::String(text)) => Some(text.clone()),
            _ => None,
        })
}

/// The argument of a publish that carries the payload.
fn event_payload_value(call: &Call) -> Option<&Value> {
    let topic_position = call
        .args
        .iter()
        .position(|a| matches!(a.value, Value::String(_)));
    let after_topic = call
        .args
        .iter()
        .skip(topic_position.map_or(0, |p| p + 1))
        .find(|a| a.keyword.is_none() && is_payload_like(&a.value));
    if let Some(arg) = after_topic {
        if let Value::Object(props) = &arg.value
            && topic_position.is_none()
            && let Some(inner) = options_payload(props)
        {
            return Some(inner);
        }
        return Some(&arg.value);
    }
    // `producer.send({ topic, messages: [{ value }] })`, `new PublishCommand({ Message })`.
    for arg in &call.args {
        let options = match &arg.value {
            Value::Object(props) => props,
            Value::Call(inner) if inner.is_new => match inner.args.first().map(|a| &a.value) {
                Some(Value::Object(props)) => props,
                _ => continue,
            },
            _ => continue,
        };
        if let Some(inner) = options_payload(options) {
            return Some(inner);
        }
    }
    call.args
        .iter()
        .find(|a| {
            matches!(
                a.keyword.as_deref(),
                Some("body" | "data" | "payload" | "json" | "message")
            )
        })
        .map(|a| &a.value)
}

/// The payload inside an options object that also names the topic.
fn options_payload(props: &[crate::model::Property]) -> Option<&Value> {
    if !props
        .iter()
        .any(|p| TOPIC_KEYS.contains(&p.key.as_str()) || p.key == "TopicArn" || p.key == "QueueUrl")
    {
        return None;
    }
    for key in PAYLOAD_KEYS {
        let Some(prop) = props.iter().find(|p| p.key == *key) else {
            continue;
        };
        return match &prop.value {
            // Kafka: `messages: [{ key, value }]`.
            Value::Array(items) => items.iter().find_map(|item| match item {
                Value::Object(message) => {
                    message.iter().find(|p| p.key == "value").map(|p| &p.value)
                }
                _ => None,
            }),
            value => Some(value),
        };
    }
    None
}

fn is_payload_like(value: &Value) -> bool {
    matches!(value, Value::Object(_) | Value::Path(_) | Value::Call(_))
        || matches!(value, Value::Other)
}

/// The channel of an HTTP write: its method and literal route.
fn request_channel(call: &Call) -> Option<Channel> {
    let url = call
        .chain
        .iter()
        .chain(std::iter::once(call))
        .find_map(|c| c.first_string_arg())
        .map(str::to_string)
        .or_else(|| match call.option_value("url") {
            Some(Value::String(url)) => Some(url.clone()),
            _ => None,
        })?;
    let route = Route::parse(&url)?;
    let verb = call
        .chain
        .iter()
        .chain(std::iter::once(call))
        .map(|c| c.method.to_ascii_uppercase())
        .find(|m| matches!(m.as_str(), "POST" | "PUT" | "PATCH" | "DELETE"))
        .or_else(|| match call.option_value("method") {
            Some(Value::String(method)) => Some(method.to_ascii_uppercase()),
            _ => None,
        });
    Some(Channel::Request {
        method: verb,
        route,
    })
}

/// The body of an HTTP write.
fn request_payload_value(call: &Call) -> Option<&Value> {
    for link in call.chain.iter().chain(std::iter::once(call)) {
        if matches!(link.method.as_str(), "json" | "send" | "form")
            && let Some(arg) = link.args.first()
            && link.first_string_arg().is_none()
        {
            return Some(&arg.value);
        }
    }
    for key in ["json", "body", "data"] {
        if let Some(value) = call.option_value(key) {
            return Some(value);
        }
    }
    let url_position = call
        .args
        .iter()
        .position(|a| matches!(a.value, Value::String(_)))?;
    call.args
        .get(url_position + 1)
        .filter(|a| {
            a.keyword.is_none()
                && matches!(a.value, Value::Object(_) | Value::Path(_) | Value::Call(_))
        })
        .map(|a| &a.value)
}

/// `bus.publish<OrderCreated>(…)`: the type argument of the sending call.
fn generic_argument(text: &str, method: &str) -> Option<String> {
    let start = text.find(&format!("{method}<"))? + method.len() + 1;
    let rest = &text[start..];
    let end = rest.find(">(")?;
    let name = rest[..end].trim();
    is_type_name(name).then(|| name.to_string())
}

/// Whether text is a plain (possibly qualified) type name.
fn is_type_name(text: &str) -> bool {
    let last = text.rsplit(['.', ':']).next().unwrap_or(text);
    last.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && last.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A value a payload is built from: an expression, or a call bound to a
/// local name (the model keeps bound calls as nodes, not values).
#[derive(Clone, Copy)]
enum Source<'a> {
    Value(&'a Value),
    Call(&'a Call),
}

/// Describe the value sent as a payload (following local variables and
/// serialisation wrappers) into `payload`.
fn describe_payload(
    file: &SourceFile<'_>,
    scope: &Function,
    before: usize,
    value: &Value,
    payload: &mut Payload,
) {
    let mut source = Source::Value(value);
    let mut text = String::new();
    for _ in 0..8 {
        match source {
            Source::Value(Value::Object(props)) => {
                payload.known = true;
                if payload.type_name.is_none() {
                    payload.type_name = literal_type_name(file, props, &text);
                    payload.keys_are_idents =
                        file.language == Language::Rust && payload.type_name.is_some();
                }
                object_fields(file, props, &[], payload, 0);
                return;
            }
            Source::Value(Value::Call(boxed)) => {
                source = Source::Call(boxed);
                continue;
            }
            Source::Call(call) => {
                if let Some(inner) = unwrap_serialisation(call) {
                    text = inner.text.clone();
                    source = Source::Value(&inner.value);
                    continue;
                }
                // `OrderCreated(order_id=…)`, `new OrderCreated({…})`,
                // `OrderCreated(…).model_dump()`.
                let first = call.chain.first().unwrap_or(call);
                let constructor = first.callee.trim_end_matches("()");
                let name = constructor.rsplit('.').next().unwrap_or(constructor);
                if is_type_name(name) {
                    payload.type_name = Some(name.to_string());
                    payload.keys_are_idents = true;
                    keyword_fields(first, payload);
                } else {
                    payload.open = true;
                }
                return;
            }
            Source::Value(Value::Path(name)) => {
                let name = name.trim_start_matches('&');
                if let Some(type_name) = annotated_type(file, scope, name) {
                    payload.type_name = Some(type_name);
                }
                match local_value(&scope.body, name, before) {
                    Some(bound) => {
                        source = bound;
                        continue;
                    }
                    None => {
                        payload.open = payload.type_name.is_none();
                        return;
                    }
                }
            }
            Source::Value(Value::Other) => {
                // `&OrderCreated { … }` and `payload as OrderCreated` keep their name in the text.
                if let Some(name) = type_in_text(&text) {
                    payload.type_name = Some(name);
                }
                payload.open = payload.type_name.is_none();
                return;
            }
            Source::Value(_) => return,
        }
    }
}

/// The serialisation call around a payload and its argument
/// (`JSON.stringify(x)`, `json.dumps(x)`, `Buffer.from(…)`, `serde_json::to_vec(&x)`).
fn unwrap_serialisation(call: &Call) -> Option<&crate::model::Argument> {
    let wraps = matches!(
        call.method.as_str(),
        "stringify"
            | "dumps"
            | "from"
            | "to_vec"
            | "to_string"
            | "to_value"
            | "to_writer"
            | "serialize"
            | "encode"
            | "json"
            | "dict"
            | "model_dump"
            | "asdict"
    ) || matches!(call.callee.as_str(), "json" | "serde_json.json");
    if !wraps {
        return None;
    }
    call.args
        .iter()
        .find(|a| !matches!(a.value, Value::String(_) | Value::Number(_)))
}

/// A type name written in an expression: `&OrderCreated { … }`,
/// `OrderCreated { … }`, `x as OrderCreated`, `x satisfies OrderCreated`.
fn type_in_text(text: &str) -> Option<String> {
    let trimmed = text.trim();
    for keyword in [" as ", " satisfies "] {
        if let Some((_, name)) = trimmed.rsplit_once(keyword) {
            let name = name.trim();
            if is_type_name(name) {
                return Some(name.to_string());
            }
        }
    }
    let head = trimmed.trim_start_matches('&').trim_start();
    let head = head.strip_prefix("mut ").unwrap_or(head);
    let end = head.find(['{', '(', ' '])?;
    let name = head[..end].trim();
    let name = name.rsplit("::").next().unwrap_or(name);
    is_type_name(name).then(|| name.to_string())
}

/// The struct name of a Rust struct literal argument (its text starts with it).
fn literal_type_name(
    file: &SourceFile<'_>,
    props: &[crate::model::Property],
    argument_text: &str,
) -> Option<String> {
    if file.language != Language::Rust {
        return type_in_text(argument_text).filter(|_| argument_text.contains(" as "));
    }
    if !argument_text.is_empty() {
        return type_in_text(argument_text);
    }
    // The argument text is not at hand for a direct argument: read the source
    // just before the first field.
    let first = props.first()?;
    let before = file.source.get(..first.span.start_byte)?;
    let brace = before.rfind('{')?;
    let head = before[..brace].trim_end();
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == ':'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = head[start..].rsplit("::").next().unwrap_or("");
    is_type_name(name).then(|| name.to_string())
}

fn keyword_fields(call: &Call, payload: &mut Payload) {
    for arg in &call.args {
        if let Some(keyword) = arg.keyword.as_deref().filter(|k| !k.starts_with('*')) {
            payload.known = true;
            payload.fields.push(sent_field(
                vec![keyword.to_string()],
                &arg.value,
                &arg.text,
                arg.span,
            ));
        }
        if let Value::Object(props) = &arg.value {
            payload.known = true;
            for prop in props {
                if prop.key != "..." {
                    payload.fields.push(sent_field(
                        vec![prop.key.clone()],
                        &prop.value,
                        "",
                        prop.span,
                    ));
                }
            }
        }
    }
}

fn object_fields(
    file: &SourceFile<'_>,
    props: &[crate::model::Property],
    prefix: &[String],
    payload: &mut Payload,
    depth: usize,
) {
    for prop in props {
        if prop.key == "..." || prop.key == "**" {
            payload.open = true;
            payload.spread_text.push_str(file.text(prop.span));
            payload.spread_text.push('\n');
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(prop.key.clone());
        let text = value_text(file, prop);
        payload
            .fields
            .push(sent_field(path.clone(), &prop.value, &text, prop.span));
        if let Value::Object(inner) = &prop.value
            && depth < 8
        {
            object_fields(file, inner, &path, payload, depth + 1);
        }
    }
}

/// The value part of a property's source (`order.id` in `orderId: order.id`).
fn value_text(file: &SourceFile<'_>, prop: &crate::model::Property) -> String {
    let whole = file.text(prop.span);
    let value = match &prop.value {
        Value::Path(path) if whole.trim() == prop.key => path.as_str(),
        _ => split_key(whole),
    };
    value.to_string()
}

/// `key: value` / `"key": value` / `key=value` → `value`.
fn split_key(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut quote = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b':' || b == b'=' => return text[i + 1..].trim(),
            None => {}
        }
    }
    text.trim()
}

fn sent_field(path: Vec<String>, value: &Value, text: &str, span: Span) -> SentField {
    let text = if text.is_empty() {
        value_summary(value)
    } else {
        text.to_string()
    };
    SentField {
        path,
        ident: None,
        kind: wire::value_kind(value, &text),
        conversion_of: wire::converted_operand(value),
        optional: may_be_absent(value, &text),
        defaulted: false,
        value_text: wire::normalise(&text),
        literal: match value {
            Value::String(s) => Some(s.clone()),
            _ => None,
        },
        span,
        type_ref: None,
    }
}

fn value_summary(value: &Value) -> String {
    match value {
        Value::Path(path) => path.clone(),
        Value::Call(call) => call.text.clone(),
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Whether a value may leave its key out of the JSON (`undefined` is dropped
/// by `JSON.stringify`) or null it (`x ?? null`, `x if c else None`).
fn may_be_absent(value: &Value, text: &str) -> bool {
    if !matches!(value, Value::Other | Value::Path(_)) {
        return false;
    }
    let text = text.trim();
    if matches!(text, "undefined" | "null" | "None") {
        return true;
    }
    let ends_absent = ["undefined", "null", "None"]
        .iter()
        .any(|absent| text.ends_with(absent));
    ends_absent && (text.contains('?') || text.contains(" else ") || text.contains("||"))
}

/// The annotated type of a local or parameter named `name` in `scope`.
fn annotated_type(file: &SourceFile<'_>, scope: &Function, name: &str) -> Option<String> {
    let declared = file
        .model
        .bindings
        .iter()
        .rfind(|b| b.name == name && within(b.span, scope.span))
        .map(|b| b.type_text.as_str())
        .or_else(|| {
            scope
                .params
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.type_annotation.as_deref())
        })?;
    type_name_of(declared)
}

/// The payload type named by an annotation: `OrderCreated`,
/// `Json<OrderCreated>`, `web::Json<OrderCreated>`, `Optional[OrderCreated]`.
pub fn type_name_of(annotation: &str) -> Option<String> {
    let mut text = annotation.trim().trim_start_matches('&').trim();
    for _ in 0..4 {
        let wrapper_end = text.find(['<', '[']);
        match wrapper_end {
            Some(open) if text.ends_with(['>', ']']) => {
                let wrapper = text[..open].rsplit("::").next().unwrap_or("");
                let wrapper = wrapper.rsplit('.').next().unwrap_or(wrapper);
                if matches!(
                    wrapper,
                    "Json"
                        | "Form"
                        | "Option"
                        | "Optional"
                        | "Box"
                        | "Arc"
                        | "Message"
                        | "Event"
                        | "Payload"
                        | "Data"
                        | "Body"
                        | "Valid"
                        | "Validated"
                        | "Annotated"
                ) {
                    text = text[open + 1..text.len() - 1].trim();
                    if wrapper == "Annotated" {
                        text = text.split(',').next().unwrap_or(text).trim();
                    }
                    continue;
                }
                return None;
            }
            _ => break,
        }
    }
    let name = text.rsplit("::").next().unwrap_or(text);
    let name = name.rsplit('.').next().unwrap_or(name);
    (is_type_name(name) && !matches!(name, "Value" | "Request" | "Response" | "Any" | "Object"))
        .then(|| name.to_string())
}

fn within(inner: Span, outer: Span) -> bool {
    outer.start_byte <= inner.start_byte && inner.end_byte <= outer.end_byte
}

/// The value last bound to `name` in `nodes` before byte `before` (not
/// descending into nested functions).
fn local_value<'a>(nodes: &'a [Node], name: &str, before: usize) -> Option<Source<'a>> {
    let mut found: Option<(usize, Source<'a>)> = None;
    let mut pending: Vec<&'a [Node]> = vec![nodes];
    while let Some(nodes) = pending.pop() {
        for node in nodes {
            let candidate = match node {
                Node::Assign(assign) if assign.target == name => {
                    (assign.span.start_byte, Source::Value(&assign.value))
                }
                Node::Call(call) if call.bound_to.as_deref() == Some(name) => {
                    (call.span.start_byte, Source::Call(call))
                }
                Node::Block(block) => {
                    pending.push(&block.body);
                    continue;
                }
                _ => continue,
            };
            if candidate.0 < before && found.as_ref().is_none_or(|(at, _)| *at < candidate.0) {
                found = Some(candidate);
            }
        }
    }
    found.map(|(_, source)| source)
}

// ----- consumers -----------------------------------------------------------

/// A function registered for a channel.
struct Handler<'a> {
    function: &'a Function,
    role: HandlerRole,
    channel: Channel,
}

/// Every named function of the file (declarations, methods, functions bound
/// to names), by name, for handlers registered by reference.
fn named_functions(module: &Function) -> HashMap<&str, &Function> {
    let mut functions = HashMap::new();
    let mut pending: Vec<&[Node]> = vec![&module.body];
    while let Some(nodes) = pending.pop() {
        for node in nodes {
            match node {
                Node::Function(function) => {
                    functions.entry(function.name.as_str()).or_insert(function);
                    pending.push(&function.body);
                }
                Node::Block(block) => pending.push(&block.body),
                _ => {}
            }
        }
    }
    functions
}

/// The function a reference names (`handleOrder`, `handlers.handleOrder`,
/// `this.handleOrder`, `Self::handle_order`).
fn lookup<'a>(functions: &HashMap<&str, &'a Function>, reference: &str) -> Option<&'a Function> {
    if let Some(found) = functions.get(reference) {
        return Some(found);
    }
    let last = reference.rsplit('.').next().unwrap_or(reference);
    functions
        .iter()
        .find(|(name, _)| name.rsplit('.').next() == Some(last))
        .map(|(_, f)| *f)
}

fn collect_handlers<'a>(
    file: &SourceFile<'a>,
    nodes: &'a [Node],
    functions: &HashMap<&str, &'a Function>,
    out: &mut Vec<Handler<'a>>,
) {
    for node in nodes {
        match node {
            Node::Call(call) => handlers_of_call(file, call, functions, out),
            Node::Function(function) => {
                decorated_handler(file, function, out);
                collect_handlers(file, &function.body, functions, out);
            }
            Node::Block(block) => collect_handlers(file, &block.body, functions, out),
            Node::Return(ret) => {
                if let Some(value) = &ret.value {
                    handlers_in_value(file, value, functions, out);
                }
            }
            Node::Assign(assign) => handlers_in_value(file, &assign.value, functions, out),
        }
    }
}

fn handlers_in_value<'a>(
    file: &SourceFile<'a>,
    value: &'a Value,
    functions: &HashMap<&str, &'a Function>,
    out: &mut Vec<Handler<'a>>,
) {
    match value {
        Value::Call(call) => handlers_of_call(file, call, functions, out),
        Value::Function(function) => collect_handlers(file, &function.body, functions, out),
        Value::Object(props) => {
            for prop in props {
                handlers_in_value(file, &prop.value, functions, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                handlers_in_value(file, item, functions, out);
            }
        }
        _ => {}
    }
}

fn handlers_of_call<'a>(
    file: &SourceFile<'a>,
    call: &'a Call,
    functions: &HashMap<&str, &'a Function>,
    out: &mut Vec<Handler<'a>>,
) {
    for inner in &call.chain {
        handlers_of_call(file, inner, functions, out);
    }
    let literal = call
        .first_string_arg()
        .or_else(|| call.chain.iter().find_map(|c| c.first_string_arg()));
    if let Some(literal) = literal
        && let Some(role) = file.knowledge.callback_role(call)
    {
        for arg in &call.args {
            match &arg.value {
                Value::Function(function) => {
                    push_handler(out, function, role, literal, &call.method, None);
                }
                Value::Path(reference) => {
                    if let Some(function) = lookup(functions, reference) {
                        push_handler(out, function, role, literal, &call.method, None);
                    }
                }
                // axum: `.route("/orders", post(create_order))`.
                Value::Call(wrapper) => {
                    for inner in &wrapper.args {
                        let target = match &inner.value {
                            Value::Path(reference) => lookup(functions, reference),
                            Value::Function(function) => Some(function.as_ref()),
                            _ => None,
                        };
                        if let Some(function) = target {
                            push_handler(out, function, role, literal, &wrapper.method, None);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    for arg in &call.args {
        handlers_in_value(file, &arg.value, functions, out);
    }
}

fn decorated_handler<'a>(
    file: &SourceFile<'a>,
    function: &'a Function,
    out: &mut Vec<Handler<'a>>,
) {
    for decorator in &function.decorators {
        let Some(role) = file.knowledge.decorator_role(decorator) else {
            continue;
        };
        let Some(literal) = decorator.first_string_arg() else {
            continue;
        };
        // Flask `@app.route("/x", methods=["POST"])`.
        let methods = decorator.option_value("methods").and_then(|v| match v {
            Value::Array(items) => items.iter().find_map(|i| match i {
                Value::String(m) => Some(m.clone()),
                _ => None,
            }),
            _ => None,
        });
        push_handler(out, function, role, literal, &decorator.method, methods);
        return;
    }
}

fn push_handler<'a>(
    out: &mut Vec<Handler<'a>>,
    function: &'a Function,
    role: HandlerRole,
    literal: &str,
    registration: &str,
    methods: Option<String>,
) {
    let channel = match role {
        HandlerRole::Route => {
            let Some(route) = Route::parse(literal) else {
                return;
            };
            let verb = methods
                .unwrap_or_else(|| registration.to_string())
                .to_ascii_uppercase();
            let method = matches!(verb.as_str(), "POST" | "PUT" | "PATCH" | "DELETE" | "GET")
                .then_some(verb);
            Channel::Request { method, route }
        }
        HandlerRole::Consumer | HandlerRole::Job => Channel::Topic(literal.to_string()),
    };
    if out
        .iter()
        .any(|h| std::ptr::eq(h.function, function) && h.channel == channel)
    {
        return;
    }
    out.push(Handler {
        function,
        role,
        channel,
    });
}

/// Functions that no registration in the file names, but whose name says
/// they consume a message (`handle_order_created_event`): consumers of the
/// topic their name spells (see [`Channel::Named`]).
fn named_consumers<'a>(
    file: &SourceFile<'a>,
    functions: &HashMap<&str, &'a Function>,
    out: &mut Vec<Handler<'a>>,
) {
    let mut named: Vec<&&'a Function> = functions.values().collect();
    named.sort_by_key(|f| f.span.start_byte);
    for function in named {
        if out.iter().any(|h| std::ptr::eq(h.function, *function)) {
            continue;
        }
        let Some(role @ (HandlerRole::Consumer | HandlerRole::Job)) =
            file.knowledge.name_role(&function.name)
        else {
            continue;
        };
        let short = function.name.rsplit('.').next().unwrap_or(&function.name);
        out.push(Handler {
            function,
            role,
            channel: Channel::Named {
                words: super::channel::words(short),
            },
        });
    }
}

/// Where the payload is in a handler.
struct PayloadRoots {
    /// The parameter holding it (or the request it is in), if any.
    param: Option<usize>,
    /// Local names bound to paths from the parameter (or request) root.
    locals: HashMap<String, Vec<String>>,
    /// Paths from the root at which the payload sits (`["body"]` of a request).
    prefixes: Vec<Vec<String>>,
    /// A declared payload type.
    type_name: Option<String>,
}

/// Where the payload sits in a handler, by ecosystem and role.
fn payload_roots(
    ecosystem: Ecosystem,
    role: HandlerRole,
    function: &Function,
) -> Option<PayloadRoots> {
    let mut roots = PayloadRoots {
        param: None,
        locals: HashMap::new(),
        prefixes: vec![Vec::new()],
        type_name: None,
    };
    let skip_receiver = |p: &&Param| {
        !matches!(
            p.name.as_str(),
            "self" | "cls" | "&self" | "&mut self" | "mut self"
        )
    };
    match (ecosystem, role) {
        (Ecosystem::Js, HandlerRole::Route) => {
            roots.param = Some(0);
            roots.prefixes = vec![vec!["body".to_string()]];
        }
        (Ecosystem::Js, _) => {
            roots.param = Some(0);
            roots.type_name = function
                .params
                .first()
                .and_then(|p| p.type_annotation.as_deref())
                .and_then(type_name_of);
        }
        (Ecosystem::Python, HandlerRole::Route) => {
            let typed = function.params.iter().enumerate().find(|(_, p)| {
                p.type_annotation
                    .as_deref()
                    .and_then(type_name_of)
                    .is_some()
            });
            match typed {
                Some((index, param)) => {
                    roots.param = Some(index);
                    roots.type_name = param.type_annotation.as_deref().and_then(type_name_of);
                }
                None => {
                    roots.locals.insert("request".to_string(), Vec::new());
                    roots.prefixes = ["json", "data", "form", "POST"]
                        .iter()
                        .map(|p| vec![p.to_string()])
                        .collect();
                }
            }
        }
        (Ecosystem::Python, _) => {
            let position = function.params.iter().position(|p| skip_receiver(&p))?;
            roots.param = Some(position);
            roots.type_name = function.params[position]
                .type_annotation
                .as_deref()
                .and_then(type_name_of);
        }
        (Ecosystem::Rust, _) => {
            let (position, param) = function.params.iter().enumerate().find(|(_, p)| {
                p.type_annotation
                    .as_deref()
                    .is_some_and(|t| type_name_of(t).is_some() || is_untyped_json(t))
            })?;
            roots.param = Some(position);
            roots.type_name = param.type_annotation.as_deref().and_then(type_name_of);
            if let Some(name) = pattern_binding(&param.name) {
                roots.locals.insert(name, Vec::new());
            }
        }
    }
    if let Some(index) = roots.param
        && let Some(param) = function.params.get(index)
        && is_identifier(&param.name)
    {
        roots.locals.insert(param.name.clone(), Vec::new());
    }
    Some(roots)
}

fn is_untyped_json(annotation: &str) -> bool {
    let inner = annotation
        .trim()
        .trim_start_matches("Json<")
        .trim_start_matches("web::Json<")
        .trim_start_matches("axum::Json<")
        .trim_end_matches('>');
    matches!(inner, "Value" | "serde_json::Value" | "JsonValue")
}

/// The name a Rust parameter pattern binds: `body`, `Json(body)`, `mut body`.
fn pattern_binding(pattern: &str) -> Option<String> {
    let mut text = pattern.trim();
    if let Some(open) = text.rfind('(')
        && let Some(close) = text[open..].find(')')
    {
        text = text[open + 1..open + close].trim();
    }
    let text = text.strip_prefix("mut ").unwrap_or(text).trim();
    is_identifier(text).then(|| text.to_string())
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !text.chars().next().is_some_and(|c| c.is_ascii_digit())
}

fn consumer(file: &SourceFile<'_>, handler: &Handler<'_>) -> Option<Consumer> {
    let roots = payload_roots(file.language.ecosystem(), handler.role, handler.function)?;
    Some(consumer_from(
        file,
        handler.function,
        handler.channel.clone(),
        roots,
        0,
    ))
}

/// The consumer of `channel` whose payload sits at `roots` in `function`,
/// reading from byte `from` on.
fn consumer_from(
    file: &SourceFile<'_>,
    function: &Function,
    channel: Channel,
    mut roots: PayloadRoots,
    from: usize,
) -> Consumer {
    let reads: Vec<&FieldRead> = file
        .model
        .reads
        .iter()
        .filter(|r| within(r.span, function.span) && r.span.start_byte >= from)
        .collect();
    // Local aliases: `const { data } = job`, `const data = job.data`,
    // `data = request.get_json()`; twice, so an alias of an alias resolves.
    for _ in 0..2 {
        for read in &reads {
            if let (Some(binding), Some(mut path)) = (&read.binding, resolve(read, &roots)) {
                path.push(read.key.clone());
                roots.locals.entry(binding.clone()).or_insert(path);
            }
        }
        alias_assignments(file, &function.body, &mut roots);
    }
    let mut found = Vec::new();
    for read in &reads {
        let Some(mut path) = resolve(read, &roots) else {
            continue;
        };
        path.push(read.key.clone());
        let Some(relative) = strip_prefix(&path, &roots.prefixes) else {
            continue;
        };
        if relative.is_empty() {
            continue;
        }
        found.push(ReadField {
            path: relative,
            span: read.span,
            text: read_text(read),
        });
    }
    let opaque = opaque_uses(function, &roots);
    Consumer {
        channel,
        path: file.path.to_string(),
        function: function.name.clone(),
        span: function.span,
        reads: found,
        reads_idents: matches!(file.language, Language::Rust | Language::Python)
            && roots.type_name.is_some(),
        type_name: roots.type_name,
        opaque,
    }
}

fn read_text(read: &FieldRead) -> String {
    if read.param.is_some() && read.object.is_empty() {
        return format!("{{ {} }}", read.key);
    }
    let object = if read.object.is_empty() {
        "…"
    } else {
        read.object.as_str()
    };
    match read.kind {
        ReadKind::Member => format!("{object}.{}", read.key),
        ReadKind::Index => format!("{object}[\"{}\"]", read.key),
        ReadKind::Get => format!("{object}.get(\"{}\")", read.key),
        ReadKind::Destructure => format!("{{ {} }} = {object}", read.key),
    }
}

/// The path from the payload root to the object a read reads from.
fn resolve(read: &FieldRead, roots: &PayloadRoots) -> Option<Vec<String>> {
    let segments = read.object.split('.').filter(|s| !s.is_empty());
    if read.param.is_some() {
        return (read.param == roots.param).then(|| segments.map(str::to_string).collect());
    }
    let mut segments = segments;
    let first = segments.next()?;
    let mut path = roots.locals.get(first)?.clone();
    path.extend(segments.map(str::to_string));
    Some(path)
}

fn strip_prefix(path: &[String], prefixes: &[Vec<String>]) -> Option<Vec<String>> {
    prefixes
        .iter()
        .find(|prefix| path.starts_with(prefix))
        .map(|prefix| path[prefix.len()..].to_vec())
}

/// Record `x = <payload path>` assignments and `x = <request>.json()`-style
/// calls as aliases.
fn alias_assignments(file: &SourceFile<'_>, nodes: &[Node], roots: &mut PayloadRoots) {
    let mut pending: Vec<&[Node]> = vec![nodes];
    while let Some(nodes) = pending.pop() {
        for node in nodes {
            match node {
                Node::Block(block) => pending.push(&block.body),
                Node::Assign(assign) if is_identifier(&assign.target) => {
                    let text = file.text(assign.span);
                    let value = text.split_once('=').map_or("", |(_, v)| v);
                    if let Some(path) = access_path(value, roots) {
                        roots.locals.entry(assign.target.clone()).or_insert(path);
                    }
                }
                Node::Call(call) => {
                    let Some(target) = call.bound_to.as_deref().filter(|t| is_identifier(t)) else {
                        continue;
                    };
                    if let Some(path) = parsed_body(call, roots) {
                        roots.locals.entry(target.to_string()).or_insert(path);
                    }
                }
                _ => {}
            }
        }
    }
}

/// `req.json()`, `request.get_json()`, `json.loads(request.body)`,
/// `JSON.parse(req.body)`: the parsed body, at the first payload prefix.
fn parsed_body(call: &Call, roots: &PayloadRoots) -> Option<Vec<String>> {
    let body = roots.prefixes.first()?.clone();
    if matches!(call.method.as_str(), "json" | "get_json")
        && let Some(receiver) = call.receiver.as_deref()
        && roots.locals.get(receiver).is_some_and(Vec::is_empty)
    {
        return Some(body);
    }
    if matches!(call.callee.as_str(), "json.loads" | "JSON.parse")
        && let Some(Value::Path(argument)) = call.args.first().map(|a| &a.value)
    {
        let (root, _) = argument.split_once('.')?;
        if roots.locals.get(root).is_some_and(Vec::is_empty) {
            return Some(body);
        }
    }
    None
}

/// The path of a simple access expression (`event.data`, `event["data"]`,
/// `event.get("data")`, `&event.data`) from the payload root.
fn access_path(text: &str, roots: &PayloadRoots) -> Option<Vec<String>> {
    let text = text.trim().trim_end_matches(';').trim();
    let text = text
        .trim_start_matches('&')
        .trim_start_matches("await ")
        .trim();
    let name_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    let mut path = roots.locals.get(&text[..name_end])?.clone();
    let mut rest = &text[name_end..];
    while !rest.is_empty() {
        if let Some(after) = rest
            .strip_prefix(".get(")
            .or_else(|| rest.strip_prefix("["))
        {
            let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            let inner = &after[1..];
            let end = inner.find(quote)?;
            path.push(inner[..end].to_string());
            let close = inner[end + 1..].find([')', ']'])?;
            rest = &inner[end + 1 + close + 1..];
        } else if let Some(after) = rest.strip_prefix('.').or_else(|| rest.strip_prefix("?.")) {
            let end = after
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if end == 0 || after[end..].starts_with('(') {
                return None;
            }
            path.push(after[..end].to_string());
            rest = &after[end..];
        } else {
            return None;
        }
    }
    Some(path)
}

/// Calls that receive the whole payload (their reads are not seen); logging
/// is not counted.
fn opaque_uses(function: &Function, roots: &PayloadRoots) -> Vec<(Span, String)> {
    let mut uses = Vec::new();
    function.for_each_call(&mut |call| {
        let logs = call.receiver.as_deref().is_some_and(|r| {
            let root = r.split('.').next().unwrap_or(r);
            matches!(
                root,
                "console" | "logger" | "log" | "logging" | "tracing" | "LOG" | "LOGGER"
            )
        }) || matches!(
            call.callee.as_str(),
            "print" | "println" | "eprintln" | "dbg" | "info" | "debug" | "warn" | "error"
        );
        if logs {
            return;
        }
        let passes_payload = call.args.iter().any(|arg| match &arg.value {
            Value::Path(path) => {
                let path = path.trim_start_matches('&');
                roots
                    .locals
                    .get(path)
                    .is_some_and(|p| roots.prefixes.contains(p))
            }
            _ => false,
        });
        if passes_payload {
            uses.push((call.span, call.callee.clone()));
        }
    });
    uses
}

// ----- clients -------------------------------------------------------------

/// How an HTTP client call gives back the response body.
#[derive(Clone, Copy)]
enum ResponseBody {
    /// `res.json()` parses it (`fetch`, `requests`, `httpx`, `ky`, `got`).
    Parsed,
    /// It is under `.data` (`axios`).
    Data,
    /// The call returns the body itself (`$fetch`, `ofetch`).
    Direct,
}

/// Whether a call requests a route, and how its response body is reached.
/// Convention per library: the knowledge packs name HTTP writes, not reads.
fn client_call(call: &Call) -> Option<ResponseBody> {
    let verb = matches!(
        call.method.as_str(),
        "get" | "post" | "put" | "patch" | "delete" | "request"
    );
    let receiver = call.receiver.as_deref().unwrap_or("");
    let root = receiver.split('.').next().unwrap_or(receiver);
    match call.callee.as_str() {
        "fetch" | "window.fetch" | "globalThis.fetch" | "ky" | "got" => Some(ResponseBody::Parsed),
        "$fetch" | "ofetch" => Some(ResponseBody::Direct),
        "axios" => Some(ResponseBody::Data),
        _ if verb && matches!(root, "axios" | "api" | "apiClient" | "http" | "$http") => {
            Some(ResponseBody::Data)
        }
        _ if verb
            && matches!(
                root,
                "requests" | "httpx" | "ky" | "got" | "session" | "client"
            ) =>
        {
            Some(ResponseBody::Parsed)
        }
        _ => None,
    }
}

/// Client code that requests a literal route and reads the response body:
/// consumers of the route's response.
fn client_consumers(file: &SourceFile<'_>, out: &mut Vec<Consumer>) {
    let module = &file.model.module;
    let mut found: Vec<(Channel, &Function, PayloadRoots, usize)> = Vec::new();
    walk_calls(&module.body, module, "", &mut |call, enclosing, _| {
        // `const data = await (await fetch(url)).json()`: the outer call is
        // bound to the body; otherwise the client call is bound to the response.
        let (client, bound, body) = match call.chain.iter().find_map(|c| Some((c, client_call(c)?)))
        {
            Some((inner, ResponseBody::Parsed)) if matches!(call.method.as_str(), "json") => {
                (inner, call.bound_to.as_deref(), ResponseBody::Direct)
            }
            _ => match client_call(call) {
                Some(body) => (call, call.bound_to.as_deref(), body),
                None => return,
            },
        };
        let Some(bound) = bound.filter(|b| is_identifier(b)) else {
            return;
        };
        let Some(route) = client
            .first_string_arg()
            .or_else(|| client.chain.iter().find_map(|c| c.first_string_arg()))
            .and_then(Route::parse)
        else {
            return;
        };
        let prefix: Vec<String> = match body {
            ResponseBody::Parsed => vec!["<body>".to_string()],
            ResponseBody::Data => vec!["data".to_string()],
            ResponseBody::Direct => Vec::new(),
        };
        let mut locals = HashMap::new();
        locals.insert(bound.to_string(), Vec::new());
        let roots = PayloadRoots {
            param: None,
            locals,
            prefixes: vec![prefix],
            type_name: None,
        };
        found.push((
            Channel::Response { route },
            enclosing,
            roots,
            call.span.start_byte,
        ));
    });
    for (channel, function, roots, from) in found {
        let consumer = consumer_from(file, function, channel, roots, from);
        if !consumer.reads.is_empty() || !consumer.opaque.is_empty() {
            out.push(consumer);
        }
    }
}

// ----- responses -----------------------------------------------------------

/// `res.json({…})`, `JsonResponse({…})`, `return {…}` (Python), `Json(…)`
/// (Rust) inside a route handler: producers of the route's response.
fn response_producers(
    file: &SourceFile<'_>,
    handler: &Handler<'_>,
    route: &Route,
    out: &mut Vec<Producer>,
) {
    let function = handler.function;
    let response_param = function.params.get(1).map(|p| p.name.as_str());
    let mut sends: Vec<(&Call, &Value)> = Vec::new();
    function.for_each_call(&mut |call| {
        let Some(first) = call.args.first() else {
            return;
        };
        let receiver_root = call
            .receiver
            .as_deref()
            .map(|r| r.split('.').next().unwrap_or(r));
        let is_response = match file.language.ecosystem() {
            Ecosystem::Js => {
                matches!(call.method.as_str(), "json" | "send")
                    && (receiver_root.is_some_and(|r| Some(r) == response_param || r == "reply")
                        || matches!(call.receiver.as_deref(), Some("NextResponse" | "Response")))
            }
            Ecosystem::Python => matches!(
                call.method.as_str(),
                "JsonResponse" | "jsonify" | "Response" | "JSONResponse"
            ),
            Ecosystem::Rust => {
                call.method == "Json"
                    || (call.method == "json"
                        && call
                            .receiver
                            .as_deref()
                            .is_some_and(|r| r.contains("HttpResponse")))
            }
        };
        if is_response
            && matches!(
                first.value,
                Value::Object(_) | Value::Path(_) | Value::Call(_) | Value::Other
            )
        {
            sends.push((call, &first.value));
        }
    });
    for (call, value) in sends {
        let mut payload = Payload::default();
        describe_payload(file, function, call.span.start_byte, value, &mut payload);
        out.push(Producer {
            channel: Channel::Response {
                route: route.clone(),
            },
            path: file.path.to_string(),
            function: function.name.clone(),
            span: call.span,
            text: call.text.clone(),
            payload,
        });
    }
    if file.language == Language::Python {
        for node in &function.body {
            if let Node::Return(ret) = node
                && let Some(value @ Value::Object(_)) = &ret.value
            {
                let mut payload = Payload::default();
                describe_payload(file, function, ret.span.start_byte, value, &mut payload);
                out.push(Producer {
                    channel: Channel::Response {
                        route: route.clone(),
                    },
                    path: file.path.to_string(),
                    function: function.name.clone(),
                    span: ret.span,
                    text: ret.value_text.clone(),
                    payload,
                });
            }
        }
    }
}
