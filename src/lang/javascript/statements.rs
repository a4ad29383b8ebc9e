//! Statements, blocks, functions, parameters and classes.

use super::Converter;
use super::expressions::{CallContext, FunctionSlot};
use super::syntax::{
    annotation_text, child_of_kind, condition_text, first_named, is_class, is_function_declaration,
    is_function_expression, named_children,
};
use crate::lang::syntax_tree::contains_statement;
use crate::model::{
    Assign, Block, BlockKind, Call, CallResult, Function, FunctionOrigin, Node as ModelNode, Param,
    Return, Span, Value,
};
use tree_sitter::Node;

/// The nodes whose bodies run later, if at all: a `throw` inside one is not
/// the handler's own.
const NESTED_FUNCTIONS: &[&str] = &[
    "function_declaration",
    "function_expression",
    "function",
    "arrow_function",
    "method_definition",
    "generator_function",
    "generator_function_declaration",
    "class_declaration",
    "class",
];

impl<'s> Converter<'s> {
    /// Convert the statements directly under `parent` (a program, a statement
    /// block) into `out`, whose model depth is `depth`.
    pub(super) fn statements(&mut self, parent: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        let mut cursor = parent.walk();
        let children: Vec<Node<'_>> = parent.named_children(&mut cursor).collect();
        for child in children {
            self.statement(child, out, depth);
        }
    }

    /// Convert one statement into `out`.
    pub(super) fn statement(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        let mut node = node;
        while node.kind() == "labeled_statement" {
            match self.fields.body(node) {
                Some(body) => node = body,
                None => return,
            }
        }
        match node.kind() {
            "expression_statement" => {
                for expression in named_children(node) {
                    self.expression_statement(expression, out, depth);
                }
            }
            "lexical_declaration" | "variable_declaration" => {
                for declarator in named_children(node) {
                    if declarator.kind() != "variable_declarator" {
                        continue;
                    }
                    let (Some(name), Some(value)) =
                        (self.fields.name(declarator), self.fields.value(declarator))
                    else {
                        continue;
                    };
                    let target = self.text(name);
                    self.bind(target, value, self.span(declarator), out, depth);
                }
            }
            kind if is_function_declaration(kind) => {
                let name = self
                    .fields
                    .name(node)
                    .map_or("<anonymous>", |n| self.text(n));
                if let Some(function) =
                    self.function(node, name.to_string(), FunctionOrigin::Declaration, depth)
                {
                    out.push(ModelNode::Function(function));
                }
            }
            kind if is_class(kind) => self.class(node, None, out, depth),
            "export_statement" => self.export(node, out, depth),
            "if_statement" => self.if_chain(node, out, depth),
            "for_statement" => {
                for part in [
                    self.fields.initializer(node),
                    self.fields.condition(node),
                    self.fields.increment(node),
                ]
                .into_iter()
                .flatten()
                {
                    self.hoist(part, out, depth);
                }
                self.loop_block(node, self.loop_header(node), None, out, depth);
            }
            "for_in_statement" => {
                if let Some(right) = self.fields.right(node) {
                    self.hoist(right, out, depth);
                }
                self.loop_block(node, self.loop_header(node), None, out, depth);
            }
            "while_statement" => {
                let condition = self.fields.condition(node);
                if let Some(condition) = condition {
                    self.hoist(condition, out, depth);
                }
                let header = condition.map_or("", |c| condition_text(self.text(c)));
                self.loop_block(node, header.to_string(), None, out, depth);
            }
            "do_statement" => {
                let condition = self.fields.condition(node);
                let header = condition.map_or("", |c| condition_text(self.text(c)));
                self.loop_block(node, header.to_string(), condition, out, depth);
            }
            "try_statement" => self.try_statement(node, out, depth),
            "switch_statement" => self.switch(node, out, depth),
            "return_statement" => {
                let value = first_named(node);
                let value_text = value.map_or("", |v| self.text(v)).to_string();
                let value = value.map(|v| {
                    self.value(
                        v,
                        CallResult::Returned,
                        FunctionSlot::Anonymous("<anonymous>"),
                        out,
                        depth,
                    )
                });
                out.push(ModelNode::Return(Return {
                    value_text,
                    value,
                    span: self.span(node),
                }));
            }
            "throw_statement" => {
                let value = first_named(node);
                let value_text = format!("throw {}", value.map_or("", |v| self.text(v)));
                let value = value.map(|v| {
                    self.value(
                        v,
                        CallResult::Used,
                        FunctionSlot::Anonymous("<anonymous>"),
                        out,
                        depth,
                    )
                });
                out.push(ModelNode::Return(Return {
                    value_text,
                    value,
                    span: self.span(node),
                }));
            }
            "statement_block" | "class_static_block" => {
                let body = match node.kind() {
                    "statement_block" => Some(node),
                    _ => self.fields.body(node),
                };
                self.plain_block(node, body, out, depth);
            }
            "with_statement" => {
                if let Some(object) = self.fields.object(node) {
                    self.hoist(object, out, depth);
                }
                self.plain_block(node, self.fields.body(node), out, depth);
            }
            "ERROR" => {
                // Recover what parsed: statements inside the error node are
                // converted as usual; nested errors are only searched.
                for child in named_children(node) {
                    if child.is_error() {
                        self.hoist(child, out, depth);
                    } else {
                        self.statement(child, out, depth);
                    }
                }
            }
            "comment"
            | "empty_statement"
            | "debugger_statement"
            | "break_statement"
            | "continue_statement"
            | "import_statement"
            | "hash_bang_line"
            | "interface_declaration"
            | "type_alias_declaration"
            | "ambient_declaration"
            | "function_signature" => {}
            _ => self.hoist(node, out, depth),
        }
    }

