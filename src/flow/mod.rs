//! The flow layer: what the model means for workflows, decided once and read
//! by the rules, the gate and the checklist alike.
//!
//! Each module decides one kind of fact: [`scope`] the transaction, deferral,
//! handler and retry context of every call; [`retry`] and [`retried`] what is
//! retried and how; [`keys`] where idempotency keys come from; [`outcome`] what
//! happens when a downstream call fails; [`guard`] which writes a fresh read
//! of the remote state guards; [`raised`] which failures only the
//! project raises; [`repeated`] which side effects act
//! again when repeated; [`derived`] what the project's own
//! helpers do (summaries that extend the packs); [`writes`] whether a
//! transaction visibly writes on the path to a call; [`telemetry`] which
//! effects only count (analytics, metrics, heartbeats); [`describe`] how a
//! call is named in messages.

pub mod derived;
pub mod describe;
pub mod guard;
pub mod imports;
pub mod keys;
pub mod outcome;
pub mod raised;
pub mod repeated;
pub mod retried;
pub mod retry;
pub mod rpc;
pub mod scope;
pub mod telemetry;
pub mod writes;

pub use describe::{callee_name, destination, payload_keys, shorten, test_assertion, what_is_sent};
pub use retried::RetryFacts;
pub use retry::{RetryKind, RetryScope, file_retry_options, wrapper_label};
pub use scope::{CallSite, ScopeStyle, ScopeWalker, TransactionScope, TryContext, WalkState};

use crate::model::{Call, FileModel, Function, Node, Span, Value};

/// Whether `callee`, a bare name (`request(..)`), is a parameter of one of
/// `functions` (a callback's or a helper's, destructured ones included): the
/// caller hands that function in (a framework's request client, an injected
/// sender), so it is not the library a pack names so.
pub fn names_a_parameter(functions: &[&Function], callee: &str) -> bool {
    !callee.contains('.')
        && functions.iter().any(|function| {
            function.params.iter().any(|param| {
                param.name == callee || param.destructured.iter().any(|name| name == callee)
            })
        })
}

/// Whether a function of `model` takes a parameter `name` with a type
/// annotation (`constructor(private producer: Producer)`): the type says
/// what the member it becomes is.
pub fn has_typed_parameter(model: &FileModel, name: &str) -> bool {
    fn in_nodes(nodes: &[Node], name: &str) -> bool {
        nodes.iter().any(|node| match node {
            Node::Function(function) => in_function(function, name),
            Node::Block(block) => in_nodes(&block.body, name),
            _ => false,
        })
    }
    fn in_function(function: &Function, name: &str) -> bool {
        function
            .params
            .iter()
            .any(|param| param.name == name && param.type_annotation.is_some())
            || in_nodes(&function.body, name)
    }
    in_function(&model.module, name)
}

/// The functions whose bodies contain `span`, innermost first (the module
/// excluded): a callback, the method around it, the class method around that.
pub fn functions_around(model: &FileModel, span: Span) -> Vec<&Function> {
    fn in_nodes<'a>(nodes: &'a [Node], span: Span, out: &mut Vec<&'a Function>) {
        for node in nodes {
            match node {
                Node::Function(function) => in_function(function, span, out),
                Node::Block(block) => in_nodes(&block.body, span, out),
                Node::Call(call) => in_call(call, span, out),
                Node::Return(ret) => {
                    if let Some(value) = &ret.value {
                        in_value(value, span, out);
                    }
                }
                Node::Assign(assign) => in_value(&assign.value, span, out),
            }
        }
    }
    fn in_function<'a>(function: &'a Function, span: Span, out: &mut Vec<&'a Function>) {
        if function.span.start_byte <= span.start_byte && span.end_byte <= function.span.end_byte {
            out.push(function);
            in_nodes(&function.body, span, out);
        }
    }
    fn in_call<'a>(call: &'a Call, span: Span, out: &mut Vec<&'a Function>) {
        if call.span.start_byte <= span.start_byte && span.end_byte <= call.span.end_byte {
            call.chain.iter().for_each(|c| in_call(c, span, out));
            call.args.iter().for_each(|a| in_value(&a.value, span, out));
        }
    }
    fn in_value<'a>(value: &'a Value, span: Span, out: &mut Vec<&'a Function>) {
        match value {
            Value::Function(function) => in_function(function, span, out),
            Value::Call(call) => in_call(call, span, out),
            Value::Object(props) => props.iter().for_each(|p| in_value(&p.value, span, out)),
            Value::Array(items) => items.iter().for_each(|v| in_value(v, span, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    in_nodes(&model.module.body, span, &mut out);
    out.reverse();
    out
}
