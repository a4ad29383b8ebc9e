//! Expressions: calls and their chains, callee paths, argument values, and the
//! search for calls and functions inside expressions that have no slot.

use super::Converter;
use super::syntax::{
    Segment, first_named, is_class, is_function_declaration, is_function_expression, is_inert,
    is_transparent, join_path, named_children, split_callee, unquote, unwrap_transparent,
};
use crate::model::{
    Argument, Call, CallResult, FunctionOrigin, Node as ModelNode, Property, Value,
};
use std::borrow::Cow;
use tree_sitter::Node;

/// How the syntax around a call uses its value.
pub(super) struct CallContext {
    /// Directly under `await`.
    pub(super) awaited: bool,
    /// What happens to the value.
    pub(super) result: CallResult,
    /// The binding target, for `const x = f()` / `x = f()`.
    pub(super) bound_to: Option<String>,
}

impl CallContext {
    /// A call whose value feeds a larger expression.
    fn used(awaited: bool, voided: bool) -> Self {
        CallContext {
            awaited,
            result: if voided {
                CallResult::ExplicitlyIgnored
            } else {
                CallResult::Used
            },
            bound_to: None,
        }
    }
}

/// How to name a function found in a value position.
#[derive(Clone, Copy)]
pub(super) enum FunctionSlot<'a> {
    /// Not a direct call argument: named after its binding or key.
    Anonymous(&'a str),
    /// Argument `index` of a call to `callee`.
    Callback {
        callee: &'a str,
        index: usize,
        first_string: Option<&'a str>,
    },
}

/// The operators peeled off an expression by [`Converter::peel`].
#[derive(Default, Clone, Copy)]
pub(super) struct Peeled {
    /// An `await` was removed.
    pub(super) awaited: bool,
    /// A `void` was removed.
    pub(super) voided: bool,
}

/// One call of a chain, with the callee segments leading to the next inner call.
struct Link<'t, 's> {
    call: Node<'t>,
    is_new: bool,
    awaited: bool,
    segments: Vec<Segment<'s>>,
}

/// Grammar misreadings that move an `await` into a callee (see
/// `Converter::callee_base`).
#[derive(Default)]
struct MisplacedAwait {
    /// The callee itself is `await <path>`.
    wraps_callee: bool,
    /// The callee contains a top-level `await(...)` "call".
    await_call: bool,
}

/// What a callee path starts from.
enum Base<'t, 's> {
    /// An inner call: the path continues as that call's callee plus `()`.
    Call { node: Node<'t>, awaited: bool },
    /// A name (`eventBus`, `this`) or a placeholder (`<expr>`).
    Name(Cow<'s, str>),
}

impl<'s> Converter<'s> {
    /// Remove parentheses, TypeScript type operators, `await` and `void`
    /// around an expression, noting the last two.
    pub(super) fn peel<'t>(&self, mut node: Node<'t>) -> (Node<'t>, Peeled) {
        let mut peeled = Peeled::default();
        loop {
            let inner = match node.kind() {
                // `yield fetch(..)` in a generator a compiled `async`
                // function (`__async(this, null, function* () {..})`) or a
                // coroutine runner drives: the runner awaits what it yields.
                "await_expression" | "yield_expression" => {
                    peeled.awaited = true;
                    first_named(node)
                }
                "unary_expression" if self.is_void(node) => {
                    peeled.voided = true;
                    self.fields.argument(node)
                }
                "call_expression" => {
                    let operand = self.await_call_operand(node);
                    peeled.awaited |= operand.is_some();
                    operand
                }
                _ => unwrap_transparent(node),
            };
            match inner {
                Some(inner) => node = inner,
                None => return (node, peeled),
            }
        }
    }

    fn is_void(&self, node: Node<'_>) -> bool {
        self.fields
            .operator(node)
            .is_some_and(|op| op.kind() == "void")
    }

    /// A call or `new` expression (a tagged template is not a call, nor is a
    /// top-level `await (x)`, see [`Self::await_call_operand`]).
    pub(super) fn is_call(&self, node: Node<'_>) -> bool {
        match node.kind() {
            "new_expression" => true,
            "call_expression" => {
                self.fields
                    .arguments(node)
                    .is_none_or(|args| args.kind() != "template_string")
                    && self.await_call_operand(node).is_none()
            }
            _ => false,
        }
    }

    /// The operand of `await (x)` outside an async function, which the
    /// JavaScript grammar reads as a call of a function named `await`; in
    /// modules it is a top-level await.
    fn await_call_operand<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
        let function = self.fields.function(node)?;
        if function.kind() != "identifier" || self.text(function) != "await" {
            return None;
        }
        let arguments = named_children(self.fields.arguments(node)?);
        match arguments.as_slice() {
            [operand] if operand.kind() != "spread_element" => Some(*operand),
            _ => None,
        }
    }

