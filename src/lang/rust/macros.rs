//! Macro invocations and attributes, whose arguments are raw token streams.
//!
//! A macro call is a [`Call`] whose callee is the macro path plus `!`
//! (`tracing.warn!`, `sqlx.query!`). Its token body is split at top-level
//! commas and each piece parsed as an expression when it parses; a piece
//! `name = expr` is a keyword argument (`order_id = %id` keeps the keyword
//! with an `Other` value). A body with top-level `=>` branches (as in
//! `tokio::select!`) contributes each branch's future (after `pattern =`) as an
//! argument and its handler as an `Arm` block emitted before the macro call. `json!` bodies are read as
//! JSON-ish objects, arrays and expressions; `vec!` in value position is an
//! array. Attributes use the same argument reading.

use super::calls::{as_callback, macro_first, path_string, split_callee};
use super::convert::{Converter, Tail};
use super::locate::path_last;
use crate::model::{
    Argument, Block, BlockKind, Call, CallResult, Node, Property, Return, Span, Value,
};
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::{AttrStyle, Attribute, Expr, Lit, Meta};

impl Converter<'_, '_> {
    /// The outer attributes of a function (doc comments excluded) as calls.
    pub(super) fn decorators(&mut self, attrs: &[Attribute], depth: usize) -> Vec<Call> {
        attrs
            .iter()
            .filter(|attr| matches!(attr.style, AttrStyle::Outer) && !attr.path().is_ident("doc"))
            .map(|attr| self.attribute(attr, depth))
            .collect()
    }

    fn attribute(&mut self, attr: &Attribute, depth: usize) -> Call {
        let callee = path_string(attr.path());
        // Attribute arguments cannot hold statements; anything emitted is dropped.
        let mut scratch = Vec::new();
        let (args, end) = match &attr.meta {
            Meta::Path(path) => (Vec::new(), path_last(path)),
            Meta::List(list) => (
                self.token_args(list.tokens.clone(), &callee, &mut scratch, depth + 1),
                list.delimiter.span().close(),
            ),
            Meta::NameValue(nv) => {
                let value = self.value(&nv.value, &mut scratch, depth + 1);
                let span = self.expr_span(&nv.value);
                let arg = Argument {
                    value,
                    keyword: None,
                    text: self.text(span),
                    span,
                    bound_literal: None,
                };
                (vec![arg], super::locate::expr_last(&nv.value))
            }
        };
        let span = self.span(super::locate::path_first(attr.path()), end);
        let (receiver, method) = split_callee(&callee);
        Call {
            callee,
            receiver,
            method,
            args,
            text: self.text(span),
            span,
            ..Call::default()
        }
    }

    /// A macro invocation in statement position (or a block's tail).
    pub(super) fn macro_stmt(
        &mut self,
        mac: &syn::Macro,
        ctx: Tail,
        out: &mut Vec<Node>,
        depth: usize,
    ) {
        if !self.within(depth) {
            return;
        }
        let span = self.span(macro_first(mac), mac.delimiter.span().close());
        match ctx {
            Tail::Returned => {
                let mut value = self.macro_value(mac, out, depth + 1);
                if let Value::Call(call) = &mut value {
                    call.result = CallResult::Returned;
                }
                out.push(Node::Return(Return {
                    value_text: self.text(span),
                    value: Some(value),
                    span,
                }));
            }
            Tail::Discarded | Tail::Used => {
                let mut call = self.macro_call(mac, out, depth);
                call.result = if ctx == Tail::Used {
                    CallResult::Used
                } else {
                    CallResult::Discarded
                };
                out.push(Node::Call(call));
            }
        }
    }

