//! Producers: message publishes and HTTP writes to a literal topic or route,
//! and the payload each sends (object literals through locals, serialisation
//! wrappers and named types).

use super::*;
use crate::contract::channel::{Channel, Route};
use crate::contract::wire::{self};
use crate::knowledge::SinkKind;
use crate::model::{Call, Function, Language, Node, Span, Value};

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

pub(super) fn message_and_request_producers(file: &SourceFile<'_>, out: &mut Vec<Producer>) {
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
pub(super) fn walk_calls<'a>(
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
pub(super) fn describe_payload(
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

pub(super) fn within(inner: Span, outer: Span) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::testing::{endpoints_of, producers};
    use super::type_name_of;
    use crate::contract::wire::WireKind;

    fn pair(channel: &str, keys: &[&str]) -> (String, Vec<String>) {
        (
            channel.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
        )
    }

    #[test]
    fn a_publish_sends_its_object_literal_on_its_literal_topic() {
        let found = endpoints_of(
            "orders.js",
            "await eventBus.publish('order.created', { orderId: order.id, total: order.total.toFixed(2), customer: { email } });\n",
        );
        assert_eq!(
            producers(&found),
            [pair(
                "`order.created`",
                &["orderId", "total", "customer", "customer.email"]
            )]
        );
        let total = &found.producers[0].payload.fields[1];
        assert_eq!(total.kind, Some(WireKind::String));
        assert_eq!(total.conversion_of.as_deref(), Some("order.total"));
    }

    #[test]
    fn an_http_write_sends_the_local_it_serialises() {
        let found = endpoints_of(
            "client.js",
            "const body = { orderId: id };\nawait fetch('/api/orders', { method: 'POST', body: JSON.stringify(body) });\n",
        );
        assert_eq!(
            producers(&found),
            [pair("the body of `POST /api/orders`", &["orderId"])]
        );
    }

    #[test]
    fn a_constructed_payload_is_its_type_with_source_names() {
        let found = endpoints_of(
            "orders.py",
            "def send(order):\n    producer.send('order.created', OrderCreated(order_id=order.id))\n",
        );
        let payload = &found.producers[0].payload;
        assert_eq!(payload.type_name.as_deref(), Some("OrderCreated"));
        assert!(payload.keys_are_idents);
        assert_eq!(producers(&found), [pair("`order.created`", &["order_id"])]);
    }

    #[test]
    fn a_conditional_spread_leaves_the_payload_open() {
        let found = endpoints_of(
            "receipts.js",
            "await queue.add('send-receipt', { orderId, ...(coupon && { coupon }) });\n",
        );
        let payload = &found.producers[0].payload;
        assert!(payload.open);
        assert!(payload.spread_text.contains("coupon"));
        assert_eq!(producers(&found), [pair("`send-receipt`", &["orderId"])]);
    }

    #[test]
    fn a_log_line_with_a_topic_like_string_is_not_a_producer() {
        let found = endpoints_of("log.js", "logger.info('order.created', { orderId });\n");
        assert!(found.producers.is_empty());
    }

    #[test]
    fn a_payload_type_is_read_through_extractors_and_optionals() {
        for (annotation, name) in [
            ("OrderCreated", Some("OrderCreated")),
            ("Json<OrderCreated>", Some("OrderCreated")),
            ("web::Json<OrderCreated>", Some("OrderCreated")),
            ("Optional[OrderCreated]", Some("OrderCreated")),
        ] {
            assert_eq!(type_name_of(annotation).as_deref(), name, "{annotation}");
        }
    }
}
