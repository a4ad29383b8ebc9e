//! Statements, blocks, functions and classes.

use super::expressions::{LambdaSite, as_call, first_named, unwrap_parens};
use crate::lang::MAX_MODEL_DEPTH;
use crate::lang::syntax_tree::{LineIndex, contains_statement};
use crate::model::{
    Assign, Block, BlockKind, CallResult, Function, FunctionOrigin, Node, Param, Return, Span,
    Value,
};
use tree_sitter::Node as Syntax;

/// Converts one parsed file into model nodes.
pub(super) struct Converter<'s, 'i> {
    /// The whole source text.
    source: &'s str,
    /// Line starts, for spans.
    index: &'i LineIndex<'s>,
    /// Set when nesting beyond [`MAX_MODEL_DEPTH`] was cut off.
    pub(super) truncated: bool,
}

/// What encloses the statements being converted.
#[derive(Clone, Copy)]
pub(super) enum Scope<'c> {
    /// A module or function body: `def` declares a plain function.
    Code,
    /// A class body: `def` declares a method.
    Class(&'c ClassScope),
}

/// The class whose body is being converted.
pub(super) struct ClassScope {
    /// Qualified class name (`Outer.Inner`).
    name: String,
    /// Positional base classes as written.
    bases: Vec<String>,
}

impl<'s, 'i> Converter<'s, 'i> {
    /// A converter over `source`.
    pub(super) fn new(source: &'s str, index: &'i LineIndex<'s>) -> Self {
        Converter {
            source,
            index,
            truncated: false,
        }
    }

    /// The statements of the module (`root` is the `module` node).
    pub(super) fn module_body(&mut self, root: Syntax<'_>) -> Vec<Node> {
        self.body(root, Scope::Code, 1)
    }

    /// The source text of a syntax node.
    pub(super) fn text(&self, node: Syntax<'_>) -> &'s str {
        self.index.text(node)
    }

    /// The source text of a byte range (empty when out of range).
    pub(super) fn slice(&self, start: usize, end: usize) -> &'s str {
        self.source.get(start..end).unwrap_or("")
    }

    /// The span of a syntax node.
    pub(super) fn span(&self, node: Syntax<'_>) -> Span {
        self.index.node_span(node)
    }

    /// Whether model depth `depth` is past the limit (and if so, record the cut).
    pub(super) fn too_deep(&mut self, depth: usize) -> bool {
        if depth > MAX_MODEL_DEPTH {
            self.truncated = true;
            true
        } else {
            false
        }
    }

    /// The statements of a block at model depth `depth`.
    fn body(&mut self, block: Syntax<'_>, scope: Scope<'_>, depth: usize) -> Vec<Node> {
        let mut out = Vec::new();
        if !self.too_deep(depth) {
            self.statements_into(block, scope, depth, &mut out);
        }
        out
    }

    /// Convert every statement under `parent` into `out`.
    fn statements_into(
        &mut self,
        parent: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let mut cursor = parent.walk();
        for child in parent.named_children(&mut cursor) {
            self.statement(child, scope, depth, out);
        }
    }

