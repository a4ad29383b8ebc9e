//! syn AST → language-neutral model.
//!
//! Choices made here (the model leaves them to the frontend):
//! - Items of an inline `mod x { .. }` are flattened into the enclosing body
//!   with their names qualified: `x.f`, `x.Type.method` (`class` stays `Type`).
//!   Items declared inside a function body are not qualified (`helper`).
//! - Methods are named `Type.method` with `class = Type` (the last segment of
//!   the self type, generics dropped); for trait impls `class_bases` holds the
//!   trait path. Trait default methods are `Trait.method` with the supertraits
//!   as bases. Trait methods without a body are not functions.
//! - Tail expressions that return from a function or closure (including the
//!   tails of `if`/`match`/block branches in tail position) become
//!   [`Node::Return`]; a returned call is the return's value with
//!   `result: Returned`.
//! - Calls in the condition of the first `if` of a chain, in a `match`
//!   scrutinee and in a `for` iterator are placed as `Used` calls just before
//!   the blocks; calls in an `else if` condition, a `while` condition or a
//!   match guard open the body of their block (they run once per entry).
//! - `let .. else { .. }`'s diverging block is an `If` block with condition
//!   `else`, right after the binding.
//! - Blocks, `if`s and `match`es in value position (`let x = match .. {}`) are
//!   emitted as blocks before the node that uses their value.
//! - A receiver that is not a path or a call is shown as `<expr>` in callees.

use super::locate::{Locator, closure_first, expr_first, expr_last, path_first};
use crate::lang::MAX_MODEL_DEPTH;
use crate::model::{
    Argument, Assign, Block, BlockKind, Call, CallResult, Function, FunctionOrigin, Node, Param,
    Property, Return, Span, Value,
};
use proc_macro2::Span as TokenSpan;
use syn::spanned::Spanned;
use syn::{
    BinOp, Expr, ExprCall, ExprIf, ExprMatch, ExprMethodCall, ImplItem, Item, Lit, Local, Member,
    Pat, Path, QSelf, Signature, Stmt, TraitItem, Type, UnOp, Visibility,
};

/// What the value of a block's tail expression is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tail {
    /// It is the function's (or closure's) return value.
    Returned,
    /// It is dropped (a statement, a loop body, a unit branch).
    Discarded,
    /// It flows into an enclosing expression.
    Used,
}

impl Tail {
    fn result(self) -> CallResult {
        match self {
            Tail::Returned => CallResult::Returned,
            Tail::Discarded => CallResult::Discarded,
            Tail::Used => CallResult::Used,
        }
    }
}

/// Converts the items of one parsed text into model nodes.
pub(super) struct Converter<'i, 's> {
    loc: Locator<'i, 's>,
    /// Whether anything was cut off at [`MAX_MODEL_DEPTH`].
    pub(super) truncated: bool,
}

/// The parts of a named function declaration.
struct FnParts<'a> {
    attrs: &'a [syn::Attribute],
    start: TokenSpan,
    sig: &'a Signature,
    block: &'a syn::Block,
}

