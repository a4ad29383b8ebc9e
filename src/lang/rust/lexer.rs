//! A small Rust lexer for what syn does not give us: comments (syn drops
//! them) and top-level item boundaries (to recover from syntax errors, since
//! syn rejects a whole file for one error).
//!
//! It knows exactly enough Rust to never mistake code for a comment or a
//! comment for code: string literals with escapes, raw strings
//! (`r#"..."#`, `br"..."`), byte and C strings, char literals versus
//! lifetimes, line comments (doc comments too) and nested block comments.

use super::locate::PositionIndex;
use crate::lang::syntax_tree::strip_comment_markers;
use crate::model::Comment;
use std::ops::Range;

/// What a lexed token is, as far as comments and item boundaries care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    /// `// ...` (including `///` and `//!`).
    LineComment,
    /// `/* ... */`, nested.
    BlockComment,
    /// A string, char, byte, raw-string or number literal.
    Literal,
    /// `'a` (a lifetime or loop label).
    Lifetime,
    /// An identifier or keyword (raw identifiers included).
    Ident,
    /// Any other single byte of punctuation.
    Punct(u8),
}

/// One lexed token: its kind and byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    /// What it is.
    pub(super) kind: TokenKind,
    /// Byte offset of its first byte.
    pub(super) start: usize,
    /// Byte offset one past its last byte.
    pub(super) end: usize,
}

/// Iterates over the tokens of Rust source, skipping whitespace.
pub(super) struct Lexer<'s> {
    bytes: &'s [u8],
    pos: usize,
}

impl<'s> Lexer<'s> {
    /// Lex `source` from byte `start`.
    pub(super) fn new(source: &'s str, start: usize) -> Self {
        Lexer {
            bytes: source.as_bytes(),
            pos: start.min(source.len()),
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    /// End of a `"..."` body whose opening quote is at `open`.
    fn quoted_end(&self, open: usize) -> usize {
        let mut i = open + 1;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\\' => i += 2,
                b'"' => return self.suffix_end(i + 1),
                _ => i += 1,
            }
        }
        self.bytes.len()
    }

    /// End of a raw string whose `#`s (if any) start at `hashes_at`, or
    /// `None` when no opening quote follows (a raw identifier `r#x`).
    fn raw_string_end(&self, hashes_at: usize) -> Option<usize> {
        let mut i = hashes_at;
        while self.at(i) == b'#' {
            i += 1;
        }
        if self.at(i) != b'"' {
            return None;
        }
        let hashes = i - hashes_at;
        i += 1;
        while i < self.bytes.len() {
            if self.bytes[i] == b'"'
                && self.bytes[i + 1..]
                    .iter()
                    .take(hashes)
                    .take_while(|&&b| b == b'#')
                    .count()
                    == hashes
            {
                return Some(self.suffix_end(i + 1 + hashes));
            }
            i += 1;
        }
        Some(self.bytes.len())
    }

    /// End of a char literal whose opening quote is at `open`, or `None` if
    /// the quote starts a lifetime or label.
    fn char_end(&self, open: usize) -> Option<usize> {
        let next = self.at(open + 1);
        if next == b'\\' {
            // Escapes: `'\n'`, `'\''`, `'\u{1F600}'`; stop at a line end.
            let mut i = open + 3;
            while i < self.bytes.len() && self.bytes[i] != b'\'' && self.bytes[i] != b'\n' {
                i += 1;
            }
            return Some((i + 1).min(self.bytes.len()));
        }
        let width = utf8_width(next);
        (next != 0 && next != b'\n' && self.at(open + 1 + width) == b'\'').then(|| open + 2 + width)
    }

    fn ident_end(&self, mut i: usize) -> usize {
        while i < self.bytes.len() && is_ident_continue(self.bytes[i]) {
            i += 1;
        }
        i
    }

    /// Literal suffixes (`1u8`, `"x"suffix`) belong to the literal.
    fn suffix_end(&self, i: usize) -> usize {
        if is_ident_start(self.at(i)) {
            self.ident_end(i)
        } else {
            i
        }
    }

