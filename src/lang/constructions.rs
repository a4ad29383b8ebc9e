//! Receivers bound to a library's construction: `with httpx.Client() as
//! client: client.post(..)`, `session = requests.Session()`, `let client =
//! reqwest::Client::new()`. The call names a local variable; what it is a
//! method of is the construction the variable is bound to. Each call on such
//! a receiver carries that construction
//! ([`crate::model::Call::constructed_receiver`]), so that the packs can
//! recognise a client by where it comes from (`httpx.Client().post`), not by
//! what the variable happens to be called.
//!
//! A construction is a call through a module path to a capitalised name
//! (`httpx.Client(..)`, `aiohttp.ClientSession()`), to a type's `new`
//! (`reqwest::Client::new()`), or `new` of a class of a namespace named in
//! capitals (`new AWS.SQS()`): a bare `ApiClient()` is most often the
//! project's own class, which the summaries see through instead. The
//! variable must be bound once in its function (or an enclosing one), and
//! never rebound there.

use crate::model::{Call, FileModel, Function, Node, Value};
use std::collections::HashMap;

/// How many nested functions deep bindings are followed.
const MAX_DEPTH: usize = 64;

/// Note, on every call whose receiver is bound to a library construction,
/// which construction it is.
pub fn note_constructed_receivers(model: &mut FileModel) {
    in_function(&mut model.module, &HashMap::new(), 0);
}

fn in_function(function: &mut Function, outer: &HashMap<String, String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut bound: HashMap<String, (usize, Option<String>)> = HashMap::new();
    collect(&function.body, &mut bound);
    let scope = super::bindings::bound_once(outer, bound);
    in_nodes(&mut function.body, &scope, depth);
}

/// Every name bound in `nodes` (not in nested functions): how often, and
/// the construction when it is bound to one.
fn collect(nodes: &[Node], out: &mut HashMap<String, (usize, Option<String>)>) {
    for node in nodes {
        match node {
            Node::Assign(assign) => {
                out.entry(assign.target.trim().to_string()).or_default().0 += 1;
            }
            Node::Call(call) => note_binding(call, out),
            Node::Block(block) => {
                if let crate::model::BlockKind::With { items, .. } = &block.kind {
                    for item in items {
                        note_binding(item, out);
                    }
                }
                collect(&block.body, out);
            }
            _ => {}
        }
    }
}

fn note_binding(call: &Call, out: &mut HashMap<String, (usize, Option<String>)>) {
    if let Some(name) = &call.bound_to {
        let entry = out.entry(name.clone()).or_default();
        entry.0 += 1;
        entry.1 = construction(call);
    }
}

/// The construction `call` is, when it is one (see the module's
/// documentation).
fn construction(call: &Call) -> Option<String> {
    if !call.chain.is_empty() {
        return None;
    }
    let segments: Vec<&str> = call.callee.split('.').collect();
    let capitalised = |segment: &str| segment.starts_with(|c: char| c.is_ascii_uppercase());
    let module_path = segments.len() >= 2
        && segments[0].starts_with(|c: char| c.is_ascii_lowercase())
        && !matches!(segments[0], "self" | "this");
    let of_type = match segments.as_slice() {
        [.., class] => module_path && capitalised(class),
        _ => false,
    };
    let new_of_type = matches!(segments.as_slice(), [.., class, "new"] if capitalised(class));
    // `new AWS.SQS()`: a class of a library's namespace object, which is
    // named in capitals (a project's own classes are most often bare).
    let of_namespace = call.is_new
        && matches!(segments.as_slice(), [namespace, class]
            if namespace.len() > 1
                && namespace.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && capitalised(class));
    (of_type || new_of_type || of_namespace).then(|| call.callee.clone())
}

fn in_nodes(nodes: &mut [Node], scope: &HashMap<String, String>, depth: usize) {
    for node in nodes {
        match node {
            Node::Call(call) => in_call(call, scope, depth),
            Node::Block(block) => {
                if let crate::model::BlockKind::With { items, .. } = &mut block.kind {
                    for item in items {
                        in_call(item, scope, depth);
                    }
                }
                in_nodes(&mut block.body, scope, depth);
            }
            Node::Function(function) => in_function(function, scope, depth + 1),
            Node::Return(ret) => {
                if let Some(Value::Call(call)) = &mut ret.value {
                    in_call(call, scope, depth);
                }
            }
            Node::Assign(_) => {}
        }
    }
}

fn in_call(call: &mut Call, scope: &HashMap<String, String>, depth: usize) {
    for link in &mut call.chain {
        in_call(link, scope, depth);
    }
    for arg in &mut call.args {
        match &mut arg.value {
            Value::Call(inner) => in_call(inner, scope, depth),
            Value::Function(function) => in_function(function, scope, depth + 1),
            _ => {}
        }
    }
    if scope.is_empty() || call.receiver.is_none() {
        return;
    }
    let root = call.callee.split(['.', '(']).next().unwrap_or_default();
    if let Some(construction) = scope.get(root) {
        call.constructed_receiver = Some(construction.clone());
    }
}