/// One link of a method chain, outermost first.
enum Link<'a> {
    Method(&'a ExprMethodCall, bool, bool),
    Field(&'a Member),
    Index,
}

impl<'i, 's> Converter<'i, 's> {
    /// A converter for text located by `loc`.
    pub(super) fn new(loc: Locator<'i, 's>) -> Self {
        Converter {
            loc,
            truncated: false,
        }
    }

    // ----- positions -------------------------------------------------------

    pub(super) fn span(&self, first: TokenSpan, last: TokenSpan) -> Span {
        self.loc.span(first, last)
    }

    pub(super) fn expr_span(&self, expr: &Expr) -> Span {
        self.span(expr_first(expr), expr_last(expr))
    }

    pub(super) fn node_span<T: Spanned>(&self, node: &T) -> Span {
        let span = node.span();
        self.span(span, span)
    }

    pub(super) fn text(&self, span: Span) -> String {
        self.loc.text(span).to_string()
    }

    /// Whether `depth` may still be modelled; records the cut otherwise.
    pub(super) fn within(&mut self, depth: usize) -> bool {
        if depth >= MAX_MODEL_DEPTH {
            self.truncated = true;
            false
        } else {
            true
        }
    }

    // ----- items -----------------------------------------------------------

    /// Convert items, qualifying function names with `prefix` (`mod.` path).
    pub(super) fn items(
        &mut self,
        items: &[Item],
        prefix: &str,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        for item in items {
            self.item(item, prefix, out, depth);
        }
    }

    fn item(&mut self, item: &Item, prefix: &str, out: &mut Vec<Node>, depth: usize) {
        if !self.within(depth) {
            return;
        }
        match item {
            Item::Fn(f) => {
                let parts = FnParts {
                    attrs: &f.attrs,
                    start: vis_first(&f.vis).unwrap_or_else(|| sig_first(&f.sig)),
                    sig: &f.sig,
                    block: &f.block,
                };
                let name = format!("{prefix}{}", f.sig.ident);
                out.push(Node::Function(self.function(
                    parts,
                    name,
                    None,
                    Vec::new(),
                    depth,
                )));
            }
            Item::Impl(imp) => {
                let class = type_name(&imp.self_ty);
                let bases: Vec<String> = imp
                    .trait_
                    .iter()
                    .map(|(_, path, _)| path_string(path))
                    .collect();
                for impl_item in &imp.items {
                    match impl_item {
                        ImplItem::Fn(m) => {
                            let start = m
                                .defaultness
                                .map(|d| d.span)
                                .or_else(|| vis_first(&m.vis))
                                .unwrap_or_else(|| sig_first(&m.sig));
                            let parts = FnParts {
                                attrs: &m.attrs,
                                start,
                                sig: &m.sig,
                                block: &m.block,
                            };
                            let name = format!("{prefix}{class}.{}", m.sig.ident);
                            let function = self.function(
                                parts,
                                name,
                                Some(class.clone()),
                                bases.clone(),
                                depth,
                            );
                            out.push(Node::Function(function));
                        }
                        ImplItem::Const(c) => {
                            let span = self.span(c.const_token.span, c.semi_token.span);
                            let target = format!("{prefix}{class}.{}", c.ident);
                            self.binding(target, &c.expr, span, out, depth);
                        }
                        ImplItem::Macro(m) => self.macro_stmt(&m.mac, Tail::Discarded, out, depth),
                        _ => {}
                    }
                }
            }
            Item::Trait(t) => {
                let class = t.ident.to_string();
                let bases: Vec<String> = t
                    .supertraits
                    .iter()
                    .filter_map(|bound| match bound {
                        syn::TypeParamBound::Trait(tb) => Some(path_string(&tb.path)),
                        _ => None,
                    })
                    .collect();
                for trait_item in &t.items {
                    if let TraitItem::Fn(m) = trait_item
                        && let Some(block) = &m.default
                    {
                        let parts = FnParts {
                            attrs: &m.attrs,
                            start: sig_first(&m.sig),
                            sig: &m.sig,
                            block,
                        };
                        let name = format!("{prefix}{class}.{}", m.sig.ident);
                        let function =
                            self.function(parts, name, Some(class.clone()), bases.clone(), depth);
                        out.push(Node::Function(function));
                    }
                }
            }
            Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    let prefix = format!("{prefix}{}.", m.ident);
                    self.items(items, &prefix, out, depth + 1);
                }
            }
            Item::Const(c) => {
                let first = vis_first(&c.vis).unwrap_or(c.const_token.span);
                let span = self.span(first, c.semi_token.span);
                self.binding(format!("{prefix}{}", c.ident), &c.expr, span, out, depth);
            }
            Item::Static(s) => {
                let first = vis_first(&s.vis).unwrap_or(s.static_token.span);
                let span = self.span(first, s.semi_token.span);
                self.binding(format!("{prefix}{}", s.ident), &s.expr, span, out, depth);
            }
            Item::Macro(m) => {
                if !m.mac.path.is_ident("macro_rules") {
                    self.macro_stmt(&m.mac, Tail::Discarded, out, depth);
                }
            }
            _ => {}
        }
    }

    fn function(
        &mut self,
        parts: FnParts<'_>,
        name: String,
        class: Option<String>,
        class_bases: Vec<String>,
        depth: usize,
    ) -> Function {
        let decorators = self.decorators(parts.attrs, depth);
        let params = parts
            .sig
            .inputs
            .iter()
            .map(|input| match input {
                syn::FnArg::Receiver(r) => Param {
                    name: "self".to_string(),
                    destructured: Vec::new(),
                    type_annotation: r.colon_token.map(|_| self.text(self.node_span(&*r.ty))),
                },
                syn::FnArg::Typed(pt) => self.param(&pt.pat, Some(&pt.ty)),
            })
            .collect();
        let mut body = Vec::new();
        self.stmts(&parts.block.stmts, Tail::Returned, &mut body, depth + 1);
        Function {
            name,
            origin: FunctionOrigin::Declaration,
            decorators,
            params,
            is_async: parts.sig.asyncness.is_some(),
            class,
            class_bases,
            span: self.span(parts.start, parts.block.brace_token.span.close()),
            body,
        }
    }

    fn param(&self, pat: &Pat, ty: Option<&Type>) -> Param {
        let (pat, ty) = match (pat, ty) {
            (Pat::Type(typed), None) => (&*typed.pat, Some(&*typed.ty)),
            other => other,
        };
        let name = match pat {
            Pat::Ident(ident) if ident.subpat.is_none() => ident.ident.to_string(),
            other => self.text(self.node_span(other)),
        };
        Param {
            name,
            destructured: destructured_keys(pat),
            type_annotation: ty.map(|ty| self.text(self.node_span(ty))),
        }
    }

    /// A `const`/`static`/`let`-like binding of `expr` to `target`.
    fn binding(
        &mut self,
        target: String,
        expr: &Expr,
        span: Span,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        if let Some(call) =
            self.call_like(expr, CallResult::Bound, Some(target.clone()), out, depth)
        {
            out.push(Node::Call(call));
            return;
        }
        let mut value = self.value(expr, out, depth + 1);
        name_function(&mut value, &target);
        out.push(Node::Assign(Assign {
            target,
            value,
            span,
        }));
    }

    // ----- statements ------------------------------------------------------

    /// Convert a block's statements; its tail expression is used as `tail`.
    pub(super) fn stmts(&mut self, stmts: &[Stmt], tail: Tail, out: &mut Vec<Node>, depth: usize) {
        if !self.within(depth) {
            return;
        }
        let last = stmts.len().saturating_sub(1);
        for (i, stmt) in stmts.iter().enumerate() {
            match stmt {
                Stmt::Local(local) => self.local(local, out, depth),
                Stmt::Item(item) => self.item(item, "", out, depth),
                Stmt::Expr(expr, semi) => {
                    let ctx = if semi.is_none() && i == last {
                        tail
                    } else {
                        Tail::Discarded
                    };
                    self.expr_stmt(expr, ctx, out, depth);
                }
                Stmt::Macro(m) => {
                    let ctx = if m.semi_token.is_none() && i == last {
                        tail
                    } else {
                        Tail::Discarded
                    };
                    self.macro_stmt(&m.mac, ctx, out, depth);
                }
            }
        }
    }

    fn local(&mut self, local: &Local, out: &mut Vec<Node>, depth: usize) {
        let Some(init) = &local.init else {
            return;
        };
        let span = self.span(local.let_token.span, local.semi_token.span);
        let (target, ignored) = self.binding_target(&local.pat);
        if ignored {
            match self.call_like(&init.expr, CallResult::ExplicitlyIgnored, None, out, depth) {
                Some(call) => out.push(Node::Call(call)),
                None => self.flush_expr(&init.expr, out, depth + 1),
            }
        } else {
            self.binding(target, &init.expr, span, out, depth);
        }
        if let Some((else_token, diverge)) = &init.diverge {
            let mut body = Vec::new();
            self.branch_body(diverge, Tail::Discarded, &mut body, depth + 1);
            out.push(Node::Block(Block {
                kind: BlockKind::If {
                    condition: "else".to_string(),
                },
                body,
                span: self.span(else_token.span, expr_last(diverge)),
            }));
        }
    }

    /// The name a `let` pattern binds, and whether it is the `_` wildcard.
    fn binding_target(&self, pat: &Pat) -> (String, bool) {
        let mut pat = pat;
        loop {
            match pat {
                Pat::Type(typed) => pat = &typed.pat,
                Pat::Paren(paren) => pat = &paren.pat,
                Pat::Ident(ident) if ident.subpat.is_none() => {
                    return (ident.ident.to_string(), false);
                }
                Pat::Wild(_) => return ("_".to_string(), true),
                other => return (self.text(self.node_span(other)), false),
            }
        }
    }

    /// An expression in statement position (or a block's tail, per `ctx`).
    pub(super) fn expr_stmt(&mut self, expr: &Expr, ctx: Tail, out: &mut Vec<Node>, depth: usize) {
        if !self.within(depth) {
            return;
        }
        match expr {
            Expr::If(e) => self.if_chain(e, ctx, out, depth),
            Expr::Match(e) => self.match_arms(e, ctx, out, depth),
            Expr::Block(e) => self.plain_block(&e.block, self.expr_span(expr), ctx, out, depth),
            Expr::Unsafe(e) => self.plain_block(&e.block, self.expr_span(expr), ctx, out, depth),
            Expr::Const(e) => self.plain_block(&e.block, self.expr_span(expr), ctx, out, depth),
            Expr::TryBlock(e) => {
                self.plain_block(&e.block, self.expr_span(expr), ctx, out, depth);
            }
            Expr::Loop(e) => {
                let span = self.expr_span(expr);
                self.loop_block("loop".to_string(), None, &e.body, span, out, depth);
            }
            Expr::While(e) => {
                let header = self.text(self.expr_span(&e.cond));
                let span = self.expr_span(expr);
                self.loop_block(header, Some(&e.cond), &e.body, span, out, depth);
            }
            Expr::ForLoop(e) => {
                self.flush_expr(&e.expr, out, depth + 1);
                let header_span = self.span(e.pat.span(), expr_last(&e.expr));
                let header = self.text(header_span);
                let span = self.expr_span(expr);
                self.loop_block(header, None, &e.body, span, out, depth);
            }
            Expr::Return(e) => {
                let span = self.expr_span(expr);
                self.return_node(e.expr.as_deref(), span, out, depth);
            }
            Expr::Assign(e) => self.assignment(&e.left, &e.right, expr, out, depth),
            Expr::Binary(e) if is_assign_op(&e.op) => {
                self.assignment(&e.left, &e.right, expr, out, depth);
            }
            _ => self.expression(expr, ctx, out, depth),
        }
    }

    fn expression(&mut self, expr: &Expr, ctx: Tail, out: &mut Vec<Node>, depth: usize) {
        if ctx == Tail::Returned {
            let span = self.expr_span(expr);
            self.return_node(Some(expr), span, out, depth);
        } else if let Some(call) = self.call_like(expr, ctx.result(), None, out, depth) {
            out.push(Node::Call(call));
        } else {
            self.flush_expr(expr, out, depth);
        }
    }

    fn return_node(&mut self, value: Option<&Expr>, span: Span, out: &mut Vec<Node>, depth: usize) {
        let (value_text, value) = match value {
            Some(expr) => {
                let mut value = self.value(expr, out, depth + 1);
                if let Value::Call(call) = &mut value {
                    call.result = CallResult::Returned;
                }
                (self.text(self.expr_span(expr)), Some(value))
            }
            None => (String::new(), None),
        };
        out.push(Node::Return(Return {
            value_text,
            value,
            span,
        }));
    }

    fn assignment(
        &mut self,
        left: &Expr,
        right: &Expr,
        whole: &Expr,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        let left = peel_parens(left);
        if matches!(left, Expr::Infer(_)) {
            match self.call_like(right, CallResult::ExplicitlyIgnored, None, out, depth) {
                Some(call) => out.push(Node::Call(call)),
                None => self.flush_expr(right, out, depth + 1),
            }
            return;
        }
        let target = match left {
            Expr::Path(_) | Expr::Field(_) => path_string_of(left),
            _ => None,
        }
        .unwrap_or_else(|| self.text(self.expr_span(left)));
        let span = self.expr_span(whole);
        self.binding(target, right, span, out, depth);
    }

    fn plain_block(
        &mut self,
        block: &syn::Block,
        span: Span,
        ctx: Tail,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        let mut body = Vec::new();
        self.stmts(&block.stmts, ctx, &mut body, depth + 1);
        out.push(Node::Block(Block {
            kind: BlockKind::Plain,
            body,
            span,
        }));
    }

    fn loop_block(
        &mut self,
        header: String,
        condition: Option<&Expr>,
        block: &syn::Block,
        span: Span,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        let mut body = Vec::new();
        if let Some(condition) = condition {
            self.flush_expr(condition, &mut body, depth + 1);
        }
        self.stmts(&block.stmts, Tail::Discarded, &mut body, depth + 1);
        out.push(Node::Block(Block {
            kind: BlockKind::Loop { header },
            body,
            span,
        }));
    }

    /// `if` / `else if` / `else` as sibling `If` blocks, iteratively.
    fn if_chain(&mut self, first: &ExprIf, ctx: Tail, out: &mut Vec<Node>, depth: usize) {
        self.flush_expr(&first.cond, out, depth + 1);
        let mut current = first;
        let mut is_first = true;
        loop {
            let mut body = Vec::new();
            if !is_first {
                self.flush_expr(&current.cond, &mut body, depth + 1);
            }
            self.stmts(&current.then_branch.stmts, ctx, &mut body, depth + 1);
            out.push(Node::Block(Block {
                kind: BlockKind::If {
                    condition: self.text(self.expr_span(&current.cond)),
                },
                body,
                span: self.span(
                    current.if_token.span,
                    current.then_branch.brace_token.span.close(),
                ),
            }));
            let Some((else_token, branch)) = &current.else_branch else {
                return;
            };
            match &**branch {
                Expr::If(next) => {
                    current = next;
                    is_first = false;
                }
                other => {
                    let mut body = Vec::new();
                    self.branch_body(other, ctx, &mut body, depth + 1);
                    out.push(Node::Block(Block {
                        kind: BlockKind::If {
                            condition: "else".to_string(),
                        },
                        body,
                        span: self.span(else_token.span, expr_last(other)),
                    }));
                    return;
                }
            }
        }
    }

    fn match_arms(&mut self, expr: &ExprMatch, ctx: Tail, out: &mut Vec<Node>, depth: usize) {
        self.flush_expr(&expr.expr, out, depth + 1);
        for arm in &expr.arms {
            let pat_span = arm.pat.span();
            let pattern_end = arm
                .guard
                .as_ref()
                .map_or(pat_span, |(_, guard)| expr_last(guard));
            let pattern = self.text(self.span(pat_span, pattern_end));
            let mut body = Vec::new();
            if let Some((_, guard)) = &arm.guard {
                self.flush_expr(guard, &mut body, depth + 1);
            }
            self.branch_body(&arm.body, ctx, &mut body, depth + 1);
            out.push(Node::Block(Block {
                kind: BlockKind::Arm { pattern },
                body,
                span: self.span(pat_span, expr_last(&arm.body)),
            }));
        }
    }

    /// The body of a branch: a plain `{ }` block's statements, or the single
    /// expression of a brace-less arm.
    pub(super) fn branch_body(
        &mut self,
        expr: &Expr,
        ctx: Tail,
        body: &mut Vec<Node>,
        depth: usize,
    ) {
        match expr {
            Expr::Block(block) if block.label.is_none() => {
                self.stmts(&block.block.stmts, ctx, body, depth);
            }
            other => self.expr_stmt(other, ctx, body, depth),
        }
    }

    // ----- calls -----------------------------------------------------------

    /// The call at the heart of `expr` (through `?`, `.await` and parens),
    /// with how its result is used; `None` if `expr` is not a call.
    pub(super) fn call_like(
        &mut self,
        expr: &Expr,
        result: CallResult,
        bound_to: Option<String>,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Option<Call> {
        let (core, awaited, propagated) = peel_suffixes(expr);
        match core {
            Expr::Call(_) | Expr::MethodCall(_) => {}
            // `json!`/`vec!` build values: they are bound or returned as such.
            Expr::Macro(m) if !is_value_macro(&m.mac) => {}
            _ => return None,
        }
        if !self.within(depth) {
            return None;
        }
        let mut call = match core {
            Expr::Call(c) => self.plain_call(c, out, depth),
            Expr::MethodCall(m) => self.method_chain(m, out, depth),
            Expr::Macro(m) => self.macro_call(&m.mac, out, depth),
            _ => return None,
        };
        call.awaited = awaited;
        call.propagated = propagated;
        call.result = result;
        call.bound_to = bound_to;
        Some(call)
    }

    fn plain_call(&mut self, call: &ExprCall, out: &mut Vec<Node>, depth: usize) -> Call {
        let func = peel_parens(&call.func);
        let mut chain = Vec::new();
        let (callee, receiver, method) = match func {
            Expr::Path(p) => {
                let callee = qualified_path(p.qself.as_ref(), &p.path);
                let (receiver, method) = split_callee(&callee);
                (callee, receiver, method)
            }
            _ => match self.call_like(func, CallResult::Used, None, out, depth + 1) {
                Some(mut inner) => {
                    chain = std::mem::take(&mut inner.chain);
                    let callee = format!("{}()", inner.callee);
                    let (receiver, method) = (inner.receiver.clone(), inner.method.clone());
                    chain.push(inner);
                    (callee, receiver, method)
                }
                None => match path_string_of(func) {
                    Some(path) => {
                        let (receiver, method) = split_callee(&path);
                        (path, receiver, method)
                    }
                    None => {
                        self.flush_expr(func, out, depth + 1);
                        ("<expr>".to_string(), None, "<expr>".to_string())
                    }
                },
            },
        };
        let args = self.call_args(call.args.iter(), &callee, out, depth + 1);
        let span = self.span(expr_first(&call.func), call.paren_token.span.close());
        Call {
            callee,
            receiver,
            method,
            args,
            chain,
            text: self.text(span),
            span,
            result: CallResult::Used,
            ..Call::default()
        }
    }

    /// A method call and the calls of its receiver chain, iteratively.
    fn method_chain(&mut self, outer: &ExprMethodCall, out: &mut Vec<Node>, depth: usize) -> Call {
        let budget = MAX_MODEL_DEPTH.saturating_sub(depth).max(1);
        let mut links = vec![Link::Method(outer, false, false)];
        let mut current: &Expr = &outer.receiver;
        let (base, base_awaited, base_propagated, opaque) = loop {
            let (core, awaited, propagated) = peel_suffixes(current);
            let room = links.len() < budget;
            match core {
                Expr::MethodCall(inner) if room => {
                    links.push(Link::Method(inner, awaited, propagated));
                    current = &inner.receiver;
                }
                Expr::Field(field) if room => {
                    links.push(Link::Field(&field.member));
                    current = &field.base;
                }
                Expr::Index(index) if room => {
                    links.push(Link::Index);
                    current = &index.expr;
                }
                Expr::MethodCall(_) | Expr::Field(_) | Expr::Index(_) => {
                    self.truncated = true;
                    break (core, awaited, propagated, true);
                }
                _ => break (core, awaited, propagated, false),
            }
        };
        let start = expr_first(base);
        let mut chain = Vec::new();
        let mut path = if opaque {
            "<expr>".to_string()
        } else {
            let base_call = match base {
                Expr::Call(c) => Some(self.plain_call(c, out, depth + 1)),
                Expr::Macro(m) => Some(self.macro_call(&m.mac, out, depth + 1)),
                _ => None,
            };
            match base_call {
                Some(mut call) => {
                    call.awaited = base_awaited;
                    call.propagated = base_propagated;
                    call.result = CallResult::Used;
                    chain = std::mem::take(&mut call.chain);
                    let path = format!("{}()", call.callee);
                    chain.push(call);
                    path
                }
                None => match path_string_of(base) {
                    Some(path) => path,
                    None => {
                        self.flush_expr(base, out, depth + 1);
                        "<expr>".to_string()
                    }
                },
            }
        };
        let mut outermost = None;
        for (position, link) in links.iter().enumerate().rev() {
            match link {
                Link::Field(member) => {
                    path.push('.');
                    path.push_str(&member_name(member));
                }
                Link::Index => path.push_str("[]"),
                Link::Method(mc, awaited, propagated) => {
                    let method = mc.method.to_string();
                    let callee = format!("{path}.{method}");
                    let args = self.call_args(mc.args.iter(), &callee, out, depth + 1);
                    let span = self.span(start, mc.paren_token.span.close());
                    let call = Call {
                        callee: callee.clone(),
                        receiver: Some(std::mem::replace(&mut path, format!("{callee}()"))),
                        method,
                        args,
                        awaited: *awaited,
                        propagated: *propagated,
                        result: CallResult::Used,
                        text: self.text(span),
                        span,
                        ..Call::default()
                    };
                    if position == 0 {
                        outermost = Some(call);
                    } else {
                        chain.push(call);
                    }
                }
            }
        }
        let mut call = outermost.unwrap_or_default();
        call.chain = chain;
        call
    }

    /// Arguments of a call to `callee`; inline closures become callbacks.
    fn call_args<'e>(
        &mut self,
        args: impl Iterator<Item = &'e Expr>,
        callee: &str,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Vec<Argument> {
        let args: Vec<&Expr> = args.collect();
        let first_string = args.iter().find_map(|arg| string_literal(arg));
        let mut converted = Vec::with_capacity(args.len());
        for (index, arg) in args.into_iter().enumerate() {
            let mut value = self.value(arg, out, depth);
            as_callback(&mut value, callee, index, first_string.as_deref());
            let span = self.expr_span(arg);
            converted.push(Argument {
                value,
                keyword: None,
                text: self.text(span),
                span,
            });
        }
        converted
    }

    // ----- values ----------------------------------------------------------

    /// The shape of an expression; calls, closures and blocks inside shapes
    /// that keep no structure are emitted into `out` so none is lost.
    pub(super) fn value(&mut self, expr: &Expr, out: &mut Vec<Node>, depth: usize) -> Value {
        if !self.within(depth) {
            return Value::Other;
        }
        let mut e = expr;
        loop {
            e = match e {
                Expr::Reference(r) => &r.expr,
                Expr::RawAddr(r) => &r.expr,
                Expr::Paren(p) => &p.expr,
                Expr::Group(g) => &g.expr,
                Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => &u.expr,
                _ => break,
            };
        }
        match e {
            Expr::Macro(m) => self.macro_value(&m.mac, out, depth),
            Expr::Call(_) | Expr::MethodCall(_) | Expr::Try(_) | Expr::Await(_) => {
                if let Some(call) = self.call_like(e, CallResult::Used, None, out, depth) {
                    return Value::Call(Box::new(call));
                }
                let (core, _, _) = peel_suffixes(e);
                if matches!(core, Expr::Call(_) | Expr::MethodCall(_) | Expr::Macro(_)) {
                    Value::Other
                } else {
                    self.value(core, out, depth + 1)
                }
            }
            Expr::Lit(lit) => lit_value(&lit.lit),
            Expr::Path(p) => Value::Path(qualified_path(p.qself.as_ref(), &p.path)),
            Expr::Field(_) | Expr::Index(_) => match path_string_of(e) {
                Some(path) => Value::Path(path),
                None => {
                    self.flush_children(e, out, depth);
                    Value::Other
                }
            },
            Expr::Struct(s) => {
                let mut props = Vec::with_capacity(s.fields.len() + 1);
                for field in &s.fields {
                    let value = self.value(&field.expr, out, depth + 1);
                    props.push(Property {
                        key: member_name(&field.member),
                        value,
                        span: self.span(member_span(&field.member), expr_last(&field.expr)),
                    });
                }
                if let (Some(dots), Some(rest)) = (&s.dot2_token, &s.rest) {
                    let value = self.value(rest, out, depth + 1);
                    props.push(Property {
                        key: "...".to_string(),
                        value,
                        span: self.span(dots.spans[0], expr_last(rest)),
                    });
                }
                Value::Object(props)
            }
            Expr::Array(a) => Value::Array(
                a.elems
                    .iter()
                    .map(|item| self.value(item, out, depth + 1))
                    .collect(),
            ),
            Expr::Tuple(t) if !t.elems.is_empty() => Value::Array(
                t.elems
                    .iter()
                    .map(|item| self.value(item, out, depth + 1))
                    .collect(),
            ),
            Expr::Closure(c) => Value::Function(Box::new(self.closure(c, depth))),
            Expr::Async(a) => Value::Function(Box::new(self.async_block(a, depth))),
            Expr::If(_)
            | Expr::Match(_)
            | Expr::Block(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
            | Expr::Return(_)
            | Expr::Assign(_) => {
                self.expr_stmt(e, Tail::Used, out, depth);
                Value::Other
            }
            Expr::Binary(b) if is_assign_op(&b.op) => {
                self.expr_stmt(e, Tail::Used, out, depth);
                Value::Other
            }
            _ => {
                self.flush_children(e, out, depth);
                Value::Other
            }
        }
    }

    /// Emit the calls and functions of an expression whose shape is not kept.
    pub(super) fn flush_expr(&mut self, expr: &Expr, out: &mut Vec<Node>, depth: usize) {
        let value = self.value(expr, out, depth);
        flush_value(value, out);
    }

    fn flush_children(&mut self, expr: &Expr, out: &mut Vec<Node>, depth: usize) {
        let children: Vec<&Expr> = match expr {
            Expr::Binary(e) => vec![&e.left, &e.right],
            Expr::Unary(e) => vec![&e.expr],
            Expr::Cast(e) => vec![&e.expr],
            Expr::Let(e) => vec![&e.expr],
            Expr::Field(e) => vec![&e.base],
            Expr::Index(e) => vec![&e.expr, &e.index],
            Expr::Repeat(e) => vec![&e.expr, &e.len],
            Expr::Range(e) => e.start.iter().chain(e.end.iter()).map(|b| &**b).collect(),
            Expr::Yield(e) => e.expr.iter().map(|b| &**b).collect(),
            Expr::Break(e) => e.expr.iter().map(|b| &**b).collect(),
            Expr::Await(e) => vec![&e.base],
            Expr::Try(e) => vec![&e.expr],
            _ => Vec::new(),
        };
        for child in children {
            self.flush_expr(child, out, depth + 1);
        }
    }

    fn closure(&mut self, closure: &syn::ExprClosure, depth: usize) -> Function {
        let params = closure
            .inputs
            .iter()
            .map(|pat| self.param(pat, None))
            .collect();
        let mut body = Vec::new();
        let mut is_async = closure.asyncness.is_some();
        match &*closure.body {
            Expr::Async(block) => {
                is_async = true;
                self.stmts(&block.block.stmts, Tail::Returned, &mut body, depth + 1);
            }
            other => self.branch_body(other, Tail::Returned, &mut body, depth + 1),
        }
        Function {
            name: "<closure>".to_string(),
            origin: FunctionOrigin::Anonymous,
            params,
            is_async,
            span: self.span(closure_first(closure), expr_last(&closure.body)),
            body,
            ..Function::default()
        }
    }

    fn async_block(&mut self, block: &syn::ExprAsync, depth: usize) -> Function {
        let mut body = Vec::new();
        self.stmts(&block.block.stmts, Tail::Returned, &mut body, depth + 1);
        Function {
            name: "<async>".to_string(),
            origin: FunctionOrigin::Anonymous,
            is_async: true,
            span: self.span(block.async_token.span, block.block.brace_token.span.close()),
            body,
            ..Function::default()
        }
    }
}

// ----- free helpers --------------------------------------------------------

/// Push the calls and functions held by a value as body nodes.
pub(super) fn flush_value(value: Value, out: &mut Vec<Node>) {
    match value {
        Value::Call(call) => out.push(Node::Call(*call)),
        Value::Function(function) => out.push(Node::Function(*function)),
        Value::Object(props) => props.into_iter().for_each(|p| flush_value(p.value, out)),
        Value::Array(items) => items.into_iter().for_each(|v| flush_value(v, out)),
        _ => {}
    }
}

/// Make an inline function argument a callback of `callee`.
pub(super) fn as_callback(
    value: &mut Value,
    callee: &str,
    index: usize,
    first_string: Option<&str>,
) {
    if let Value::Function(function) = value {
        function.name = match first_string {
            Some(s) => format!("{callee}(\"{s}\")"),
            None => callee.to_string(),
        };
        function.origin = FunctionOrigin::Callback {
            callee: callee.to_string(),
            index,
            first_string: first_string.map(str::to_string),
        };
    }
}

/// Name an anonymous function after the variable it is bound to.
fn name_function(value: &mut Value, target: &str) {
    if let Value::Function(function) = value
        && function.origin == FunctionOrigin::Anonymous
    {
        function.name = target.to_string();
    }
}

/// The value of a string literal argument (through `&` and parens).
fn string_literal(expr: &Expr) -> Option<String> {
    let mut e = expr;
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => return Some(s.value()),
            _ => return None,
        };
    }
}

