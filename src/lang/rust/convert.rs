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
//! - A receiver that is not a path or a call is shown as `<expr>` in callees;
//!   a literal receiver as written (`"x".to_string`).
//! - `x.ok();` is an ordinary statement call (`sink().ok`, `Discarded`, with
//!   `sink(..)` in its chain); only `let _ = ..` / `_ = ..` are
//!   `ExplicitlyIgnored`.
//! - `json!` and `vec!` build values: bound or passed, they are an `Object` /
//!   `Array`, not calls. Other macros are calls named `path!`.
//! - References, derefs, `.await` and `?` are transparent in argument values
//!   (`&mut *tx` is `Path("tx")`); tuples are arrays; struct update `..base`
//!   is the key `...`.
//! - A closure whose body is an `async` block is one async function. Anonymous
//!   closures and async blocks are named `<closure>` / `<async>` unless bound
//!   to a variable (then its name) or passed as an argument (a callback).
//! - A `loop` has the header `loop`; labels are dropped.

use super::calls::{member_name, path_string, path_string_of, peel_parens, type_name};
use super::locate::{Locator, expr_first, expr_last};
use crate::lang::MAX_MODEL_DEPTH;
use crate::model::{
    Assign, Block, BlockKind, CallResult, Function, FunctionOrigin, Node, Param, Return, Span,
    Value,
};
use proc_macro2::Span as TokenSpan;
use syn::spanned::Spanned;
use syn::{
    BinOp, Expr, ExprIf, ExprMatch, ImplItem, Item, Local, Pat, Signature, Stmt, TraitItem, Type,
    Visibility,
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

/// The type (or trait) whose methods an `impl` (or trait) block defines.
pub(super) struct ImplOwner {
    /// `class` of the methods: the self type's last segment, or the trait.
    class: String,
    /// The implemented trait, or the supertraits.
    bases: Vec<String>,
}

impl ImplOwner {
    /// The owner of an `impl` block's methods.
    pub(super) fn of_impl(imp: &syn::ItemImpl) -> Self {
        ImplOwner {
            class: type_name(&imp.self_ty),
            bases: imp
                .trait_
                .iter()
                .map(|(_, path, _)| path_string(path))
                .collect(),
        }
    }

    /// The owner of a trait's default methods.
    pub(super) fn of_trait(t: &syn::ItemTrait) -> Self {
        ImplOwner {
            class: t.ident.to_string(),
            bases: t
                .supertraits
                .iter()
                .filter_map(|bound| match bound {
                    syn::TypeParamBound::Trait(tb) => Some(path_string(&tb.path)),
                    _ => None,
                })
                .collect(),
        }
    }
}

/// The parts of a named function declaration.
struct FnParts<'a> {
    attrs: &'a [syn::Attribute],
    start: TokenSpan,
    sig: &'a Signature,
    block: &'a syn::Block,
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

    /// The model span from the start of `first` to the end of `last`.
    pub(super) fn span(&self, first: TokenSpan, last: TokenSpan) -> Span {
        self.loc.span(first, last)
    }

    /// The span of an expression (without its outer attributes).
    pub(super) fn expr_span(&self, expr: &Expr) -> Span {
        self.span(expr_first(expr), expr_last(expr))
    }

    /// The span of any syn node, via its tokens (for small nodes: types, patterns).
    pub(super) fn node_span<T: Spanned>(&self, node: &T) -> Span {
        let span = node.span();
        self.span(span, span)
    }

    /// The source text of a span.
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

    /// One item, its functions named with `prefix`.
    pub(super) fn item(&mut self, item: &Item, prefix: &str, out: &mut Vec<Node>, depth: usize) {
        if !self.within(depth) {
            return;
        }
        match item {
            Item::Fn(f) => {
                let function = self.declared_function(f, None, prefix, depth);
                out.push(Node::Function(function));
            }
            Item::Impl(imp) => {
                let owner = ImplOwner::of_impl(imp);
                for impl_item in &imp.items {
                    self.impl_item(impl_item, &owner, prefix, out, depth);
                }
            }
            Item::Trait(t) => {
                let owner = ImplOwner::of_trait(t);
                for trait_item in &t.items {
                    self.trait_item(trait_item, &owner, prefix, out, depth);
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
            // `macro_rules!` defines a macro; it calls nothing.
            Item::Macro(m) if !m.mac.path.is_ident("macro_rules") => {
                self.macro_stmt(&m.mac, Tail::Discarded, out, depth);
            }
            _ => {}
        }
    }

    /// A `fn` item; with an `owner`, a method of it (`Type.name`).
    pub(super) fn declared_function(
        &mut self,
        f: &syn::ItemFn,
        owner: Option<&ImplOwner>,
        prefix: &str,
        depth: usize,
    ) -> Function {
        let parts = FnParts {
            attrs: &f.attrs,
            start: vis_first(&f.vis).unwrap_or_else(|| sig_first(&f.sig)),
            sig: &f.sig,
            block: &f.block,
        };
        match owner {
            Some(owner) => {
                let name = format!("{prefix}{}.{}", owner.class, f.sig.ident);
                let class = Some(owner.class.clone());
                self.function(parts, name, class, owner.bases.clone(), depth)
            }
            None => {
                let name = format!("{prefix}{}", f.sig.ident);
                self.function(parts, name, None, Vec::new(), depth)
            }
        }
    }

    /// An item of an `impl` block of `owner`.
    pub(super) fn impl_item(
        &mut self,
        item: &ImplItem,
        owner: &ImplOwner,
        prefix: &str,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        let class = &owner.class;
        match item {
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
                let function =
                    self.function(parts, name, Some(class.clone()), owner.bases.clone(), depth);
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

    /// An item of trait `owner`: default method bodies are functions.
    pub(super) fn trait_item(
        &mut self,
        item: &TraitItem,
        owner: &ImplOwner,
        prefix: &str,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        if let TraitItem::Fn(m) = item
            && let Some(block) = &m.default
        {
            let parts = FnParts {
                attrs: &m.attrs,
                start: sig_first(&m.sig),
                sig: &m.sig,
                block,
            };
            let name = format!("{prefix}{}.{}", owner.class, m.sig.ident);
            let function = self.function(
                parts,
                name,
                Some(owner.class.clone()),
                owner.bases.clone(),
                depth,
            );
            out.push(Node::Function(function));
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

    /// A parameter: its name (or pattern text), struct keys and type.
    pub(super) fn param(&self, pat: &Pat, ty: Option<&Type>) -> Param {
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
}

/// Name an anonymous function after the variable it is bound to.
fn name_function(value: &mut Value, target: &str) {
    if let Value::Function(function) = value
        && function.origin == FunctionOrigin::Anonymous
    {
        function.name = target.to_string();
    }
}

/// Whether a binary operator is a compound assignment (`+=`, `|=`, ..).
pub(super) fn is_assign_op(op: &BinOp) -> bool {
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
