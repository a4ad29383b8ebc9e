//! Source positions for syn nodes.
//!
//! proc-macro2 (with `span-locations`) reports 1-based lines and 0-based
//! *character* columns, relative to the string handed to each `parse_str` /
//! `parse_file` call. [`PositionIndex`] turns those into model [`Span`]s with
//! byte offsets into the whole file; [`Origin`] shifts them when only a chunk
//! of the file was parsed (error recovery, byte-order mark).
//!
//! syn's own `Spanned::span()` re-tokenizes the whole node, which is linear in
//! its size and so quadratic over a tree; [`expr_first`] and [`expr_last`]
//! instead find the first and last token of an expression by walking down its
//! left or right spine, iteratively.

use crate::model::Span;
use proc_macro2::{LineColumn, Span as TokenSpan};
use std::collections::HashMap;
use syn::spanned::Spanned;
use syn::{Expr, Member, Path, PathArguments, RangeLimits, ReturnType, UnOp};

/// Converts (line, character column) positions into byte offsets of one file.
pub(super) struct PositionIndex<'s> {
    source: &'s str,
    line_starts: Vec<usize>,
    /// For lines holding non-ASCII text only: the byte offset (relative to the
    /// line start) of each character, plus the line length.
    wide_lines: HashMap<usize, Vec<usize>>,
}

impl<'s> PositionIndex<'s> {
    /// Index the lines of `source` (one pass; non-ASCII lines get a char table).
    pub(super) fn new(source: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        let mut wide_lines = HashMap::new();
        if !source.is_ascii() {
            for (line, &start) in line_starts.iter().enumerate() {
                let end = line_starts
                    .get(line + 1)
                    .map_or(source.len(), |next| next - 1);
                let text = source.get(start..end).unwrap_or("");
                if !text.is_ascii() {
                    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
                    offsets.push(text.len());
                    wide_lines.insert(line, offsets);
                }
            }
        }
        PositionIndex {
            source,
            line_starts,
            wide_lines,
        }
    }

    /// The indexed source text.
    pub(super) fn source(&self) -> &'s str {
        self.source
    }

    /// Byte offset of 0-based `line`, 0-based character column `col`
    /// (clamped to the line and the file).
    pub(super) fn byte_offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return self.source.len();
        };
        let line_len = self
            .line_starts
            .get(line + 1)
            .map_or(self.source.len(), |next| next - 1)
            - start;
        match self.wide_lines.get(&line) {
            Some(offsets) => start + offsets.get(col).copied().unwrap_or(line_len),
            None => start + col.min(line_len),
        }
    }

    /// 1-based line and 1-based character column of a byte offset.
    pub(super) fn position(&self, byte: usize) -> (u32, u32) {
        let byte = byte.min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= byte) - 1;
        let start = self.line_starts[line];
        let col = match self.wide_lines.get(&line) {
            Some(offsets) => offsets.partition_point(|&o| o < byte - start),
            None => byte - start,
        };
        (line as u32 + 1, col as u32 + 1)
    }

    /// The model span of a byte range.
    pub(super) fn byte_span(&self, start_byte: usize, end_byte: usize) -> Span {
        let (start_line, start_col) = self.position(start_byte);
        let (end_line, end_col) = self.position(end_byte);
        Span {
            start_byte,
            end_byte,
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }
}

/// Where the text handed to syn starts inside the file.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Origin {
    /// Lines of the file before the parsed text.
    line_offset: usize,
    /// Characters before the parsed text on its first line.
    first_line_cols: usize,
}

impl Origin {
    /// The origin of text that starts at byte `start` of the indexed file.
    pub(super) fn at(index: &PositionIndex<'_>, start: usize) -> Origin {
        let (line, col) = index.position(start);
        Origin {
            line_offset: line as usize - 1,
            first_line_cols: col as usize - 1,
        }
    }

    /// 0-based file line and 0-based character column of a proc-macro2 position.
    fn absolute(self, at: LineColumn) -> (usize, usize) {
        let line = at.line.max(1);
        let col = if line == 1 {
            at.column + self.first_line_cols
        } else {
            at.column
        };
        (line - 1 + self.line_offset, col)
    }
}

/// Turns proc-macro2 spans into model spans for one parsed text.
pub(super) struct Locator<'i, 's> {
    index: &'i PositionIndex<'s>,
    origin: Origin,
}

impl<'i, 's> Locator<'i, 's> {
    /// A locator for text parsed from `origin` of the indexed file.
    pub(super) fn new(index: &'i PositionIndex<'s>, origin: Origin) -> Self {
        Locator { index, origin }
    }