/// The shape of a literal.
pub(super) fn lit_value(lit: &Lit) -> Value {
    match lit {
        Lit::Str(s) => Value::String(s.value()),
        Lit::Int(i) => Value::Number(i.token().to_string()),
        Lit::Float(f) => Value::Number(f.token().to_string()),
        Lit::Bool(b) => Value::Bool(b.value),
        _ => Value::Other,
    }
}

/// Strip `?`, `.await` and parentheses, reporting which were seen.
pub(super) fn peel_suffixes(expr: &Expr) -> (&Expr, bool, bool) {
    let (mut awaited, mut propagated) = (false, false);
    let mut e = expr;
    loop {
        e = match e {
            Expr::Try(t) => {
                propagated = true;
                &t.expr
            }
            Expr::Await(a) => {
                awaited = true;
                &a.base
            }
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            _ => return (e, awaited, propagated),
        };
    }
}

fn peel_parens(expr: &Expr) -> &Expr {
    let mut e = expr;
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            _ => return e,
        };
    }
}

/// `receiver` and `method` of a plain dotted callee path.
pub(super) fn split_callee(callee: &str) -> (Option<String>, String) {
    match callee.rsplit_once('.') {
        Some((receiver, method)) => (
            Some(receiver.to_string()),
            method.trim_end_matches("()").to_string(),
        ),
        None => (None, callee.trim_end_matches("()").to_string()),
    }
}