    /// A macro invocation as a call (`json!` gets one object argument).
    pub(super) fn macro_call(
        &mut self,
        mac: &syn::Macro,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Call {
        let callee = format!("{}!", path_string(&mac.path));
        let (receiver, method) = split_callee(&callee);
        let args = if !self.within(depth + 1) {
            Vec::new()
        } else if is_macro(mac, "json") {
            let trees: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
            match (trees.first(), trees.last()) {
                (Some(first), Some(last)) => {
                    let span = self.span(first.span(), last.span());
                    let value = self.json_value(&trees, out, depth + 1);
                    vec![Argument {
                        value,
                        keyword: None,
                        text: self.text(span),
                        span,
                        bound_literal: None,
                    }]
                }
                _ => Vec::new(),
            }
        } else {
            self.token_args(mac.tokens.clone(), &callee, out, depth + 1)
        };
        let span = self.span(macro_first(mac), mac.delimiter.span().close());
        Call {
            callee,
            receiver,
            method,
            args,
            result: CallResult::Used,
            text: self.text(span),
            span,
            ..Call::default()
        }
    }

    /// A macro invocation in value position: `json!` is an object (or
    /// whatever JSON value it builds), `vec!` an array, others a call.
    pub(super) fn macro_value(
        &mut self,
        mac: &syn::Macro,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Value {
        if !self.within(depth) {
            return Value::Other;
        }
        if is_macro(mac, "json") {
            let trees: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
            return self.json_value(&trees, out, depth + 1);
        }
        if is_macro(mac, "vec") {
            let callee = format!("{}!", path_string(&mac.path));
            let args = self.token_args(mac.tokens.clone(), &callee, out, depth + 1);
            return Value::Array(args.into_iter().map(|arg| arg.value).collect());
        }
        Value::Call(Box::new(self.macro_call(mac, out, depth)))
    }

    /// Comma-separated arguments of a macro or attribute token body.
    pub(super) fn token_args(
        &mut self,
        tokens: TokenStream,
        callee: &str,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Vec<Argument> {
        if !self.within(depth) {
            return Vec::new();
        }
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        if fat_arrow(&trees).is_some() {
            return self.branch_args(&trees, callee, out, depth);
        }
        let pieces = split_commas(&trees);
        let first_string = pieces.iter().find_map(|piece| match piece {
            [TokenTree::Literal(lit)] => match Lit::new(lit.clone()) {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        });
        let mut args = Vec::with_capacity(pieces.len());
        for (index, piece) in pieces.iter().enumerate() {
            let (Some(first), Some(last)) = (piece.first(), piece.last()) else {
                continue;
            };
            let span = self.span(first.span(), last.span());
            let (keyword, rest) = match piece {
                [TokenTree::Ident(name), TokenTree::Punct(eq), rest @ ..]
                    if eq.as_char() == '='
                        && eq.spacing() == Spacing::Alone
                        && !rest.is_empty() =>
                {
                    (Some(name.to_string()), rest)
                }
                _ => (None, *piece),
            };
            let mut value = match parse_expr(rest) {
                Some(expr) => self.value(&expr, out, depth),
                None => Value::Other,
            };
            as_callback(&mut value, callee, index, first_string.as_deref());
            args.push(Argument {
                value,
                keyword,
                text: self.text(span),
                span,
                bound_literal: None,
            });
        }
        args
    }

    /// Arguments of a branch-style body (`tokio::select! { pat = fut => handler, .. }`):
    /// each branch's future is an argument; its handler an `Arm` block with
    /// the branch's left-hand side as pattern, emitted into `out`.
    fn branch_args(
        &mut self,
        trees: &[TokenTree],
        callee: &str,
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Vec<Argument> {
        let mut args = Vec::new();
        let mut rest = trees;
        while let Some(arrow) = fat_arrow(rest) {
            let mut lhs = &rest[..arrow];
            // `biased;` and similar prefixes end at a top-level `;`.
            if let Some(semi) = lhs.iter().rposition(|t| is_char(t, ';')) {
                lhs = &lhs[semi + 1..];
            }
            let after = &rest[arrow + 2..];
            let (handler, next) = match after.first() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                    let skip = usize::from(after.get(1).is_some_and(|t| is_char(t, ',')));
                    (&after[..1], &after[1 + skip..])
                }
                _ => match after.iter().position(|t| is_char(t, ',')) {
                    Some(comma) => (&after[..comma], &after[comma + 1..]),
                    None => (after, &after[after.len()..]),
                },
            };
            rest = next;
            let (Some(first), Some(last)) = (lhs.first(), lhs.last()) else {
                continue;
            };
            // `pattern = future` optionally followed by `, if precondition`.
            let (future, precondition) =
                match lhs.iter().position(|t| is_punct(t, '=', Spacing::Alone)) {
                    Some(eq) => {
                        let tail = &lhs[eq + 1..];
                        match tail.iter().position(|t| is_char(t, ',')) {
                            Some(comma) => (&tail[..comma], tail.get(comma + 2..).unwrap_or(&[])),
                            None => (tail, &[][..]),
                        }
                    }
                    None => (&[][..], &[][..]),
                };
            if let (Some(expr), Some(f_first), Some(f_last)) =
                (parse_expr(future), future.first(), future.last())
            {
                let mut value = self.value(&expr, out, depth);
                as_callback(&mut value, callee, args.len(), None);
                let span = self.span(f_first.span(), f_last.span());
                args.push(Argument {
                    value,
                    keyword: None,
                    text: self.text(span),
                    span,
                    bound_literal: None,
                });
            }
            let mut body = Vec::new();
            if let Some(condition) = parse_expr(precondition) {
                self.flush_expr(&condition, &mut body, depth + 1);
            }
            if let Some(handler) = parse_expr(handler) {
                self.branch_body(&handler, Tail::Discarded, &mut body, depth + 1);
            }
            let end = handler.last().map_or(last.span(), TokenTree::span);
            let pattern_end = lhs
                .iter()
                .position(|t| is_punct(t, '=', Spacing::Alone))
                .and_then(|eq| eq.checked_sub(1))
                .map_or(last, |i| &lhs[i]);
            out.push(Node::Block(Block {
                kind: BlockKind::Arm {
                    pattern: self.text(self.span(first.span(), pattern_end.span())),
                },
                body,
                span: self.span(first.span(), end),
            }));
        }
        args
    }

    /// A `json!` value: `{ "key": value, .. }`, `[..]`, `null`, or an expression.
    fn json_value(&mut self, trees: &[TokenTree], out: &mut Vec<Node>, depth: usize) -> Value {
        if !self.within(depth) {
            return Value::Other;
        }
        match trees {
            [TokenTree::Group(group)] if group.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                Value::Object(self.json_object(&inner, out, depth))
            }
            [TokenTree::Group(group)] if group.delimiter() == Delimiter::Bracket => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                Value::Array(
                    split_commas(&inner)
                        .into_iter()
                        .map(|item| self.json_value(item, out, depth + 1))
                        .collect(),
                )
            }
            [TokenTree::Ident(ident)] if ident == "null" => Value::Other,
            _ => match parse_expr(trees) {
                Some(expr) => self.value(&expr, out, depth),
                None => Value::Other,
            },
        }
    }

    fn json_object(
        &mut self,
        trees: &[TokenTree],
        out: &mut Vec<Node>,
        depth: usize,
    ) -> Vec<Property> {
        let mut props = Vec::new();
        for entry in split_commas(trees) {
            let (Some(first), Some(last)) = (entry.first(), entry.last()) else {
                continue;
            };
            let span: Span = self.span(first.span(), last.span());
            let colon = entry.iter().enumerate().position(|(i, t)| {
                is_punct(t, ':', Spacing::Alone)
                    && !(i > 0 && is_punct(&entry[i - 1], ':', Spacing::Joint))
            });
            let (key, value) = match colon {
                Some(colon) => (
                    json_key(&entry[..colon]),
                    self.json_value(&entry[colon + 1..], out, depth + 1),
                ),
                None => (json_key(entry), Value::Other),
            };
            props.push(Property { key, value, span });
        }
        props
    }
}

fn is_macro(mac: &syn::Macro, name: &str) -> bool {
    mac.path.segments.last().is_some_and(|s| s.ident == name)
}

fn is_punct(tree: &TokenTree, ch: char, spacing: Spacing) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == ch && p.spacing() == spacing)
}

/// Split token trees at top-level commas, dropping empty pieces.
fn split_commas(trees: &[TokenTree]) -> Vec<&[TokenTree]> {
    trees
        .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .filter(|piece| !piece.is_empty())
        .collect()
}

/// Position of the first top-level `=>`.
fn fat_arrow(trees: &[TokenTree]) -> Option<usize> {
    trees
        .windows(2)
        .position(|w| is_punct(&w[0], '=', Spacing::Joint) && is_char(&w[1], '>'))
}

fn is_char(tree: &TokenTree, ch: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == ch)
}

fn parse_expr(trees: &[TokenTree]) -> Option<Expr> {
    if trees.is_empty() {
        return None;
    }
    syn::parse2::<Expr>(trees.iter().cloned().collect()).ok()
}

/// A `json!` object key: a string literal's value, an identifier, or the
/// key's tokens as written.
fn json_key(trees: &[TokenTree]) -> String {
    match trees {
        [TokenTree::Literal(lit)] => match Lit::new(lit.clone()) {
            Lit::Str(s) => s.value(),
            _ => lit.to_string(),
        },
        [TokenTree::Ident(ident)] => ident.to_string(),
        other => other.iter().cloned().collect::<TokenStream>().to_string(),
    }
}