    /// The model span from the start of `first` to the end of `last`.
    pub(super) fn span(&self, first: TokenSpan, last: TokenSpan) -> Span {
        let (start_line, start_col) = self.origin.absolute(first.start());
        let (mut end_line, mut end_col) = self.origin.absolute(last.end());
        if (end_line, end_col) < (start_line, start_col) {
            (end_line, end_col) = (start_line, start_col);
        }
        Span {
            start_byte: self.index.byte_offset(start_line, start_col),
            end_byte: self.index.byte_offset(end_line, end_col),
            start_line: start_line as u32 + 1,
            start_col: start_col as u32 + 1,
            end_line: end_line as u32 + 1,
            end_col: end_col as u32 + 1,
        }
    }

    /// The source text of a model span.
    pub(super) fn text(&self, span: Span) -> &'s str {
        self.index
            .source()
            .get(span.start_byte..span.end_byte)
            .unwrap_or("")
    }
}

/// The span of the first token of an expression (outer attributes excluded).
pub(super) fn expr_first(mut expr: &Expr) -> TokenSpan {
    loop {
        expr = match expr {
            Expr::Assign(e) => &e.left,
            Expr::Await(e) => &e.base,
            Expr::Binary(e) => &e.left,
            Expr::Call(e) => &e.func,
            Expr::Cast(e) => &e.expr,
            Expr::Field(e) => &e.base,
            Expr::Group(e) => &e.expr,
            Expr::Index(e) => &e.expr,
            Expr::MethodCall(e) => &e.receiver,
            Expr::Try(e) => &e.expr,
            Expr::Range(e) => match &e.start {
                Some(start) => start,
                None => return limits_span(&e.limits, true),
            },
            Expr::Array(e) => return e.bracket_token.span.open(),
            Expr::Async(e) => return e.async_token.span,
            Expr::Block(e) => {
                return match &e.label {
                    Some(label) => label.name.apostrophe,
                    None => e.block.brace_token.span.open(),
                };
            }
            Expr::Break(e) => return e.break_token.span,
            Expr::Closure(e) => return closure_first(e),
            Expr::Const(e) => return e.const_token.span,
            Expr::Continue(e) => return e.continue_token.span,
            Expr::ForLoop(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.for_token.span, |l| l.name.apostrophe);
            }
            Expr::If(e) => return e.if_token.span,
            Expr::Infer(e) => return e.underscore_token.span,
            Expr::Let(e) => return e.let_token.span,
            Expr::Lit(e) => return e.lit.span(),
            Expr::Loop(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.loop_token.span, |l| l.name.apostrophe);
            }
            Expr::Macro(e) => return path_first(&e.mac.path),
            Expr::Match(e) => return e.match_token.span,
            Expr::Paren(e) => return e.paren_token.span.open(),
            Expr::Path(e) => {
                return match &e.qself {
                    Some(q) => q.lt_token.span,
                    None => path_first(&e.path),
                };
            }
            Expr::RawAddr(e) => return e.and_token.span,
            Expr::Reference(e) => return e.and_token.span,
            Expr::Repeat(e) => return e.bracket_token.span.open(),
            Expr::Return(e) => return e.return_token.span,
            Expr::Struct(e) => {
                return match &e.qself {
                    Some(q) => q.lt_token.span,
                    None => path_first(&e.path),
                };
            }
            Expr::TryBlock(e) => return e.try_token.span,
            Expr::Tuple(e) => return e.paren_token.span.open(),
            Expr::Unary(e) => return unop_span(&e.op),
            Expr::Unsafe(e) => return e.unsafe_token.span,
            Expr::While(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.while_token.span, |l| l.name.apostrophe);
            }
            Expr::Yield(e) => return e.yield_token.span,
            Expr::Verbatim(tokens) => {
                return tokens
                    .clone()
                    .into_iter()
                    .next()
                    .map_or_else(TokenSpan::call_site, |t| t.span());
            }
            other => return other.span(),
        };
    }
}