/// A path's identifiers joined with `.` (generic arguments dropped).
pub(super) fn path_string(path: &Path) -> String {
    let mut out = String::new();
    for (i, segment) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&segment.ident.to_string());
    }
    out
}

/// A possibly qualified path: `<Foo>::bar` → `Foo.bar`,
/// `<Foo as Trait>::bar` → `Trait.bar`.
fn qualified_path(qself: Option<&QSelf>, path: &Path) -> String {
    match qself {
        Some(q) if q.position == 0 => format!("{}.{}", type_name(&q.ty), path_string(path)),
        _ => path_string(path),
    }
}

/// The normalised path of a path-like expression (`self.repo.orders`,
/// `items[]`, a literal, `format!()`), or `None` if it holds calls or
/// anything else. References, derefs, `?` and `.await` are transparent.
pub(super) fn path_string_of(expr: &Expr) -> Option<String> {
    let mut suffixes: Vec<String> = Vec::new();
    let mut e = expr;
    let root = loop {
        e = match e {
            Expr::Field(f) => {
                suffixes.push(format!(".{}", member_name(&f.member)));
                &f.base
            }
            Expr::Index(i) => {
                suffixes.push("[]".to_string());
                &i.expr
            }
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::Reference(r) => &r.expr,
            Expr::Await(a) => &a.base,
            Expr::Try(t) => &t.expr,
            Expr::Unary(u) if matches!(u.op, UnOp::Deref(_)) => &u.expr,
            Expr::Path(p) => break qualified_path(p.qself.as_ref(), &p.path),
            Expr::Lit(l) => break quote::ToTokens::to_token_stream(&l.lit).to_string(),
            _ => return None,
        };
    };
    let mut out = root;
    for suffix in suffixes.iter().rev() {
        out.push_str(suffix);
    }
    Some(out)
}