    /// Convert a call (the outermost of its chain) into the model. Calls,
    /// functions hoisted out of its callee or arguments go to `out` first.
    pub(super) fn call(
        &mut self,
        node: Node<'_>,
        context: CallContext,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> Option<Call> {
        let depth = self.enter(depth)?;
        // A chain longer than the depth budget is cut at the budget: building
        // every prefix string of an unbounded chain would be quadratic.
        let limit = super::super::MAX_MODEL_DEPTH.saturating_sub(depth).max(1);
        let mut links = Vec::new();
        let mut current = node;
        let mut awaited = context.awaited;
        let base = loop {
            let is_new = current.kind() == "new_expression";
            let callee = if is_new {
                self.fields.constructor(current)
            } else {
                self.fields.function(current)
            };
            let mut segments = Vec::new();
            let (base, awaits_this) = self.callee_base(callee, &mut segments, out, depth);
            links.push(Link {
                call: current,
                is_new,
                awaited: awaited || awaits_this,
                segments,
            });
            match base {
                Base::Call {
                    node,
                    awaited: inner,
                } if links.len() < limit => {
                    current = node;
                    awaited = inner;
                }
                Base::Call { .. } => {
                    self.truncated = true;
                    break Cow::Borrowed("<truncated>");
                }
                Base::Name(name) => break name,
            }
        };

        let mut prefix = base.into_owned();
        let mut calls: Vec<Call> = Vec::with_capacity(links.len());
        for link in links.iter().rev() {
            let callee = join_path(prefix, &link.segments);
            let (receiver, method) = split_callee(&callee);
            let args = self.arguments(link.call, &callee, out, depth);
            prefix = format!("{callee}()");
            calls.push(Call {
                callee,
                receiver,
                method,
                args,
                awaited: link.awaited,
                is_new: link.is_new,
                result: CallResult::Used,
                bound_to: None,
                constructed_receiver: None,
                propagated: false,
                chain: Vec::new(),
                text: self.text(link.call).to_string(),
                span: self.span(link.call),
            });
        }
        let mut outer = calls.pop()?;
        outer.chain = calls;
        outer.result = context.result;
        outer.bound_to = context.bound_to;
        Some(outer)
    }

    /// Walk a callee expression down to the name or inner call it starts from,
    /// collecting member segments (outermost first).
    ///
    /// The flag says that an `await` the grammar put inside the callee belongs
    /// to this call: the TypeScript grammar reads `await f<T>(x)` as
    /// `(await f)<T>(x)`, and the JavaScript grammar reads a top-level
    /// `await (p).json()` as `await(p).json()`.
    fn callee_base<'t>(
        &mut self,
        callee: Option<Node<'t>>,
        segments: &mut Vec<Segment<'s>>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> (Base<'t, 's>, bool) {
        let mut misplaced = MisplacedAwait::default();
        let base = self.callee_base_inner(callee, segments, &mut misplaced, out, depth);
        let awaits_this =
            misplaced.await_call || (misplaced.wraps_callee && !matches!(base, Base::Call { .. }));
        (base, awaits_this)
    }