    /// An expression used as a statement; sequence expressions are split.
    fn expression_statement(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        let mut pending = vec![node];
        while let Some(expression) = pending.pop() {
            let (inner, peeled) = self.peel(expression);
            if self.is_call(inner) {
                let context = CallContext {
                    awaited: peeled.awaited,
                    result: if peeled.voided {
                        CallResult::ExplicitlyIgnored
                    } else {
                        CallResult::Discarded
                    },
                    bound_to: None,
                };
                if let Some(call) = self.call(inner, context, out, depth) {
                    out.push(ModelNode::Call(call));
                }
                continue;
            }
            match inner.kind() {
                "assignment_expression" | "augmented_assignment_expression" => {
                    let target = self.fields.left(inner).map_or("", |l| self.text(l));
                    if let Some(right) = self.fields.right(inner) {
                        self.bind(target, right, self.span(inner), out, depth);
                    }
                }
                "sequence_expression" => {
                    let parts = named_children(inner);
                    pending.extend(parts.into_iter().rev());
                }
                "internal_module" | "module" => {
                    self.plain_block(inner, self.fields.body(inner), out, depth);
                }
                _ => self.hoist(inner, out, depth),
            }
        }
    }

    /// `target = value` (declaration, assignment, class field, `export
    /// default`): a call is bound, a function or class takes the name, and
    /// anything else is an [`Assign`].
    fn bind(
        &mut self,
        target: &str,
        value: Node<'_>,
        span: Span,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) {
        let (inner, peeled) = self.peel(value);
        // `const queue = (this.queue = new Queue())`: the value is bound to
        // the inner target, and the outer name is its alias.
        if inner.kind() == "assignment_expression"
            && let (Some(left), Some(right)) = (self.fields.left(inner), self.fields.right(inner))
        {
            let alias = self.text(left).to_string();
            if let Some(deeper) = self.enter(depth) {
                self.bind(&alias, right, span, out, deeper);
            }
            out.push(ModelNode::Assign(Assign {
                target: target.to_string(),
                value: Value::Path(alias),
                span,
            }));
            return;
        }
        if self.is_call(inner) {
            let context = CallContext {
                awaited: peeled.awaited,
                result: if peeled.voided {
                    CallResult::ExplicitlyIgnored
                } else {
                    CallResult::Bound
                },
                bound_to: Some(target.to_string()),
            };
            if let Some(call) = self.call(inner, context, out, depth) {
                out.push(ModelNode::Call(call));
            }
            return;
        }
        if is_function_expression(inner.kind()) {
            if let Some(function) =
                self.function(inner, target.to_string(), FunctionOrigin::Anonymous, depth)
            {
                out.push(ModelNode::Function(function));
            }
            return;
        }
        if inner.kind() == "class" {
            self.class(inner, Some(target), out, depth);
            return;
        }
        let value = self.value(
            value,
            CallResult::Used,
            FunctionSlot::Anonymous(target),
            out,
            depth,
        );
        out.push(ModelNode::Assign(Assign {
            target: target.to_string(),
            value,
            span,
        }));
    }