/// The class name of an impl's self type: the last path segment.
fn type_name(ty: &Type) -> String {
    let mut ty = ty;
    loop {
        ty = match ty {
            Type::Reference(r) => &r.elem,
            Type::Paren(p) => &p.elem,
            Type::Group(g) => &g.elem,
            Type::Ptr(p) => &p.elem,
            Type::Path(p) => {
                return p
                    .path
                    .segments
                    .last()
                    .map_or_else(String::new, |s| s.ident.to_string());
            }
            other => {
                let text = quote::ToTokens::to_token_stream(other).to_string();
                return text.chars().filter(|c| !c.is_whitespace()).collect();
            }
        };
    }
}

pub(super) fn member_name(member: &Member) -> String {
    match member {
        Member::Named(ident) => ident.to_string(),
        Member::Unnamed(index) => index.index.to_string(),
    }
}

fn member_span(member: &Member) -> TokenSpan {
    match member {
        Member::Named(ident) => ident.span(),
        Member::Unnamed(index) => index.span,
    }
}

fn is_assign_op(op: &BinOp) -> bool {
    matches!(
        op,
        BinOp::AddAssign(_)
            | BinOp::SubAssign(_)
            | BinOp::MulAssign(_)
            | BinOp::DivAssign(_)
            | BinOp::RemAssign(_)
            | BinOp::BitXorAssign(_)
            | BinOp::BitAndAssign(_)
            | BinOp::BitOrAssign(_)
            | BinOp::ShlAssign(_)
            | BinOp::ShrAssign(_)
    )
}

