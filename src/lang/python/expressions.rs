//! Expressions: calls with their callee paths, chains and arguments, the shapes
//! of values, lambdas, and the calls buried in expressions without a shape.

use super::statements::Converter;
use crate::lang::MAX_MODEL_DEPTH;
use crate::model::{Argument, Call, CallResult, Function, FunctionOrigin, Node, Property, Value};
use tree_sitter::Node as Syntax;

/// Where a lambda sits, which decides its name and origin.
#[derive(Clone, Copy)]
pub(super) enum LambdaSite<'a> {
    /// Passed directly as argument `index` of a call to `callee`.
    Callback {
        /// Normalised callee of the receiving call.
        callee: &'a str,
        /// Zero-based argument position.
        index: usize,
        /// The call's first string argument.
        first_string: Option<&'a str>,
    },
    /// The right side of an assignment to this target.
    Bound(&'a str),
    /// Anywhere else.
    Anonymous,
}

/// A callee expression normalised into a path.
struct CalleePath {
    /// Segments joined with `.`, inner calls as `()`, subscripts as `[]`.
    path: String,
    /// Length of the receiver prefix of `path` (before the last `.`), if any.
    receiver_len: Option<usize>,
    /// Inner calls of the chain, innermost first.
    chain: Vec<Call>,
    /// Whether the path starts at a name (not a literal or another expression).
    named_root: bool,
}

impl CalleePath {
    /// `(receiver, method)`: the path before the last segment, and the last
    /// segment without call parentheses.
    fn receiver_and_method(&self) -> (Option<String>, String) {
        receiver_and_method(&self.path, self.receiver_len)
    }
}

/// Split `path` at `receiver_len` into receiver and method.
fn receiver_and_method(path: &str, receiver_len: Option<usize>) -> (Option<String>, String) {
    let segment_start = receiver_len.map_or(0, |len| len + 1);
    let mut method = path.get(segment_start..).unwrap_or("");
    while let Some(inner) = method.strip_suffix("()") {
        method = inner;
    }
    let receiver = receiver_len
        .and_then(|len| path.get(..len))
        .map(str::to_string);
    (receiver, method.to_string())
}