    /// `export <declaration>` and `export default <expression>`.
    fn export(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        if let Some(declaration) = self.fields.declaration(node) {
            self.statement(declaration, out, depth);
            return;
        }
        let Some(value) = self.fields.value(node) else {
            return;
        };
        let (inner, _) = self.peel(value);
        if is_function_expression(inner.kind())
            && let Some(name) = self.fields.name(inner)
        {
            let name = self.text(name).to_string();
            if let Some(function) = self.function(inner, name, FunctionOrigin::Declaration, depth) {
                out.push(ModelNode::Function(function));
            }
            return;
        }
        self.bind("default", value, self.span(node), out, depth);
    }

    /// An `if … else if … else` chain: one `If` block per branch, in order,
    /// after the calls of all conditions. Iterative over `else if`.
    fn if_chain(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        let mut blocks = Vec::new();
        let mut current = node;
        let mut start = node.start_byte();
        loop {
            let condition = self.fields.condition(current);
            if let Some(condition) = condition {
                self.hoist(condition, out, depth);
            }
            let consequence = self.fields.consequence(current);
            let end = consequence.map_or(current.end_byte(), |c| c.end_byte());
            let kind = BlockKind::If {
                condition: condition
                    .map_or("", |c| condition_text(self.text(c)))
                    .to_string(),
            };
            blocks.extend(self.block(kind, consequence, self.index.span(start, end), depth));
            let Some(alternative) = self.fields.alternative(current) else {
                break;
            };
            let Some(branch) = first_named(alternative) else {
                break;
            };
            if branch.kind() == "if_statement" {
                start = alternative.start_byte();
                current = branch;
                continue;
            }
            let kind = BlockKind::If {
                condition: "else".to_string(),
            };
            blocks.extend(self.block(kind, Some(branch), self.span(alternative), depth));
            break;
        }
        out.extend(blocks.into_iter().map(ModelNode::Block));
    }

    /// A loop block; `trailing` is a `do … while` condition whose calls end the body.
    fn loop_block(
        &mut self,
        node: Node<'_>,
        header: String,
        trailing: Option<Node<'_>>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) {
        let body = self.fields.body(node);
        if let Some(mut block) =
            self.block(BlockKind::Loop { header }, body, self.span(node), depth)
        {
            if let Some(condition) = trailing {
                self.hoist(condition, &mut block.body, depth + 1);
            }
            out.push(ModelNode::Block(block));
        }
    }

    /// The source text between a `for` statement's parentheses.
    fn loop_header(&self, node: Node<'_>) -> String {
        let mut cursor = node.walk();
        let mut open = None;
        let mut close = None;
        for child in node.children(&mut cursor) {
            match child.kind() {
                "(" if open.is_none() => open = Some(child.end_byte()),
                ")" => close = Some(child.start_byte()),
                _ => {}
            }
        }
        match (open, close) {
            (Some(open), Some(close)) if open <= close => {
                let source = self.index.text(node);
                let base = node.start_byte();
                source
                    .get(open - base..close - base)
                    .unwrap_or("")
                    .trim()
                    .to_string()
            }
            _ => String::new(),
        }
    }

    /// `try` / `catch` / `finally` as consecutive blocks.
    fn try_statement(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        let body = self.fields.body(node);
        let end = body.map_or(node.end_byte(), |b| b.end_byte());
        let span = self.index.span(node.start_byte(), end);
        if let Some(block) = self.block(BlockKind::Try, body, span, depth) {
            out.push(ModelNode::Block(block));
        }
        if let Some(handler) = self.fields.handler(node) {
            let body = self.fields.body(handler);
            let kind = BlockKind::Catch {
                error_types: Vec::new(),
                binding: self
                    .fields
                    .parameter(handler)
                    .map(|p| self.text(p).to_string()),
                rethrows: body.is_some_and(|body| {
                    contains_statement(body, "throw_statement", NESTED_FUNCTIONS)
                }),
            };
            if let Some(block) = self.block(kind, body, self.span(handler), depth) {
                out.push(ModelNode::Block(block));
            }
        }
        if let Some(finalizer) = self.fields.finalizer(node) {
            let body = self.fields.body(finalizer);
            if let Some(block) = self.block(BlockKind::Finally, body, self.span(finalizer), depth) {
                out.push(ModelNode::Block(block));
            }
        }
    }