fn vis_first(vis: &Visibility) -> Option<TokenSpan> {
    match vis {
        Visibility::Public(p) => Some(p.span),
        Visibility::Restricted(r) => Some(r.pub_token.span),
        Visibility::Inherited => None,
    }
}

fn sig_first(sig: &Signature) -> TokenSpan {
    sig.constness
        .map(|t| t.span)
        .or_else(|| sig.asyncness.map(|t| t.span))
        .or_else(|| sig.unsafety.map(|t| t.span))
        .or_else(|| sig.abi.as_ref().map(|abi| abi.extern_token.span))
        .unwrap_or(sig.fn_token.span)
}

/// Field names bound by struct patterns anywhere in `pat`, in order.
fn destructured_keys(pat: &Pat) -> Vec<String> {
    const MAX_PATTERN_NODES: usize = 4096;
    let mut keys = Vec::new();
    let mut stack = vec![pat];
    let mut visited = 0;
    while let Some(pat) = stack.pop() {
        visited += 1;
        if visited > MAX_PATTERN_NODES {
            break;
        }
        let start = stack.len();
        match pat {
            Pat::Struct(s) => {
                for field in &s.fields {
                    keys.push(member_name(&field.member));
                    stack.push(&field.pat);
                }
            }
            Pat::TupleStruct(t) => stack.extend(t.elems.iter()),
            Pat::Tuple(t) => stack.extend(t.elems.iter()),
            Pat::Slice(s) => stack.extend(s.elems.iter()),
            Pat::Or(o) => stack.extend(o.cases.iter()),
            Pat::Reference(r) => stack.push(&r.pat),
            Pat::Type(t) => stack.push(&t.pat),
            Pat::Paren(p) => stack.push(&p.pat),
            Pat::Ident(i) => {
                if let Some((_, sub)) = &i.subpat {
                    stack.push(sub);
                }
            }
            _ => {}
        }
        // Visit children left to right.
        stack[start..].reverse();
    }
    keys
}

/// Whether a macro builds a value literal (`json!`, `vec!`) rather than
/// doing something.
pub(super) fn is_value_macro(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "json" || s.ident == "vec")
}

/// The first token of a macro invocation (its path).
pub(super) fn macro_first(mac: &syn::Macro) -> TokenSpan {
    path_first(&mac.path)
}
