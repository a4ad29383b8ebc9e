//! Consumers: functions registered for a channel (message consumers, jobs,
//! route handlers), where their payload sits by ecosystem and role, and the
//! fields they read from it.

use super::producers::within;
use super::*;
use crate::contract::channel::{Channel, Route};
use crate::knowledge::HandlerRole;
use crate::model::{
    Call, Ecosystem, FieldRead, Function, Language, Node, Param, ReadKind, Span, Value,
};
use std::collections::HashMap;

/// A function registered for a channel.
pub(super) struct Handler<'a> {
    pub(super) function: &'a Function,
    pub(super) role: HandlerRole,
    pub(super) channel: Channel,
}

/// Every named function of the file (declarations, methods, functions bound
/// to names), by name, for handlers registered by reference.
pub(super) fn named_functions(module: &Function) -> HashMap<&str, &Function> {
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

pub(super) fn collect_handlers<'a>(
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
pub(super) fn named_consumers<'a>(
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
                words: crate::contract::channel::words(short),
            },
        });
    }
}

/// Where the payload is in a handler.
pub(super) struct PayloadRoots {
    /// The parameter holding it (or the request it is in), if any.
    pub(super) param: Option<usize>,
    /// Local names bound to paths from the parameter (or request) root.
    pub(super) locals: HashMap<String, Vec<String>>,
    /// Paths from the root at which the payload sits (`["body"]` of a request).
    pub(super) prefixes: Vec<Vec<String>>,
    /// A declared payload type.
    pub(super) type_name: Option<String>,
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

pub(super) fn is_identifier(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !text.chars().next().is_some_and(|c| c.is_ascii_digit())
}

pub(super) fn consumer(file: &SourceFile<'_>, handler: &Handler<'_>) -> Option<Consumer> {
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
pub(super) fn consumer_from(
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

#[cfg(test)]
mod tests {
    use super::super::testing::{consumers, endpoints_of};

    fn pair(channel: &str, keys: &[&str]) -> (String, Vec<String>) {
        (
            channel.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
        )
    }

    #[test]
    fn a_consumer_reads_through_aliases_and_subscripts() {
        let found = endpoints_of(
            "worker.js",
            "worker.on('order.created', async (event) => {\n  const data = event.data;\n  fulfil(event.orderId, data.items, event['total']);\n});\n",
        );
        assert_eq!(
            consumers(&found),
            [pair(
                "`order.created`",
                &["data", "orderId", "data.items", "total"]
            )]
        );
    }

    #[test]
    fn a_handler_registered_by_name_reads_its_destructured_parameter() {
        let found = endpoints_of(
            "worker.js",
            "async function handleOrder({ orderId, total }) {\n  await ship(orderId, total);\n}\nbus.subscribe('order.created', handleOrder);\n",
        );
        assert_eq!(
            consumers(&found),
            [pair("`order.created`", &["orderId", "total"])]
        );
        assert_eq!(found.consumers[0].function, "handleOrder");
    }

    #[test]
    fn an_express_handler_reads_the_request_body() {
        let found = endpoints_of(
            "routes.js",
            "app.post('/orders', (req, res) => {\n  create(req.body.email, req.query.page);\n});\n",
        );
        assert_eq!(
            consumers(&found),
            [pair("the body of `POST /orders`", &["email"])]
        );
    }

    #[test]
    fn a_flask_route_reads_its_parsed_json_body() {
        let found = endpoints_of(
            "routes.py",
            "@app.route('/orders', methods=['POST'])\ndef create_order():\n    body = request.get_json()\n    save(body['email'], body.get('plan'))\n",
        );
        assert_eq!(
            consumers(&found),
            [pair("the body of `POST /orders`", &["email", "plan"])]
        );
    }

    #[test]
    fn a_function_named_for_an_event_consumes_the_topic_its_name_spells() {
        let found = endpoints_of(
            "handlers.py",
            "def handle_order_created_event(event):\n    ship(event['order_id'])\n",
        );
        assert_eq!(
            consumers(&found),
            [pair(
                "the topic named in `handle_order_created_event`",
                &["order_id"]
            )]
        );
    }

    #[test]
    fn a_payload_handed_on_whole_is_an_opaque_use() {
        let found = endpoints_of(
            "worker.js",
            "worker.on('order.created', async (event) => {\n  await audit.record(event);\n});\n",
        );
        let consumer = &found.consumers[0];
        assert!(consumer.reads.is_empty());
        assert_eq!(
            consumer
                .opaque
                .iter()
                .map(|(_, callee)| callee.as_str())
                .collect::<Vec<_>>(),
            ["audit.record"]
        );
    }
}