    fn number_end(&self, mut i: usize) -> usize {
        while i < self.bytes.len() {
            let b = self.bytes[i];
            if is_ident_continue(b) {
                i += 1;
            } else if b == b'.' && self.at(i + 1).is_ascii_digit() {
                i += 2;
            } else {
                break;
            }
        }
        i
    }

    /// The end and kind of the token starting with an identifier character:
    /// prefixed literals (`r"..."`, `b'x'`, `c"..."`), raw identifiers, words.
    fn word(&self, start: usize) -> (usize, TokenKind) {
        let end = self.ident_end(start);
        let word = &self.bytes[start..end];
        let next = self.at(end);
        match (word, next) {
            (b"r" | b"br" | b"cr", b'#' | b'"') => match self.raw_string_end(end) {
                Some(literal_end) => (literal_end, TokenKind::Literal),
                None if next == b'#' => (self.ident_end(end + 1), TokenKind::Ident),
                None => (end, TokenKind::Ident),
            },
            (b"b" | b"c", b'"') => (self.quoted_end(end), TokenKind::Literal),
            (b"b", b'\'') => match self.char_end(end) {
                Some(literal_end) => (literal_end, TokenKind::Literal),
                None => (end, TokenKind::Ident),
            },
            _ => (end, TokenKind::Ident),
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        let first = *self.bytes.get(start)?;
        let (end, kind) = match first {
            b'/' if self.at(start + 1) == b'/' => {
                let end = self.bytes[start..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.bytes.len(), |n| start + n);
                (end, TokenKind::LineComment)
            }
            b'/' if self.at(start + 1) == b'*' => {
                let mut depth = 1usize;
                let mut i = start + 2;
                while i < self.bytes.len() && depth > 0 {
                    match (self.bytes[i], self.at(i + 1)) {
                        (b'/', b'*') => {
                            depth += 1;
                            i += 2;
                        }
                        (b'*', b'/') => {
                            depth -= 1;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                (i.min(self.bytes.len()), TokenKind::BlockComment)
            }
            b'"' => (self.quoted_end(start), TokenKind::Literal),
            b'\'' => match self.char_end(start) {
                Some(end) => (end, TokenKind::Literal),
                None => (self.ident_end(start + 1), TokenKind::Lifetime),
            },
            b'0'..=b'9' => (self.number_end(start), TokenKind::Literal),
            b if is_ident_start(b) => self.word(start),
            b => (start + 1, TokenKind::Punct(b)),
        };
        self.pos = end.max(start + 1).min(self.bytes.len());
        Some(Token {
            kind,
            start,
            end: self.pos,
        })
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Byte width of the UTF-8 character whose first byte is `b`.
fn utf8_width(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Every comment of `source`, in order, with markers stripped.
pub(super) fn comments(source: &str, index: &PositionIndex<'_>) -> Vec<Comment> {
    Lexer::new(source, 0)
        .filter(|t| matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment))
        .map(|t| Comment {
            text: strip_comment_markers(source.get(t.start..t.end).unwrap_or("")),
            span: index.byte_span(t.start, t.end),
        })
        .collect()
}

/// Tokens of `source[range]`, each with its indentation (in bytes) when it
/// is the first token on its line.
fn line_tokens(
    source: &str,
    range: Range<usize>,
) -> impl Iterator<Item = (Token, Option<usize>)> + '_ {
    let bytes = source.as_bytes();
    let mut previous_end = range.start;
    // Indentation of a token that may be preceded by blanks on its line.
    let indent_at = |pos: usize| {
        let line_start = bytes[..pos]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |n| n + 1);
        bytes[line_start..pos]
            .iter()
            .all(|&b| b == b' ' || b == b'\t')
            .then_some(pos - line_start)
    };
    let mut first = true;
    Lexer::new(source, range.start)
        .take_while(move |t| t.start < range.end)
        .map(move |token| {
            let gap = &bytes[previous_end..token.start];
            let indent = match gap.iter().rposition(|&b| b == b'\n') {
                Some(newline) => Some(token.start - (previous_end + newline + 1)),
                None if first => indent_at(token.start),
                None => None,
            };
            first = false;
            previous_end = token.end;
            (token, indent)
        })
}

/// Split `source[range]` into chunks that each hold one item (or statement)
/// written at indentation `indent`, with its attributes and doc comments, for
/// parsing one by one.
///
/// A chunk starts at a token first on its line at exactly `indent` that can
/// begin an item: an identifier other than `where`/`else`, or (outside any
/// brackets) an attribute `#` or a comment. Closing brackets, a `{` on its own
/// line and `where` clauses continue the item before them; attributes and
/// comments stay with the item they precede. An identifier starts an item even
/// inside unbalanced brackets, so that an unclosed `{` in one item does not
/// swallow the rest.
pub(super) fn item_chunks(source: &str, range: Range<usize>, indent: usize) -> Vec<Range<usize>> {
    let bytes = source.as_bytes();
    let mut bounds = vec![range.start];
    let mut chunk_is_preamble = true;
    let mut depth = 0usize;
    for (token, token_indent) in line_tokens(source, range.clone()) {
        let preamble = depth == 0
            && matches!(
                token.kind,
                TokenKind::Punct(b'#') | TokenKind::LineComment | TokenKind::BlockComment
            );
        let item_start = token_indent == Some(indent)
            && (preamble
                || (token.kind == TokenKind::Ident
                    && !matches!(&bytes[token.start..token.end], b"where" | b"else")));
        match token.kind {
            TokenKind::Punct(b'{' | b'(' | b'[') => depth += 1,
            TokenKind::Punct(b'}' | b')' | b']') => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !item_start {
            continue;
        }
        if !preamble {
            depth = 0;
        }
        if !chunk_is_preamble {
            bounds.push(token.start);
        }
        chunk_is_preamble = preamble;
    }
    bounds.push(range.end);
    bounds
        .windows(2)
        .map(|w| w[0]..w[1])
        .filter(|r| !r.is_empty())
        .collect()
}

/// The braced body of the item in `source[range]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BlockBody {
    /// Byte offset of the opening `{`.
    pub(super) open: usize,
    /// The text between the braces (to the end of the range if unclosed).
    pub(super) inner: Range<usize>,
    /// One past the closing `}` (or the end of the range).
    pub(super) end: usize,
    /// Indentation of the body's first line.
    pub(super) indent: usize,
}

/// Find the body of the item in `source[range]`: its first `{` outside
/// parentheses and brackets (none if a `;` comes first), closed by the last
/// `}` that sits at the item's own indentation. The body must start on a new
/// line, since its indentation is what separates its items.
pub(super) fn block_body(source: &str, range: Range<usize>) -> Option<BlockBody> {
    let mut tokens = line_tokens(source, range.clone());
    let mut item_indent = None;
    let mut depth = 0usize;
    let open = loop {
        let (token, indent) = tokens.next()?;
        if item_indent.is_none() {
            item_indent = Some(indent.unwrap_or(0));
        }
        match token.kind {
            TokenKind::Punct(b'{') if depth == 0 => break token,
            TokenKind::Punct(b'(' | b'[') => depth += 1,
            TokenKind::Punct(b')' | b']') => depth = depth.saturating_sub(1),
            TokenKind::Punct(b';') if depth == 0 => return None,
            _ => {}
        }
    };
    let (_, indent) = tokens.next()?;
    let indent = indent?;
    let close = tokens
        .filter(|(t, i)| t.kind == TokenKind::Punct(b'}') && *i == item_indent)
        .last()
        .map(|(t, _)| t);
    let (inner_end, end) = close.map_or((range.end, range.end), |t| (t.start, t.end));
    Some(BlockBody {
        open: open.start,
        inner: open.end..inner_end,
        end,
        indent,
    })
}