    fn callee_base_inner<'t>(
        &mut self,
        callee: Option<Node<'t>>,
        segments: &mut Vec<Segment<'s>>,
        misplaced: &mut MisplacedAwait,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> Base<'t, 's> {
        let Some(mut node) = callee else {
            return Base::Name(Cow::Borrowed("<expr>"));
        };
        let mut awaited = false;
        loop {
            let next = match node.kind() {
                "member_expression" => {
                    let property = self.fields.property(node).map_or("", |p| self.text(p));
                    segments.push(Segment::Property(property));
                    self.fields.object(node)
                }
                "subscript_expression" => {
                    segments.push(Segment::Index);
                    if let Some(index) = self.fields.index(node) {
                        self.hoist(index, out, depth);
                    }
                    self.fields.object(node)
                }
                "await_expression" => {
                    awaited = true;
                    misplaced.wraps_callee |= segments.is_empty();
                    first_named(node)
                }
                "call_expression" if self.await_call_operand(node).is_some() => {
                    misplaced.await_call = true;
                    self.await_call_operand(node)
                }
                _ if self.is_call(node) => return Base::Call { node, awaited },
                "identifier"
                | "this"
                | "super"
                | "import"
                | "property_identifier"
                | "private_property_identifier"
                | "type_identifier" => {
                    return Base::Name(Cow::Borrowed(self.text(node)));
                }
                kind if is_function_expression(kind) => {
                    // An immediately invoked function: its body is code too.
                    if let Some(function) = self.function(
                        node,
                        "<anonymous>".to_string(),
                        FunctionOrigin::Anonymous,
                        depth,
                    ) {
                        out.push(ModelNode::Function(function));
                    }
                    return Base::Name(Cow::Borrowed("<function>"));
                }
                _ => unwrap_transparent(node).or_else(|| {
                    self.hoist(node, out, depth);
                    None
                }),
            };
            match next {
                Some(next) => node = next,
                None => return Base::Name(Cow::Borrowed("<expr>")),
            }
        }
    }