/// The span of the last token of an expression.
pub(super) fn expr_last(mut expr: &Expr) -> TokenSpan {
    loop {
        expr = match expr {
            Expr::Assign(e) => &e.right,
            Expr::Binary(e) => &e.right,
            Expr::Closure(e) => &e.body,
            Expr::Group(e) => &e.expr,
            Expr::Let(e) => &e.expr,
            Expr::RawAddr(e) => &e.expr,
            Expr::Reference(e) => &e.expr,
            Expr::Unary(e) => &e.expr,
            Expr::Break(e) => match (&e.expr, &e.label) {
                (Some(value), _) => value,
                (None, Some(label)) => return label.ident.span(),
                (None, None) => return e.break_token.span,
            },
            Expr::Range(e) => match &e.end {
                Some(end) => end,
                None => return limits_span(&e.limits, false),
            },
            Expr::Return(e) => match &e.expr {
                Some(value) => value,
                None => return e.return_token.span,
            },
            Expr::Yield(e) => match &e.expr {
                Some(value) => value,
                None => return e.yield_token.span,
            },
            Expr::If(e) => match &e.else_branch {
                Some((_, branch)) => branch,
                None => return e.then_branch.brace_token.span.close(),
            },
            Expr::Array(e) => return e.bracket_token.span.close(),
            Expr::Async(e) => return e.block.brace_token.span.close(),
            Expr::Await(e) => return e.await_token.span,
            Expr::Block(e) => return e.block.brace_token.span.close(),
            Expr::Call(e) => return e.paren_token.span.close(),
            Expr::Cast(e) => return e.ty.span(),
            Expr::Const(e) => return e.block.brace_token.span.close(),
            Expr::Continue(e) => {
                return e
                    .label
                    .as_ref()
                    .map_or(e.continue_token.span, |l| l.ident.span());
            }
            Expr::Field(e) => return member_span(&e.member),
            Expr::ForLoop(e) => return e.body.brace_token.span.close(),
            Expr::Index(e) => return e.bracket_token.span.close(),
            Expr::Infer(e) => return e.underscore_token.span,
            Expr::Lit(e) => return e.lit.span(),
            Expr::Loop(e) => return e.body.brace_token.span.close(),
            Expr::Macro(e) => return e.mac.delimiter.span().close(),
            Expr::Match(e) => return e.brace_token.span.close(),
            Expr::MethodCall(e) => return e.paren_token.span.close(),
            Expr::Paren(e) => return e.paren_token.span.close(),
            Expr::Path(e) => return path_last(&e.path),
            Expr::Repeat(e) => return e.bracket_token.span.close(),
            Expr::Struct(e) => return e.brace_token.span.close(),
            Expr::Try(e) => return e.question_token.span,
            Expr::TryBlock(e) => return e.block.brace_token.span.close(),
            Expr::Tuple(e) => return e.paren_token.span.close(),
            Expr::Unsafe(e) => return e.block.brace_token.span.close(),
            Expr::While(e) => return e.body.brace_token.span.close(),
            Expr::Verbatim(tokens) => {
                return tokens
                    .clone()
                    .into_iter()
                    .last()
                    .map_or_else(TokenSpan::call_site, |t| t.span());
            }
            other => return other.span(),
        };
    }
}

/// The first token of a closure (`for<..>`, `const`, `static`, `async`, `move` or `|`).
pub(super) fn closure_first(closure: &syn::ExprClosure) -> TokenSpan {
    if let Some(lifetimes) = &closure.lifetimes {
        return lifetimes.for_token.span;
    }
    if let Some(token) = &closure.constness {
        return token.span;
    }
    if let Some(token) = &closure.movability {
        return token.span;
    }
    if let Some(token) = &closure.asyncness {
        return token.span;
    }
    if let Some(token) = &closure.capture {
        return token.span;
    }
    closure.or1_token.spans[0]
}

fn limits_span(limits: &RangeLimits, first: bool) -> TokenSpan {
    match limits {
        RangeLimits::HalfOpen(t) => t.spans[if first { 0 } else { 1 }],
        RangeLimits::Closed(t) => t.spans[if first { 0 } else { 2 }],
    }
}

fn unop_span(op: &UnOp) -> TokenSpan {
    match op {
        UnOp::Deref(t) => t.spans[0],
        UnOp::Not(t) => t.spans[0],
        UnOp::Neg(t) => t.spans[0],
        other => other.span(),
    }
}

fn member_span(member: &Member) -> TokenSpan {
    match member {
        Member::Named(ident) => ident.span(),
        Member::Unnamed(index) => index.span,
    }
}

/// The first token of a path (`::` or the first segment).
pub(super) fn path_first(path: &Path) -> TokenSpan {
    if let Some(colons) = &path.leading_colon {
        return colons.spans[0];
    }
    path.segments
        .first()
        .map_or_else(TokenSpan::call_site, |s| s.ident.span())
}

/// The last token of a path (its last identifier or generic arguments).
pub(super) fn path_last(path: &Path) -> TokenSpan {
    let Some(segment) = path.segments.last() else {
        return path_first(path);
    };
    match &segment.arguments {
        PathArguments::None => segment.ident.span(),
        PathArguments::AngleBracketed(args) => args.gt_token.span,
        PathArguments::Parenthesized(args) => match &args.output {
            ReturnType::Type(_, ty) => ty.span(),
            ReturnType::Default => args.paren_token.span.close(),
        },
    }
}