/// One step from a call's callee towards the root of its path.
enum Link<'t> {
    /// `.name`
    Member(Syntax<'t>),
    /// `[index]` (the subscript node).
    Index(Syntax<'t>),
    /// An inner call of a chain, and whether it was awaited.
    Call(Syntax<'t>, bool),
}

/// The first named child of `node` that is not a comment.
pub(super) fn first_named(node: Syntax<'_>) -> Option<Syntax<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .find(|c| c.kind() != "comment")
}

/// `node` without any enclosing parentheses.
pub(super) fn unwrap_parens(mut node: Syntax<'_>) -> Syntax<'_> {
    while node.kind() == "parenthesized_expression" {
        match first_named(node) {
            Some(inner) => node = inner,
            None => break,
        }
    }
    node
}

/// If `node` is a call, possibly awaited and parenthesised: the call node and
/// whether it is awaited.
pub(super) fn as_call(mut node: Syntax<'_>) -> Option<(Syntax<'_>, bool)> {
    let mut awaited = false;
    loop {
        match node.kind() {
            "parenthesized_expression" => node = first_named(node)?,
            "await" => {
                awaited = true;
                node = first_named(node)?;
            }
            "call" => return Some((node, awaited)),
            _ => return None,
        }
    }
}

/// The name of a callback: `callee("first string")`, or `callee`.
fn callback_name(callee: &str, first_string: Option<&str>) -> String {
    match first_string {
        Some(first) => format!("{callee}(\"{first}\")"),
        None => callee.to_string(),
    }
}

impl Converter<'_, '_> {
    /// A call expression at model depth `depth` (its arguments and chain one deeper).
    pub(super) fn call(
        &mut self,
        node: Syntax<'_>,
        awaited: bool,
        result: CallResult,
        bound_to: Option<String>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Call {
        let callee = match node.child_by_field_name("function") {
            Some(function) => self.callee_path(function, depth, out),
            None => CalleePath {
                path: String::new(),
                receiver_len: None,
                chain: Vec::new(),
                named_root: false,
            },
        };
        let (receiver, method) = callee.receiver_and_method();
        let args = self.arguments(node, &callee.path, depth + 1, out);
        Call {
            callee: callee.path,
            receiver,
            method,
            args,
            awaited,
            is_new: false,
            result,
            bound_to,
            constructed_receiver: None,
            propagated: false,
            chain: callee.chain,
            text: self.text(node).to_string(),
            span: self.span(node),
        }
    }

    /// A path expression used where a call is expected (`with lock:`,
    /// `@transaction.atomic`): a call without arguments. `None` (after
    /// collecting its calls) when the expression is not rooted at a name.
    pub(super) fn path_call(
        &mut self,
        expr: Syntax<'_>,
        result: CallResult,
        bound_to: Option<String>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Option<Call> {
        let expr = unwrap_parens(expr);
        let callee = self.callee_path(expr, depth, out);
        if !callee.named_root {
            return None;
        }
        let (receiver, method) = callee.receiver_and_method();
        Some(Call {
            callee: callee.path,
            receiver,
            method,
            args: Vec::new(),
            awaited: false,
            is_new: false,
            result,
            bound_to,
            constructed_receiver: None,
            propagated: false,
            chain: callee.chain,
            text: self.text(expr).to_string(),
            span: self.span(expr),
        })
    }

    /// A decorator as a call (`@app.post("/x")`, `@task`).
    pub(super) fn decorator(
        &mut self,
        decorator: Syntax<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Option<Call> {
        let expr = first_named(decorator)?;
        match as_call(expr) {
            Some((call, awaited)) => {
                Some(self.call(call, awaited, CallResult::Used, None, depth, out))
            }
            None => self.path_call(expr, CallResult::Used, None, depth, out),
        }
    }

    /// Normalise a callee expression into a path, building the chain of inner
    /// calls. Iterative: member chains of any length cost no stack.
    fn callee_path(
        &mut self,
        function: Syntax<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> CalleePath {
        let mut links = Vec::new();
        let mut current = function;
        let mut pending_await = false;
        let root = loop {
            match current.kind() {
                "attribute" => {
                    let object = current.child_by_field_name("object");
                    let name = current.child_by_field_name("attribute");
                    let (Some(object), Some(name)) = (object, name) else {
                        break current;
                    };
                    links.push(Link::Member(name));
                    pending_await = false;
                    current = object;
                }
                "subscript" => {
                    let Some(value) = current.child_by_field_name("value") else {
                        break current;
                    };
                    links.push(Link::Index(current));
                    pending_await = false;
                    current = value;
                }
                "call" => {
                    let Some(inner) = current.child_by_field_name("function") else {
                        break current;
                    };
                    links.push(Link::Call(current, pending_await));
                    pending_await = false;
                    current = inner;
                }
                "parenthesized_expression" => match first_named(current) {
                    Some(inner) => current = inner,
                    None => break current,
                },
                "await" => match first_named(current) {
                    Some(inner) => {
                        pending_await = true;
                        current = inner;
                    }
                    None => break current,
                },
                _ => break current,
            }
        };
        let named_root = root.kind() == "identifier";
        if !named_root {
            self.collect_calls(root, depth + 1, out);
        }
        let mut path = self.text(root).to_string();
        let mut receiver_len = None;
        let chain_depth_ok = !self.too_deep(depth + 1);
        let calls = links.iter().filter(|l| matches!(l, Link::Call(..))).count();
        // Beyond the limit the innermost calls of a chain are left out.
        let mut skip = calls.saturating_sub(MAX_MODEL_DEPTH);
        if skip > 0 {
            self.truncated = true;
        }
        let mut chain = Vec::new();
        for link in links.iter().rev() {
            match *link {
                Link::Member(name) => {
                    receiver_len = Some(path.len());
                    path.push('.');
                    path.push_str(self.text(name));
                }
                Link::Index(subscript) => {
                    let mut cursor = subscript.walk();
                    for index in subscript.children_by_field_name("subscript", &mut cursor) {
                        self.collect_calls(index, depth + 1, out);
                    }
                    path.push_str("[]");
                }
                Link::Call(call, awaited) => {
                    if skip > 0 {
                        skip -= 1;
                    } else if chain_depth_ok {
                        let (receiver, method) = receiver_and_method(&path, receiver_len);
                        let args = self.arguments(call, &path, depth + 2, out);
                        chain.push(Call {
                            callee: path.clone(),
                            receiver,
                            method,
                            args,
                            awaited,
                            is_new: false,
                            result: CallResult::Used,
                            bound_to: None,
                            constructed_receiver: None,
                            propagated: false,
                            chain: Vec::new(),
                            text: self.text(call).to_string(),
                            span: self.span(call),
                        });
                    }
                    path.push_str("()");
                }
            }
        }
        CalleePath {
            path,
            receiver_len,
            chain,
            named_root,
        }
    }

    /// The arguments of `call` (whose callee is `callee`), at model depth `depth`.
    fn arguments(
        &mut self,
        call: Syntax<'_>,
        callee: &str,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Vec<Argument> {
        let Some(list) = call.child_by_field_name("arguments") else {
            return Vec::new();
        };
        if self.too_deep(depth) {
            return Vec::new();
        }
        if list.kind() == "generator_expression" {
            // `any(check(x) for x in xs)`: one argument with no shape.
            self.collect_calls(list, depth, out);
            return vec![Argument {
                value: Value::Other,
                keyword: None,
                text: self.text(list).to_string(),
                span: self.span(list),
                bound_literal: None,
            }];
        }
        let first_string = self.callback_first_string(list);
        let mut args = Vec::new();
        let mut cursor = list.walk();
        let items = list
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment");
        for (index, arg) in items.enumerate() {
            let site = LambdaSite::Callback {
                callee,
                index,
                first_string: first_string.as_deref(),
            };
            let (keyword, inner) = match arg.kind() {
                "keyword_argument" => (
                    arg.child_by_field_name("name")
                        .map(|n| self.text(n).to_string()),
                    arg.child_by_field_name("value"),
                ),
                "list_splat" => (Some("*".to_string()), first_named(arg)),
                "dictionary_splat" => (Some("**".to_string()), first_named(arg)),
                _ => (None, Some(arg)),
            };
            let value = match inner {
                Some(inner) => self.value(inner, depth, out, site),
                None => Value::Other,
            };
            args.push(Argument {
                value,
                keyword,
                text: self.text(arg).to_string(),
                span: self.span(arg),
                bound_literal: None,
            });
        }
        args
    }

    /// The first string argument of an argument list, computed only when a
    /// lambda is passed (it names the callback).
    fn callback_first_string(&self, list: Syntax<'_>) -> Option<String> {
        let mut cursor = list.walk();
        let values: Vec<Syntax<'_>> = list
            .named_children(&mut cursor)
            .filter_map(|arg| match arg.kind() {
                "keyword_argument" => arg.child_by_field_name("value"),
                "list_splat" | "dictionary_splat" | "comment" => None,
                _ => Some(arg),
            })
            .map(unwrap_parens)
            .collect();
        if !values.iter().any(|v| v.kind() == "lambda") {
            return None;
        }
        values
            .into_iter()
            .find(|v| matches!(v.kind(), "string" | "concatenated_string"))
            .map(|v| self.string_value(v))
    }

    /// The shape of an expression at model depth `depth`.
    pub(super) fn value(
        &mut self,
        expr: Syntax<'_>,
        depth: usize,
        out: &mut Vec<Node>,
        site: LambdaSite<'_>,
    ) -> Value {
        if self.too_deep(depth) {
            return Value::Other;
        }
        let expr = unwrap_parens(expr);
        match expr.kind() {
            "string" | "concatenated_string" => {
                if has_interpolation(expr) {
                    self.collect_calls(expr, depth, out);
                }
                Value::String(self.string_value(expr))
            }
            "integer" | "float" => Value::Number(self.text(expr).to_string()),
            "unary_operator"
                if expr
                    .child_by_field_name("argument")
                    .is_some_and(|a| matches!(a.kind(), "integer" | "float")) =>
            {
                Value::Number(self.text(expr).to_string())
            }
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "identifier" => Value::Path(self.text(expr).to_string()),
            "attribute" => match self.member_path(expr) {
                Some(path) => Value::Path(path),
                None => {
                    self.collect_calls(expr, depth, out);
                    Value::Other
                }
            },
            "dictionary" => Value::Object(self.properties(expr, depth, out)),
            "list" | "tuple" | "set" | "expression_list" => {
                Value::Array(self.items(expr, depth, out))
            }
            "lambda" => Value::Function(Box::new(self.lambda(expr, site, depth, out))),
            "call" => {
                let call = self.call(expr, false, CallResult::Used, None, depth, out);
                Value::Call(Box::new(call))
            }
            "await" => match as_call(expr) {
                Some((call, _)) => {
                    let call = self.call(call, true, CallResult::Used, None, depth, out);
                    Value::Call(Box::new(call))
                }
                None => {
                    self.collect_calls(expr, depth, out);
                    Value::Other
                }
            },
            _ => {
                self.collect_calls(expr, depth, out);
                Value::Other
            }
        }
    }

    /// `a.b.c` as a path when every part is a name.
    fn member_path(&self, attribute: Syntax<'_>) -> Option<String> {
        let mut names = Vec::new();
        let mut current = attribute;
        while current.kind() == "attribute" {
            names.push(current.child_by_field_name("attribute")?);
            current = current.child_by_field_name("object")?;
        }
        if current.kind() != "identifier" {
            return None;
        }
        let mut path = self.text(current).to_string();
        for name in names.iter().rev() {
            path.push('.');
            path.push_str(self.text(*name));
        }
        Some(path)
    }

    /// The text of a string literal between its quotes, as written (an
    /// implicit concatenation joins its parts).
    fn string_value(&self, expr: Syntax<'_>) -> String {
        if expr.kind() == "concatenated_string" {
            let mut cursor = expr.walk();
            let parts = expr
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "string");
            parts.map(|part| self.string_content(part)).collect()
        } else {
            self.string_content(expr).to_string()
        }
    }

    /// The source between a `string` node's opening and closing quotes.
    fn string_content(&self, string: Syntax<'_>) -> &str {
        let mut start = string.start_byte();
        let mut end = string.end_byte();
        let mut cursor = string.walk();
        for child in string.children(&mut cursor) {
            match child.kind() {
                "string_start" => start = child.end_byte(),
                "string_end" => end = child.start_byte(),
                _ => {}
            }
        }
        if start > end {
            ""
        } else {
            self.slice(start, end)
        }
    }

    /// The properties of a dict literal at model depth `depth`.
    fn properties(&mut self, dict: Syntax<'_>, depth: usize, out: &mut Vec<Node>) -> Vec<Property> {
        let mut properties = Vec::new();
        let mut cursor = dict.walk();
        for entry in dict.named_children(&mut cursor) {
            let (key, value) = match entry.kind() {
                "pair" => {
                    let key = entry.child_by_field_name("key").map(unwrap_parens);
                    let key = match key {
                        Some(k) if matches!(k.kind(), "string" | "concatenated_string") => {
                            self.string_value(k)
                        }
                        Some(k) => {
                            self.collect_calls(k, depth + 1, out);
                            self.text(k).to_string()
                        }
                        None => String::new(),
                    };
                    (key, entry.child_by_field_name("value"))
                }
                "dictionary_splat" => ("**".to_string(), first_named(entry)),
                "comment" => continue,
                _ => {
                    self.collect_calls(entry, depth + 1, out);
                    continue;
                }
            };
            let value = match value {
                Some(value) => self.value(value, depth + 1, out, LambdaSite::Anonymous),
                None => Value::Other,
            };
            properties.push(Property {
                key,
                value,
                span: self.span(entry),
            });
        }
        properties
    }

    /// The elements of a list, tuple or set literal at model depth `depth`.
    fn items(&mut self, list: Syntax<'_>, depth: usize, out: &mut Vec<Node>) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor = list.walk();
        for item in list.named_children(&mut cursor) {
            match item.kind() {
                "comment" => {}
                "list_splat" | "parenthesized_list_splat" | "yield" => {
                    self.collect_calls(item, depth + 1, out);
                    items.push(Value::Other);
                }
                _ => items.push(self.value(item, depth + 1, out, LambdaSite::Anonymous)),
            }
        }
        items
    }

    /// A lambda as a function at model depth `depth`; its expression body is
    /// an implicit return.
    pub(super) fn lambda(
        &mut self,
        node: Syntax<'_>,
        site: LambdaSite<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Function {
        let (name, origin) = match site {
            LambdaSite::Callback {
                callee,
                index,
                first_string,
            } => (
                callback_name(callee, first_string),
                FunctionOrigin::Callback {
                    callee: callee.to_string(),
                    index,
                    first_string: first_string.map(str::to_string),
                },
            ),
            LambdaSite::Bound(target) => (target.to_string(), FunctionOrigin::Anonymous),
            LambdaSite::Anonymous => ("<lambda>".to_string(), FunctionOrigin::Anonymous),
        };
        let params = self.params(node.child_by_field_name("parameters"), depth, out);
        let mut body = Vec::new();
        if let Some(expr) = node.child_by_field_name("body")
            && !self.too_deep(depth + 1)
        {
            let ret = self.returned(expr, self.span(expr), depth + 1, &mut body);
            body.push(Node::Return(ret));
        }
        Function {
            name,
            origin,
            decorators: Vec::new(),
            params,
            is_async: false,
            class: None,
            class_bases: Vec::new(),
            span: self.span(node),
            body,
        }
    }

    /// Every call (and lambda) inside an expression without a shape of its
    /// own, as `Used` nodes in `out`. Iterative; does not enter the calls and
    /// lambdas it finds (they convert their own insides).
    pub(super) fn collect_calls(&mut self, root: Syntax<'_>, depth: usize, out: &mut Vec<Node>) {
        let mut cursor = root.walk();
        loop {
            let node = cursor.node();
            let handled = match node.kind() {
                "call" => {
                    self.push_call(node, false, CallResult::Used, None, depth, out);
                    true
                }
                "await" => match as_call(node) {
                    Some((call, _)) => {
                        self.push_call(call, true, CallResult::Used, None, depth, out);
                        true
                    }
                    None => false,
                },
                "named_expression" => {
                    let name = node.child_by_field_name("name");
                    let value = node.child_by_field_name("value").and_then(as_call);
                    match (name, value) {
                        (Some(name), Some((call, awaited))) => {
                            let bound = Some(self.text(name).to_string());
                            self.push_call(call, awaited, CallResult::Bound, bound, depth, out);
                            true
                        }
                        _ => false,
                    }
                }
                "lambda" => {
                    if !self.too_deep(depth) {
                        let function = self.lambda(node, LambdaSite::Anonymous, depth, out);
                        out.push(Node::Function(function));
                    }
                    true
                }
                _ => false,
            };
            if !handled && cursor.goto_first_child() {
                continue;
            }
            loop {
                if cursor.goto_next_sibling() {
                    break;
                }
                if !cursor.goto_parent() {
                    return;
                }
            }
        }
    }

    /// Convert a call found inside an expression and append it to `out`.
    fn push_call(
        &mut self,
        call: Syntax<'_>,
        awaited: bool,
        result: CallResult,
        bound_to: Option<String>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        if !self.too_deep(depth) {
            let call = self.call(call, awaited, result, bound_to, depth, out);
            out.push(Node::Call(call));
        }
    }
}

/// Whether a string literal (or any part of a concatenation) has `{...}` interpolations.
fn has_interpolation(expr: Syntax<'_>) -> bool {
    let mut cursor = expr.walk();
    expr.named_children(&mut cursor)
        .any(|child| match child.kind() {
            "interpolation" => true,
            "string" => {
                let mut inner = child.walk();
                child
                    .named_children(&mut inner)
                    .any(|c| c.kind() == "interpolation")
            }
            _ => false,
        })
}