    /// Convert one statement into `out`.
    fn statement(&mut self, node: Syntax<'_>, scope: Scope<'_>, depth: usize, out: &mut Vec<Node>) {
        match node.kind() {
            "expression_statement" => {
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    self.expression_statement(part, depth, out);
                }
            }
            "return_statement" => {
                let span = self.span(node);
                let ret = match first_named(node) {
                    Some(expr) => self.returned(expr, span, depth, out),
                    None => Return {
                        value_text: String::new(),
                        value: None,
                        span,
                    },
                };
                out.push(Node::Return(ret));
            }
            "if_statement" => self.if_statement(node, scope, depth, out),
            "for_statement" => self.for_statement(node, scope, depth, out),
            "while_statement" => self.while_statement(node, scope, depth, out),
            "try_statement" => self.try_statement(node, scope, depth, out),
            "with_statement" => self.with_statement(node, scope, depth, out),
            "match_statement" => self.match_statement(node, scope, depth, out),
            "function_definition" => {
                let function = self.function(node, node, &[], scope, depth, out);
                out.push(Node::Function(function));
            }
            "decorated_definition" => self.decorated(node, scope, depth, out),
            "class_definition" => self.class(node, &[], scope, depth, out),
            // A stray block or an error region: keep whatever statements parsed.
            "block" | "ERROR" => {
                if !self.too_deep(depth + 1) {
                    self.statements_into(node, scope, depth + 1, out);
                }
            }
            "comment"
            | "pass_statement"
            | "break_statement"
            | "continue_statement"
            | "import_statement"
            | "import_from_statement"
            | "future_import_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "type_alias_statement" => {}
            // raise, assert, del, print, exec, and bare expressions inside error regions.
            _ => self.expression_statement(node, depth, out),
        }
    }

    /// One expression of an expression statement (or any statement without
    /// structure of its own): assignments, calls, or calls nested in operators.
    fn expression_statement(&mut self, expr: Syntax<'_>, depth: usize, out: &mut Vec<Node>) {
        match expr.kind() {
            "assignment" => {
                let left = expr.child_by_field_name("left");
                let mut right = expr.child_by_field_name("right");
                // `x = y = f()`: the value is the innermost right side.
                while let Some(inner) = right.filter(|r| r.kind() == "assignment") {
                    right = inner.child_by_field_name("right");
                }
                self.assign(left, right, expr, depth, out);
            }
            "augmented_assignment" => {
                let left = expr.child_by_field_name("left");
                let right = expr.child_by_field_name("right");
                self.assign(left, right, expr, depth, out);
            }
            _ => match as_call(expr) {
                Some((call, awaited)) => {
                    if !self.too_deep(depth) {
                        let call =
                            self.call(call, awaited, CallResult::Discarded, None, depth, out);
                        out.push(Node::Call(call));
                    }
                }
                None => self.collect_calls(expr, depth, out),
            },
        }
    }

    /// `target = value`: a bound call, or an [`Assign`] of the value's shape.
    fn assign(
        &mut self,
        left: Option<Syntax<'_>>,
        right: Option<Syntax<'_>>,
        whole: Syntax<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let Some(right) = right else {
            return;
        };
        let target = left.map_or("", |l| self.text(l));
        if let Some(left) = left {
            // Subscripted targets can hold calls: `cache[key()] = v`.
            self.collect_calls(left, depth, out);
        }
        match as_call(right) {
            Some((call, awaited)) => {
                if !self.too_deep(depth) {
                    let bound = Some(target.to_string());
                    let call = self.call(call, awaited, CallResult::Bound, bound, depth, out);
                    out.push(Node::Call(call));
                }
            }
            None => {
                let value = self.value(right, depth + 1, out, LambdaSite::Bound(target));
                out.push(Node::Assign(Assign {
                    target: target.to_string(),
                    value,
                    span: self.span(whole),
                }));
            }
        }
    }

    /// The [`Return`] of `expr` (a `return` statement's value or a lambda body).
    pub(super) fn returned(
        &mut self,
        expr: Syntax<'_>,
        span: Span,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Return {
        let value = match as_call(expr) {
            Some((call, awaited)) => {
                if self.too_deep(depth + 1) {
                    Value::Other
                } else {
                    let call = self.call(call, awaited, CallResult::Returned, None, depth + 1, out);
                    Value::Call(Box::new(call))
                }
            }
            None => self.value(expr, depth + 1, out, LambdaSite::Anonymous),
        };
        Return {
            value_text: self.text(expr).to_string(),
            value: Some(value),
            span,
        }
    }

    /// A block node of `kind` whose body is the statements of `body`.
    fn block(
        &mut self,
        kind: BlockKind,
        body: Option<Syntax<'_>>,
        span: Span,
        scope: Scope<'_>,
        depth: usize,
    ) -> Node {
        let body = match body {
            Some(body) => self.body(body, scope, depth + 1),
            None => Vec::new(),
        };
        Node::Block(Block { kind, body, span })
    }

    /// The span from the start of `node` to the end of `last` (a clause head and its body).
    fn span_to(&self, node: Syntax<'_>, last: Option<Syntax<'_>>) -> Span {
        let end = last.map_or(node.end_byte(), |l| l.end_byte());
        self.index.span(node.start_byte(), end)
    }

    /// `if` / `elif` / `else`: one `If` block per branch, in order.
    fn if_statement(
        &mut self,
        node: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let condition = node.child_by_field_name("condition");
        let consequence = node.child_by_field_name("consequence");
        if let Some(condition) = condition {
            self.collect_calls(condition, depth, out);
        }
        let kind = BlockKind::If {
            condition: condition.map_or("", |c| self.text(c)).to_string(),
        };
        let span = self.span_to(node, consequence);
        let block = self.block(kind, consequence, span, scope, depth);
        out.push(block);
        let mut cursor = node.walk();
        for branch in node.children_by_field_name("alternative", &mut cursor) {
            let (condition, body) = match branch.kind() {
                "elif_clause" => {
                    let condition = branch.child_by_field_name("condition");
                    if let Some(condition) = condition {
                        self.collect_calls(condition, depth, out);
                    }
                    let text = condition.map_or("", |c| self.text(c));
                    (text, branch.child_by_field_name("consequence"))
                }
                _ => ("else", branch.child_by_field_name("body")),
            };
            let kind = BlockKind::If {
                condition: condition.to_string(),
            };
            let block = self.block(kind, body, self.span(branch), scope, depth);
            out.push(block);
        }
    }

    /// `for target in iterable:` with its optional `else:`.
    fn for_statement(
        &mut self,
        node: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let left = node.child_by_field_name("left");
        let right = node.child_by_field_name("right");
        let header = match (left, right) {
            (Some(l), Some(r)) => self.slice(l.start_byte(), r.end_byte()),
            (Some(only), None) | (None, Some(only)) => self.text(only),
            (None, None) => "",
        };
        for part in [left, right].into_iter().flatten() {
            self.collect_calls(part, depth, out);
        }
        self.loop_with_else(node, header, scope, depth, out);
    }

    /// `while condition:` with its optional `else:`.
    fn while_statement(
        &mut self,
        node: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let condition = node.child_by_field_name("condition");
        if let Some(condition) = condition {
            self.collect_calls(condition, depth, out);
        }
        let header = condition.map_or("", |c| self.text(c));
        self.loop_with_else(node, header, scope, depth, out);
    }

    /// The `Loop` block of a `for`/`while` and the `Plain` block of its `else:`.
    fn loop_with_else(
        &mut self,
        node: Syntax<'_>,
        header: &str,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let body = node.child_by_field_name("body");
        let kind = BlockKind::Loop {
            header: header.to_string(),
        };
        let block = self.block(kind, body, self.span_to(node, body), scope, depth);
        out.push(block);
        if let Some(other) = node.child_by_field_name("alternative") {
            let body = other.child_by_field_name("body");
            let block = self.block(BlockKind::Plain, body, self.span(other), scope, depth);
            out.push(block);
        }
    }

    /// `try` / `except` / `else` / `finally`, as consecutive blocks.
    fn try_statement(
        &mut self,
        node: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let body = node.child_by_field_name("body");
        let block = self.block(BlockKind::Try, body, self.span_to(node, body), scope, depth);
        out.push(block);
        let mut cursor = node.walk();
        for clause in node.named_children(&mut cursor) {
            match clause.kind() {
                "except_clause" => {
                    let block = self.except_clause(clause, scope, depth);
                    out.push(block);
                }
                "else_clause" => {
                    let body = clause.child_by_field_name("body");
                    let block = self.block(BlockKind::Plain, body, self.span(clause), scope, depth);
                    out.push(block);
                }
                "finally_clause" => {
                    let body = child_of_kind(clause, "block");
                    let block =
                        self.block(BlockKind::Finally, body, self.span(clause), scope, depth);
                    out.push(block);
                }
                _ => {}
            }
        }
    }

    /// `except`, `except E as e`, `except (A, B) as e`, `except* E`, `except A, B`.
    fn except_clause(&mut self, clause: Syntax<'_>, scope: Scope<'_>, depth: usize) -> Node {
        let mut error_types = Vec::new();
        let mut binding = None;
        // Calls in the caught types run when an exception arrives: they open the body.
        let mut body = Vec::new();
        let mut cursor = clause.walk();
        for value in clause.children_by_field_name("value", &mut cursor) {
            let types = if value.kind() == "as_pattern" {
                if let Some(alias) = value.child_by_field_name("alias") {
                    binding = Some(self.text(alias).to_string());
                }
                match first_named(value) {
                    Some(types) => types,
                    None => continue,
                }
            } else {
                value
            };
            let types = unwrap_parens(types);
            if types.kind() == "tuple" {
                let mut inner = types.walk();
                for item in types.named_children(&mut inner) {
                    if item.kind() != "comment" {
                        error_types.push(self.text(item).to_string());
                    }
                }
            } else {
                error_types.push(self.text(types).to_string());
            }
            self.collect_calls(types, depth + 1, &mut body);
        }
        if let Some(alias) = clause.child_by_field_name("alias") {
            binding = Some(self.text(alias).to_string());
        }
        if let Some(block) = child_of_kind(clause, "block") {
            body.extend(self.body(block, scope, depth + 1));
        }
        let rethrows = contains_statement(
            clause,
            "raise_statement",
            &["function_definition", "lambda", "class_definition"],
        );
        Node::Block(Block {
            kind: BlockKind::Catch {
                error_types,
                binding,
                rethrows,
            },
            body,
            span: self.span(clause),
        })
    }

    /// `with a() as x, b:` / `async with ...:` as one `With` block.
    fn with_statement(
        &mut self,
        node: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        let is_async = node.child(0).is_some_and(|c| c.kind() == "async");
        let mut items = Vec::new();
        let mut cursor = node.walk();
        for clause in node.named_children(&mut cursor) {
            if clause.kind() != "with_clause" {
                continue;
            }
            let mut inner = clause.walk();
            for item in clause.named_children(&mut inner) {
                let Some(value) = item.child_by_field_name("value") else {
                    continue;
                };
                let (expr, alias) = if value.kind() == "as_pattern" {
                    let alias = value.child_by_field_name("alias");
                    (first_named(value), alias.map(|a| self.text(a).to_string()))
                } else {
                    (Some(value), None)
                };
                let Some(expr) = expr else {
                    continue;
                };
                if self.too_deep(depth + 1) {
                    continue;
                }
                let result = if alias.is_some() {
                    CallResult::Bound
                } else {
                    CallResult::Used
                };
                let call = match as_call(expr) {
                    Some((call, awaited)) => {
                        Some(self.call(call, awaited, result, alias, depth + 1, out))
                    }
                    None => self.path_call(expr, result, alias, depth + 1, out),
                };
                items.extend(call);
            }
        }
        let kind = BlockKind::With { items, is_async };
        let body = node.child_by_field_name("body");
        let block = self.block(kind, body, self.span(node), scope, depth);
        out.push(block);
    }

    /// `match subject:` with one `Arm` per `case`.
    fn match_statement(
        &mut self,
        node: Syntax<'_>,
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        if let Some(subject) = node.child_by_field_name("subject") {
            self.collect_calls(subject, depth, out);
        }
        let Some(cases) = node.child_by_field_name("body") else {
            return;
        };
        let mut cursor = cases.walk();
        for case in cases.named_children(&mut cursor) {
            if case.kind() != "case_clause" {
                continue;
            }
            let mut first = None;
            let mut last = None;
            let mut patterns = case.walk();
            for pattern in case.named_children(&mut patterns) {
                if pattern.kind() == "case_pattern" {
                    first = first.or(Some(pattern.start_byte()));
                    last = Some(pattern.end_byte());
                }
            }
            let guard = case.child_by_field_name("guard");
            if let Some(guard) = guard {
                self.collect_calls(guard, depth, out);
            }
            let pattern = match (first, guard.map(|g| g.end_byte()).or(last)) {
                (Some(start), Some(end)) => self.slice(start, end),
                _ => "",
            };
            let kind = BlockKind::Arm {
                pattern: pattern.to_string(),
            };
            let body = case.child_by_field_name("consequence");
            let block = self.block(kind, body, self.span(case), scope, depth);
            out.push(block);
        }
    }

    /// `@decorator ... def/class`.
    fn decorated(&mut self, node: Syntax<'_>, scope: Scope<'_>, depth: usize, out: &mut Vec<Node>) {
        let mut cursor = node.walk();
        let decorators: Vec<Syntax<'_>> = node
            .named_children(&mut cursor)
            .filter(|c| c.kind() == "decorator")
            .collect();
        match node.child_by_field_name("definition") {
            Some(def) if def.kind() == "function_definition" => {
                let function = self.function(def, node, &decorators, scope, depth, out);
                out.push(Node::Function(function));
            }
            Some(def) if def.kind() == "class_definition" => {
                self.class(def, &decorators, scope, depth, out);
            }
            _ => {
                for decorator in decorators {
                    if let Some(call) = self.decorator(decorator, depth, out) {
                        out.push(Node::Call(call));
                    }
                }
            }
        }
    }

    /// A `def` (`whole` is the definition with its decorators).
    fn function(
        &mut self,
        def: Syntax<'_>,
        whole: Syntax<'_>,
        decorators: &[Syntax<'_>],
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Function {
        let name = def.child_by_field_name("name").map_or("", |n| self.text(n));
        let (name, class, class_bases) = match scope {
            Scope::Class(class) => (
                format!("{}.{name}", class.name),
                Some(class.name.clone()),
                class.bases.clone(),
            ),
            Scope::Code => (name.to_string(), None, Vec::new()),
        };
        let mut calls = Vec::new();
        if !self.too_deep(depth + 1) {
            for decorator in decorators {
                calls.extend(self.decorator(*decorator, depth + 1, out));
            }
        }
        let params = self.params(def.child_by_field_name("parameters"), depth, out);
        let body = match def.child_by_field_name("body") {
            Some(body) => self.body(body, Scope::Code, depth + 1),
            None => Vec::new(),
        };
        Function {
            name,
            origin: FunctionOrigin::Declaration,
            decorators: calls,
            params,
            is_async: def.child(0).is_some_and(|c| c.kind() == "async"),
            class,
            class_bases,
            span: self.span(whole),
            body,
        }
    }

    /// A `class`: decorators as calls, then its members flattened into `out`.
    fn class(
        &mut self,
        node: Syntax<'_>,
        decorators: &[Syntax<'_>],
        scope: Scope<'_>,
        depth: usize,
        out: &mut Vec<Node>,
    ) {
        for decorator in decorators {
            if let Some(call) = self.decorator(*decorator, depth, out) {
                out.push(Node::Call(call));
            }
        }
        // Flattened, but still a level: hostile class nesting must stay bounded.
        if self.too_deep(depth + 1) {
            return;
        }
        let name = node
            .child_by_field_name("name")
            .map_or("", |n| self.text(n));
        let name = match scope {
            Scope::Class(outer) => format!("{}.{name}", outer.name),
            Scope::Code => name.to_string(),
        };
        let mut bases = Vec::new();
        if let Some(list) = node.child_by_field_name("superclasses") {
            let mut cursor = list.walk();
            for base in list.named_children(&mut cursor) {
                match base.kind() {
                    "keyword_argument" | "list_splat" | "dictionary_splat" | "comment" => {}
                    _ => {
                        self.collect_calls(base, depth, out);
                        bases.push(self.text(base).to_string());
                    }
                }
            }
        }
        let class = ClassScope { name, bases };
        if let Some(body) = node.child_by_field_name("body") {
            self.statements_into(body, Scope::Class(&class), depth + 1, out);
        }
    }

    /// Parameters of a `def` or `lambda`; calls in default values (evaluated
    /// where the function is defined) go to `out`.
    pub(super) fn params(
        &mut self,
        list: Option<Syntax<'_>>,
        depth: usize,
        out: &mut Vec<Node>,
    ) -> Vec<Param> {
        let Some(list) = list else {
            return Vec::new();
        };
        let mut params = Vec::new();
        let mut cursor = list.walk();
        for param in list.named_children(&mut cursor) {
            let (name, annotation, default) = match param.kind() {
                "identifier"
                | "list_splat_pattern"
                | "dictionary_splat_pattern"
                | "tuple_pattern" => (Some(param), None, None),
                "typed_parameter" => (first_named(param), param.child_by_field_name("type"), None),
                "default_parameter" => (
                    param.child_by_field_name("name"),
                    None,
                    param.child_by_field_name("value"),
                ),
                "typed_default_parameter" => (
                    param.child_by_field_name("name"),
                    param.child_by_field_name("type"),
                    param.child_by_field_name("value"),
                ),
                _ => continue,
            };
            if let Some(default) = default {
                self.collect_calls(default, depth + 1, out);
            }
            params.push(Param {
                name: name.map_or("", |n| self.text(n)).to_string(),
                destructured: Vec::new(),
                type_annotation: annotation.map(|a| self.text(a).to_string()),
            });
        }
        params
    }
}

/// The first direct child of `node` with this kind.
fn child_of_kind<'t>(node: Syntax<'t>, kind: &str) -> Option<Syntax<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).find(|c| c.kind() == kind)
}
