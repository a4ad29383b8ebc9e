//! Options built in a variable: `const init = { method: 'POST', .. };
//! fetch(url, init)` or `headers = {..}; requests.post(url, headers=headers)`.
//! An argument that names a variable bound once, in the same function or an
//! enclosing one, to an object / dict literal (and never reassigned or
//! mutated through a member or a method) carries that literal
//! ([`crate::model::Argument::bound_literal`]), so that the rules read its
//! options (`method`, an idempotency key) as if written inline. The argument
//! itself stays the variable (its type still names the payload's contract).

use crate::model::{Call, FileModel, Function, Node, Value};
use std::collections::HashMap;

/// How many nested functions deep the bindings are followed.
const MAX_DEPTH: usize = 64;

/// Inline the object literals that arguments name through a variable.
pub fn inline_object_arguments(model: &mut FileModel) {
    let scope = HashMap::new();
    in_function(&mut model.module, &scope, 0);
}

fn in_function(function: &mut Function, outer: &HashMap<String, Value>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let mut bindings: HashMap<String, (usize, Option<Value>)> = HashMap::new();
    collect(&function.body, &mut bindings);
    if bindings.is_empty() {
        in_nodes(&mut function.body, outer, depth);
        return;
    }
    let scope = bound_once(outer, bindings);
    in_nodes(&mut function.body, &scope, depth);
}

/// The names in scope inside a function: the outer scope's, with the names
/// the function binds exactly once (with what they are bound to) added, and
/// the names it binds otherwise (more than once, or to something else)
/// taken out, since the outer binding no longer holds there.
pub(super) fn bound_once<V: Clone>(
    outer: &HashMap<String, V>,
    bindings: HashMap<String, (usize, Option<V>)>,
) -> HashMap<String, V> {
    let mut scope = outer.clone();
    for (name, (count, value)) in bindings {
        match value {
            Some(value) if count == 1 => {
                scope.insert(name, value);
            }
            _ => {
                scope.remove(&name);
            }
        }
    }
    scope
}

/// Every name bound in `nodes` (not in nested functions): how often, and the
/// literal when it is an object literal.
fn collect(nodes: &[Node], out: &mut HashMap<String, (usize, Option<Value>)>) {
    for node in nodes {
        match node {
            Node::Assign(assign) => {
                let root = root_name(&assign.target);
                let entry = out.entry(root.to_string()).or_insert((0, None));
                entry.0 += 1;
                let plain = root == assign.target.trim();
                entry.1 = match (&assign.value, plain) {
                    (Value::Object(_), true) => Some(assign.value.clone()),
                    _ => None,
                };
                if !plain {
                    // `init.method = ..` mutates it: never inlined.
                    entry.0 += 1;
                }
            }
            Node::Call(call) => {
                if let Some(bound) = &call.bound_to {
                    let entry = out.entry(bound.clone()).or_insert((0, None));
                    entry.0 += 1;
                    entry.1 = None;
                }
                // `headers.update(..)`, `init.headers.set(..)`: mutated
                // through a method, never inlined.
                for link in call.chain.iter().chain(std::iter::once(call)) {
                    if let Some(receiver) = &link.receiver {
                        let entry = out
                            .entry(root_name(receiver).to_string())
                            .or_insert((0, None));
                        entry.0 += 2;
                    }
                }
            }
            Node::Block(block) => collect(&block.body, out),
            _ => {}
        }
    }
}

/// `headers` for `headers`, `headers.x`, `headers['x']`, `this.x` → `this`.
fn root_name(target: &str) -> &str {
    target
        .split(['.', '[', '('])
        .next()
        .unwrap_or(target)
        .trim()
}

fn in_nodes(nodes: &mut [Node], scope: &HashMap<String, Value>, depth: usize) {
    for node in nodes {
        match node {
            Node::Call(call) => in_call(call, scope, depth),
            Node::Block(block) => in_nodes(&mut block.body, scope, depth),
            Node::Function(function) => in_function(function, scope, depth + 1),
            Node::Return(ret) => {
                if let Some(value) = &mut ret.value {
                    in_value(value, scope, depth);
                }
            }
            Node::Assign(assign) => in_value(&mut assign.value, scope, depth),
        }
    }
}

/// Calls and functions nested in a value (`return fetch(url, init)`).
fn in_value(value: &mut Value, scope: &HashMap<String, Value>, depth: usize) {
    match value {
        Value::Call(call) => in_call(call, scope, depth),
        Value::Function(function) => in_function(function, scope, depth + 1),
        _ => {}
    }
}

fn in_call(call: &mut Call, scope: &HashMap<String, Value>, depth: usize) {
    for link in &mut call.chain {
        in_call(link, scope, depth);
    }
    for arg in &mut call.args {
        match &mut arg.value {
            Value::Path(name) if !scope.is_empty() => {
                if let Some(literal) = scope.get(name.as_str()) {
                    arg.bound_literal = Some(literal.clone());
                }
            }
            other => in_value(other, scope, depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Language, Node, Value};

    fn option_keys(language: Language, source: &str, callee: &str) -> Vec<String> {
        let model = crate::lang::parse(language, source);
        let mut keys = Vec::new();
        model.module.for_each_call(&mut |call| {
            if call.callee == callee {
                for arg in &call.args {
                    if let Some(Value::Object(props)) = &arg.bound_literal {
                        keys.extend(props.iter().map(|p| p.key.clone()));
                    }
                }
            }
        });
        keys
    }

    #[test]
    fn fetch_options_built_in_a_variable_are_read_as_written_inline() {
        let source = "async function push(lead) {\n  const init = { method: 'POST', body: JSON.stringify(lead) };\n  return fetch('https://crm.example.com/leads', init);\n}\n";
        assert_eq!(
            option_keys(Language::JavaScript, source, "fetch"),
            vec!["method", "body"]
        );
    }

    #[test]
    fn python_headers_dict_in_a_variable_is_inlined_in_a_closure_too() {
        let source = "def push(lead):\n    headers = {\"Idempotency-Key\": lead.key}\n    def send():\n        return requests.post(URL, json=lead, headers=headers)\n    return send()\n";
        assert_eq!(
            option_keys(Language::Python, source, "requests.post"),
            vec!["Idempotency-Key"]
        );
    }

    #[test]
    fn a_rebound_or_mutated_variable_is_not_inlined() {
        let rebound = "async function push(lead, retry) {\n  let init = { method: 'GET' };\n  if (retry) { init = { method: 'POST' }; }\n  return fetch(URL, init);\n}\n";
        assert!(option_keys(Language::JavaScript, rebound, "fetch").is_empty());
        let mutated = "async function push(lead) {\n  const init = { body: 'x' };\n  init.method = 'POST';\n  return fetch(URL, init);\n}\n";
        assert!(option_keys(Language::JavaScript, mutated, "fetch").is_empty());
        let model = crate::lang::parse(Language::JavaScript, mutated);
        assert!(matches!(model.module.body.first(), Some(Node::Function(_))));
    }
}