    /// `switch`: the discriminant's calls, then one `Arm` per case.
    fn switch(&mut self, node: Node<'_>, out: &mut Vec<ModelNode>, depth: usize) {
        if let Some(value) = self.fields.value(node) {
            self.hoist(value, out, depth);
        }
        let Some(body) = self.fields.body(node) else {
            return;
        };
        for case in named_children(body) {
            let test = match case.kind() {
                "switch_case" => self.fields.value(case),
                "switch_default" => None,
                _ => continue,
            };
            if let Some(test) = test {
                self.hoist(test, out, depth);
            }
            let Some(inner) = self.enter(depth) else {
                continue;
            };
            let mut statements = Vec::new();
            for child in named_children(case) {
                if test.is_some_and(|t| t.id() == child.id()) {
                    continue;
                }
                self.statement(child, &mut statements, inner);
            }
            let pattern = test.map_or("default", |t| self.text(t)).to_string();
            out.push(ModelNode::Block(Block {
                kind: BlockKind::Arm { pattern },
                body: statements,
                span: self.span(case),
            }));
        }
    }

    /// A [`BlockKind::Plain`] block around `body`'s statements.
    fn plain_block(
        &mut self,
        node: Node<'_>,
        body: Option<Node<'_>>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) {
        if let Some(block) = self.block(BlockKind::Plain, body, self.span(node), depth) {
            out.push(ModelNode::Block(block));
        }
    }

    /// A block of `kind` whose body is a statement block or a single statement.
    fn block(
        &mut self,
        kind: BlockKind,
        body: Option<Node<'_>>,
        span: Span,
        depth: usize,
    ) -> Option<Block> {
        let depth = self.enter(depth)?;
        let mut statements = Vec::new();
        match body {
            Some(body) if body.kind() == "statement_block" => {
                self.statements(body, &mut statements, depth);
            }
            Some(body) => self.statement(body, &mut statements, depth),
            None => {}
        }
        Some(Block {
            kind,
            body: statements,
            span,
        })
    }

    /// A function, arrow function or method: signature and body.
    pub(super) fn function(
        &mut self,
        node: Node<'_>,
        name: String,
        origin: FunctionOrigin,
        depth: usize,
    ) -> Option<Function> {
        let depth = self.enter(depth)?;
        let params = self.params(node);
        let is_async = child_of_kind(node, "async").is_some();
        let mut body = Vec::new();
        match self.fields.body(node) {
            Some(block) if block.kind() == "statement_block" => {
                self.statements(block, &mut body, depth);
            }
            Some(expression) => {
                // An arrow function's expression body is its return value.
                let value = self.value(
                    expression,
                    CallResult::Returned,
                    FunctionSlot::Anonymous("<anonymous>"),
                    &mut body,
                    depth,
                );
                body.push(ModelNode::Return(Return {
                    value_text: self.text(expression).to_string(),
                    value: Some(value),
                    span: self.span(expression),
                }));
            }
            None => {}
        }
        Some(Function {
            name,
            origin,
            decorators: Vec::new(),
            params,
            is_async,
            class: None,
            class_bases: Vec::new(),
            span: self.span(node),
            body,
        })
    }

    /// The parameters of a function (`x => …` has one without parentheses).
    fn params(&self, function: Node<'_>) -> Vec<Param> {
        if let Some(single) = self.fields.parameter(function) {
            return vec![self.pattern_param(single)];
        }
        let Some(list) = self.fields.parameters(function) else {
            return Vec::new();
        };
        named_children(list)
            .into_iter()
            .filter_map(|param| match param.kind() {
                "required_parameter" | "optional_parameter" => {
                    let mut result = self.pattern_param(self.fields.pattern(param)?);
                    result.type_annotation = self
                        .fields
                        .type_annotation(param)
                        .map(|t| annotation_text(self.text(t)));
                    Some(result)
                }
                "decorator" => None,
                _ => Some(self.pattern_param(param)),
            })
            .collect()
    }

    /// A parameter from its binding pattern (`x`, `x = 1`, `{ a, b }`, `...rest`).
    fn pattern_param(&self, pattern: Node<'_>) -> Param {
        let pattern = match pattern.kind() {
            "assignment_pattern" => self.fields.left(pattern).unwrap_or(pattern),
            _ => pattern,
        };
        let destructured = if pattern.kind() == "object_pattern" {
            self.destructured_keys(pattern)
        } else {
            Vec::new()
        };
        Param {
            name: self.text(pattern).to_string(),
            destructured,
            type_annotation: None,
        }
    }

    /// The keys an object pattern takes apart (`{ orderId, user: u, n = 1 }`).
    fn destructured_keys(&self, pattern: Node<'_>) -> Vec<String> {
        named_children(pattern)
            .into_iter()
            .filter_map(|entry| match entry.kind() {
                "shorthand_property_identifier_pattern" => Some(self.text(entry)),
                "pair_pattern" => self.fields.key(entry).map(|k| self.key_text(k)),
                "object_assignment_pattern" => self.fields.left(entry).map(|l| self.text(l)),
                _ => None,
            })
            .map(str::to_string)
            .collect()
    }

