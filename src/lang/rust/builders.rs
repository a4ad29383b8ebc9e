//! Requests built in a variable: `let mut rb = client.request(method, url);
//! rb = rb.header(..); rb.body(body).send().await`.
//!
//! A Rust HTTP request is a builder. When it is held in a variable, the call
//! that sends it names the variable (`rb.body().send`), not the client and
//! the method it was started with, so neither the packs' sinks
//! (`**.request().**.send`, `**.post().**.send`) nor the method it sends
//! match. This pass, run on the model of a Rust file, rewrites such a
//! `send` call as if the builder were written inline: its callee, receiver
//! and chain start with the call that started the request, and the
//! reassignments that extended it (`rb = rb.header(..)`) on the way.
//!
//! A method taken from a variable (`client.request(method, url)` after `let
//! method = Method::from_str(..).unwrap_or(Method::POST)`) carries the
//! method constant the variable's call falls back to
//! ([`crate::model::Argument::bound_literal`]), so the request reads as the
//! write it is by default.

use crate::model::{Call, Function, Node, Value};
use std::collections::HashMap;

/// How many nested functions deep builders are followed.
const MAX_DEPTH: usize = 64;

/// The methods that start a request builder on a client.
const STARTS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "request"];

/// The method that sends a built request.
const SEND: &str = "send";

/// What a function knows about its variables on the way down.
#[derive(Clone, Default)]
struct Scope {
    /// Request builders by variable, as the call chain that built them.
    builders: HashMap<String, Call>,
    /// Method constants a variable falls back to (`Method.POST`).
    methods: HashMap<String, String>,
}

/// Rewrite the `send` calls of requests built in a variable.
pub fn inline_request_builders(module: &mut Function) {
    in_nodes(&mut module.body, &mut Scope::default(), 0);
}

fn in_nodes(nodes: &mut [Node], scope: &mut Scope, depth: usize) {
    for node in nodes {
        match node {
            Node::Call(call) => in_call(call, scope, depth),
            Node::Block(block) => in_nodes(&mut block.body, scope, depth),
            Node::Function(function) if depth < MAX_DEPTH => {
                in_nodes(&mut function.body, &mut scope.clone(), depth + 1);
            }
            Node::Assign(assign) => {
                scope.builders.remove(assign.target.trim());
                scope.methods.remove(assign.target.trim());
            }
            _ => {}
        }
    }
}

fn in_call(call: &mut Call, scope: &mut Scope, depth: usize) {
    for arg in &mut call.args {
        if let Value::Function(function) = &mut arg.value
            && depth < MAX_DEPTH
        {
            in_nodes(&mut function.body, &mut scope.clone(), depth + 1);
        }
    }
    let root = root_of(&call.callee).to_string();
    let built_on = scope.builders.get(&root).cloned();
    if let Some(base) = &built_on
        && call.method == SEND
    {
        rebase(call, &root, base);
    }
    let Some(name) = call.bound_to.clone() else {
        return;
    };
    scope.builders.remove(&name);
    scope.methods.remove(&name);
    if starts_request(call) {
        let mut start = call.clone();
        carry_method(&mut start, &scope.methods);
        scope.builders.insert(name, start);
    } else if let Some(base) = built_on
        && root == name
        && call.method != SEND
    {
        // `rb = rb.header(..)`: the builder, extended.
        let mut extended = call.clone();
        rebase(&mut extended, &root, &base);
        scope.builders.insert(name, extended);
    } else if let Some(method) = fallback_method(call) {
        scope.methods.insert(name, method);
    }
}

/// Whether the chain of `call` starts a request on a client
/// (`client.post(url)`, `client.post(url).header(..)`) and does not send it.
fn starts_request(call: &Call) -> bool {
    call.method != SEND
        && call
            .chain
            .iter()
            .chain(std::iter::once(call))
            .any(|link| STARTS.contains(&link.method.as_str()) && link.receiver.is_some())
}

/// Make `call` (whose callee starts with the variable `root`) read as if the
/// builder `base` were written in place of the variable.
fn rebase(call: &mut Call, root: &str, base: &Call) {
    let inline = format!("{}()", base.callee);
    let replace = |path: &str| match path.strip_prefix(root) {
        Some(rest) if rest.is_empty() || rest.starts_with('.') => format!("{inline}{rest}"),
        _ => path.to_string(),
    };
    call.callee = replace(&call.callee);
    call.receiver = call.receiver.as_deref().map(replace);
    for link in &mut call.chain {
        link.callee = replace(&link.callee);
        link.receiver = link.receiver.as_deref().map(replace);
    }
    let mut start = base.clone();
    start.bound_to = None;
    let mut chain = std::mem::take(&mut start.chain);
    chain.push(start);
    chain.append(&mut call.chain);
    call.chain = chain;
}

/// `client.request(method, url)` with `method` bound to a call that falls
/// back to a method constant: the argument carries that constant.
fn carry_method(start: &mut Call, methods: &HashMap<String, String>) {
    let Some(first) = start.args.first_mut() else {
        return;
    };
    if let Value::Path(name) = &first.value
        && first.bound_literal.is_none()
        && let Some(method) = methods.get(name.as_str())
    {
        first.bound_literal = Some(Value::Path(method.clone()));
    }
}

/// The method constant a call falls back to (`Method::from_str(..)
/// .unwrap_or(Method::POST)` → `Method.POST`), when it is one.
fn fallback_method(call: &Call) -> Option<String> {
    if !call.method.starts_with("unwrap_or") {
        return None;
    }
    call.args.iter().find_map(|arg| match &arg.value {
        Value::Path(path) if arg.http_method().is_some() => Some(path.clone()),
        _ => None,
    })
}

/// `rb` for `rb.body().send`.
fn root_of(callee: &str) -> &str {
    callee.split(['.', '(']).next().unwrap_or(callee)
}