    /// The arguments of a call or `new` expression.
    fn arguments(
        &mut self,
        call: Node<'_>,
        callee: &str,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> Vec<Argument> {
        let Some(list) = self.fields.arguments(call) else {
            return Vec::new();
        };
        let items = named_children(list);
        let has_callback = items
            .iter()
            .any(|&item| is_function_expression(self.peel(item).0.kind()));
        let first_string = if has_callback {
            items.iter().find_map(|&item| self.string_literal(item))
        } else {
            None
        };
        let mut args = Vec::with_capacity(items.len());
        for (index, &item) in items.iter().enumerate() {
            let slot = FunctionSlot::Callback {
                callee,
                index,
                first_string,
            };
            let value = match item.kind() {
                "spread_element" => match first_named(item) {
                    Some(inner) => self.value(inner, CallResult::Used, slot, out, depth),
                    None => Value::Other,
                },
                _ => self.value(item, CallResult::Used, slot, out, depth),
            };
            args.push(Argument {
                value,
                keyword: None,
                text: self.text(item).to_string(),
                span: self.span(item),
                bound_literal: None,
            });
        }
        args
    }

    /// The content of a string literal or template literal, as written.
    fn string_literal(&self, node: Node<'_>) -> Option<&'s str> {
        match node.kind() {
            "string" | "template_string" => Some(unquote(self.text(node))),
            _ => None,
        }
    }

    /// The shape of an expression in a value position (argument, property
    /// value, bound or returned value). A direct call gets `result`; a direct
    /// function is named by `slot`.
    pub(super) fn value(
        &mut self,
        node: Node<'_>,
        result: CallResult,
        slot: FunctionSlot<'_>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> Value {
        let (inner, peeled) = self.peel(node);
        if self.is_call(inner) {
            let context = CallContext {
                awaited: peeled.awaited,
                result: if peeled.voided {
                    CallResult::ExplicitlyIgnored
                } else {
                    result
                },
                bound_to: None,
            };
            return self
                .call(inner, context, out, depth)
                .map_or(Value::Other, |call| Value::Call(Box::new(call)));
        }
        if peeled.voided {
            self.hoist(inner, out, depth);
            return Value::Other;
        }
        match inner.kind() {
            "string" => Value::String(unquote(self.text(inner)).to_string()),
            "template_string" => {
                self.hoist(inner, out, depth);
                Value::String(unquote(self.text(inner)).to_string())
            }
            "number" => Value::Number(self.text(inner).to_string()),
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "object" => self.object(inner, out, depth),
            "array" => self.array(inner, out, depth),
            kind if is_function_expression(kind) => self.function_value(inner, slot, depth),
            "identifier" | "this" | "super" | "member_expression" | "subscript_expression" => {
                match self.path(inner, out, depth) {
                    Some(path) => Value::Path(path),
                    None => {
                        self.hoist(inner, out, depth);
                        Value::Other
                    }
                }
            }
            "class" => {
                let name = match slot {
                    FunctionSlot::Anonymous(name) => name,
                    FunctionSlot::Callback { callee, .. } => callee,
                };
                self.class(inner, Some(name), out, depth);
                Value::Other
            }
            _ => {
                self.hoist(inner, out, depth);
                Value::Other
            }
        }
    }

    /// A function in a value position, named and originated by its slot.
    fn function_value(&mut self, node: Node<'_>, slot: FunctionSlot<'_>, depth: usize) -> Value {
        let (name, origin) = match slot {
            FunctionSlot::Anonymous(name) => (name.to_string(), FunctionOrigin::Anonymous),
            FunctionSlot::Callback {
                callee,
                index,
                first_string,
            } => (
                match first_string {
                    Some(first) => format!("{callee}(\"{first}\")"),
                    None => callee.to_string(),
                },
                FunctionOrigin::Callback {
                    callee: callee.to_string(),
                    index,
                    first_string: first_string.map(str::to_string),
                },
            ),
        };
        self.function(node, name, origin, depth)
            .map_or(Value::Other, |function| Value::Function(Box::new(function)))
    }

    /// An object literal: its keys in order with their values' shapes.
    fn object(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) -> Value {
        let Some(depth) = self.enter(depth) else {
            return Value::Other;
        };
        let mut properties = Vec::new();
        for child in named_children(node) {
            let (key, value) = match child.kind() {
                "pair" => {
                    let key = self.fields.key(child).map_or("", |k| self.key_text(k));
                    let value = match self.fields.value(child) {
                        Some(v) => self.value(
                            v,
                            CallResult::Used,
                            FunctionSlot::Anonymous(key),
                            out,
                            depth,
                        ),
                        None => Value::Other,
                    };
                    (key, value)
                }
                "shorthand_property_identifier" => {
                    let name = self.text(child);
                    (name, Value::Path(name.to_string()))
                }
                "spread_element" => {
                    let value = match first_named(child) {
                        Some(v) => self.value(
                            v,
                            CallResult::Used,
                            FunctionSlot::Anonymous("..."),
                            out,
                            depth,
                        ),
                        None => Value::Other,
                    };
                    ("...", value)
                }
                "method_definition" => {
                    let key = self.fields.name(child).map_or("", |k| self.key_text(k));
                    let value = self.function_value(child, FunctionSlot::Anonymous(key), depth);
                    (key, value)
                }
                _ => {
                    self.hoist(child, out, depth);
                    continue;
                }
            };
            properties.push(Property {
                key: key.to_string(),
                value,
                span: self.span(child),
            });
        }
        Value::Object(properties)
    }

    /// An array literal's elements (spreads as their operand).
    fn array(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) -> Value {
        let Some(depth) = self.enter(depth) else {
            return Value::Other;
        };
        let mut items = Vec::new();
        for child in named_children(node) {
            let element = match child.kind() {
                "spread_element" => first_named(child),
                _ => Some(child),
            };
            let value = match element {
                Some(element) => self.value(
                    element,
                    CallResult::Used,
                    FunctionSlot::Anonymous("<anonymous>"),
                    out,
                    depth,
                ),
                None => Value::Other,
            };
            items.push(value);
        }
        Value::Array(items)
    }

    /// An object key as written, string keys without quotes.
    pub(super) fn key_text(&self, key: Node<'_>) -> &'s str {
        match key.kind() {
            "string" => unquote(self.text(key)),
            _ => self.text(key),
        }
    }

    /// The normalised path of an identifier or member expression that starts
    /// from a name (`order.id`, `this.bus`, `items[]`); `None` when it starts
    /// from anything else (a call, a literal). Calls in computed indices are
    /// hoisted.
    pub(super) fn path(
        &mut self,
        node: Node<'_>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> Option<String> {
        let mut segments = Vec::new();
        let mut indices = Vec::new();
        let base = self.path_parts(node, &mut segments, &mut indices)?;
        for index in indices {
            self.hoist(index, out, depth);
        }
        Some(join_path(base.to_string(), &segments))
    }

    /// The path of an expression, without hoisting (for class bases).
    pub(super) fn plain_path(&self, node: Node<'_>) -> Option<String> {
        let mut segments = Vec::new();
        let mut indices = Vec::new();
        let base = self.path_parts(node, &mut segments, &mut indices)?;
        Some(join_path(base.to_string(), &segments))
    }

    fn path_parts<'t>(
        &self,
        mut node: Node<'t>,
        segments: &mut Vec<Segment<'s>>,
        indices: &mut Vec<Node<'t>>,
    ) -> Option<&'s str> {
        loop {
            node = match node.kind() {
                "member_expression" => {
                    let property = self.fields.property(node).map_or("", |p| self.text(p));
                    segments.push(Segment::Property(property));
                    self.fields.object(node)?
                }
                "subscript_expression" => {
                    segments.push(Segment::Index);
                    indices.extend(self.fields.index(node));
                    self.fields.object(node)?
                }
                "identifier"
                | "this"
                | "super"
                | "property_identifier"
                | "shorthand_property_identifier"
                | "private_property_identifier"
                | "type_identifier" => return Some(self.text(node)),
                _ => unwrap_transparent(node)?,
            };
        }
    }

    /// Record the calls and functions inside an expression that has no slot
    /// for them, as [`ModelNode::Call`] (`Used`) and [`ModelNode::Function`]
    /// nodes in `out`, in source order. Iterative: operator and JSX nesting
    /// of any depth costs no stack.
    pub(super) fn hoist<'t>(&mut self, node: Node<'t>, out: &mut Vec<ModelNode>, depth: usize) {
        let mut stack: Vec<(Node<'t>, Option<&'s str>)> = vec![(node, None)];
        let mut cursor = node.walk();
        while let Some((node, hint)) = stack.pop() {
            let kind = node.kind();
            if is_inert(kind) {
                continue;
            }
            if self.is_call(node) {
                if let Some(call) = self.call(node, CallContext::used(false, false), out, depth) {
                    out.push(ModelNode::Call(call));
                }
                continue;
            }
            if kind == "await_expression"
                || kind == "yield_expression"
                || kind == "unary_expression"
                || kind == "call_expression"
                || is_transparent(kind)
            {
                let (inner, peeled) = self.peel(node);
                if self.is_call(inner) {
                    let context = CallContext::used(peeled.awaited, peeled.voided);
                    if let Some(call) = self.call(inner, context, out, depth) {
                        out.push(ModelNode::Call(call));
                    }
                    continue;
                }
                if inner.id() != node.id() {
                    stack.push((inner, hint));
                    continue;
                }
            }
            if is_function_expression(kind) || is_function_declaration(kind) {
                let own_name = self.fields.name(node).map(|n| self.text(n));
                let (name, origin) = match (is_function_declaration(kind), own_name) {
                    (true, Some(name)) => (name, FunctionOrigin::Declaration),
                    _ => (hint.unwrap_or("<anonymous>"), FunctionOrigin::Anonymous),
                };
                if let Some(function) = self.function(node, name.to_string(), origin, depth) {
                    out.push(ModelNode::Function(function));
                }
                continue;
            }
            if kind == "method_definition" {
                let name = self
                    .fields
                    .name(node)
                    .map_or("<anonymous>", |n| self.key_text(n));
                if let Some(function) =
                    self.function(node, name.to_string(), FunctionOrigin::Anonymous, depth)
                {
                    out.push(ModelNode::Function(function));
                }
                continue;
            }
            if is_class(kind) {
                self.class(node, hint, out, depth);
                continue;
            }
            let child_hint = match kind {
                "jsx_attribute" => first_named(node).map(|n| self.text(n)),
                "pair" => self.fields.key(node).map(|k| self.key_text(k)),
                "variable_declarator" => self.fields.name(node).map(|n| self.text(n)),
                "assignment_expression" => self.fields.left(node).map(|n| self.text(n)),
                "jsx_expression" | "await_expression" | "unary_expression" => hint,
                _ if is_transparent(kind) => hint,
                _ => None,
            };
            let start = stack.len();
            stack.extend(
                node.named_children(&mut cursor)
                    .map(|child| (child, child_hint)),
            );
            stack[start..].reverse();
        }
    }
}
