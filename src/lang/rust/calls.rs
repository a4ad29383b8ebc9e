//! Calls and values: call expressions (plain, method chains, macros via
//! [`super::macros`]), argument shapes, closures and async blocks.

use super::convert::{Converter, Tail, is_assign_op};
use super::locate::{closure_first, expr_first, expr_last, path_first};
use crate::lang::MAX_MODEL_DEPTH;
use crate::model::{Argument, Call, CallResult, Function, FunctionOrigin, Node, Property, Value};
use proc_macro2::Span as TokenSpan;
use syn::{Expr, ExprCall, ExprMethodCall, Lit, Member, Path, QSelf, Type, UnOp};

/// One link of a method chain, outermost first.
enum Link<'a> {
    Method(&'a ExprMethodCall, bool, bool),
    Field(&'a Member),
    Index,
}

impl Converter<'_, '_> {
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
                // `Request { .. }.send(..)`: the type's own method, as
                // `Request::send(..)` names it; the fields' calls are kept.
                None if let Expr::Struct(literal) = base => {
                    for field in &literal.fields {
                        self.flush_expr(&field.expr, out, depth + 1);
                    }
                    if let Some(rest) = &literal.rest {
                        self.flush_expr(rest, out, depth + 1);
                    }
                    qualified_path(literal.qself.as_ref(), &literal.path)
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
                bound_literal: None,
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

/// Strip parentheses and invisible groups.
pub(super) fn peel_parens(expr: &Expr) -> &Expr {
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
pub(super) fn type_name(ty: &Type) -> String {
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

/// A field name or tuple index as written.
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