    /// A class: its methods and function-valued fields become `Class.member`
    /// functions in `out`; other field initializers are bound to `this.field`.
    pub(super) fn class(
        &mut self,
        node: Node<'_>,
        fallback_name: Option<&str>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) {
        let class_name = self
            .fields
            .name(node)
            .map(|n| self.text(n))
            .or(fallback_name)
            .unwrap_or("<anonymous>")
            .to_string();
        let bases = self.class_bases(node);
        let Some(body) = self.fields.body(node) else {
            return;
        };
        let mut pending_decorators: Vec<Call> = Vec::new();
        for member in named_children(body) {
            match member.kind() {
                // TypeScript puts member decorators before the member.
                "decorator" => {
                    if let Some(call) = self.decorator(member, out, depth) {
                        pending_decorators.push(call);
                    }
                }
                "method_definition" | "public_field_definition" | "field_definition" => {
                    let mut decorators = std::mem::take(&mut pending_decorators);
                    // JavaScript keeps them inside the member.
                    for child in named_children(member) {
                        if child.kind() == "decorator"
                            && let Some(call) = self.decorator(child, out, depth)
                        {
                            decorators.push(call);
                        }
                    }
                    let class = ClassInfo {
                        name: &class_name,
                        bases: &bases,
                        decorators,
                    };
                    self.class_member(member, class, out, depth);
                }
                "class_static_block" => self.statement(member, out, depth),
                _ => {}
            }
        }
    }

    /// One method or field of a class.
    fn class_member(
        &mut self,
        member: Node<'_>,
        class: ClassInfo<'_>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) {
        let Some(name_node) = self
            .fields
            .name(member)
            .or_else(|| self.fields.property(member))
        else {
            return;
        };
        let member_name = self.key_text(name_node);
        let qualified = format!("{}.{member_name}", class.name);
        let function = if member.kind() == "method_definition" {
            Some(member)
        } else {
            let Some(value) = self.fields.value(member) else {
                return;
            };
            let (inner, _) = self.peel(value);
            if is_function_expression(inner.kind()) {
                Some(inner)
            } else {
                let is_static = child_of_kind(member, "static").is_some();
                let target = if is_static {
                    qualified
                } else {
                    format!("this.{member_name}")
                };
                self.bind(&target, value, self.span(member), out, depth);
                return;
            }
        };
        if let Some(node) = function
            && let Some(mut method) =
                self.function(node, qualified, FunctionOrigin::Declaration, depth)
        {
            method.span = self.span(member);
            method.class = Some(class.name.to_string());
            method.class_bases = class.bases.to_vec();
            method.decorators = class.decorators;
            out.push(ModelNode::Function(method));
        }
    }

    /// The `extends` names of a class (TypeScript `implements` is not a base).
    fn class_bases(&self, class: Node<'_>) -> Vec<String> {
        let Some(heritage) = child_of_kind(class, "class_heritage") else {
            return Vec::new();
        };
        let mut bases = Vec::new();
        for clause in named_children(heritage) {
            let base = match clause.kind() {
                "extends_clause" => self.fields.value(clause),
                "implements_clause" => None,
                _ => Some(clause),
            };
            if let Some(base) = base {
                bases.push(
                    self.plain_path(base)
                        .unwrap_or_else(|| self.text(base).to_string()),
                );
            }
        }
        bases
    }

    /// A decorator as a call: `@Post('/x')` with its arguments, `@Injectable`
    /// as a call of that path without arguments.
    fn decorator(
        &mut self,
        node: Node<'_>,
        out: &mut Vec<ModelNode>,
        depth: usize,
    ) -> Option<Call> {
        let expression = first_named(node)?;
        let (inner, _) = self.peel(expression);
        if self.is_call(inner) {
            let context = CallContext {
                awaited: false,
                result: CallResult::Used,
                bound_to: None,
            };
            return self.call(inner, context, out, depth);
        }
        let callee = self
            .plain_path(inner)
            .unwrap_or_else(|| self.text(inner).to_string());
        let (receiver, method) = super::syntax::split_callee(&callee);
        Some(Call {
            callee,
            receiver,
            method,
            result: CallResult::Used,
            text: self.text(inner).to_string(),
            span: self.span(inner),
            ..Call::default()
        })
    }
}

/// The enclosing class of a member being converted.
struct ClassInfo<'a> {
    name: &'a str,
    bases: &'a [String],
    decorators: Vec<Call>,
}
