//! Recovery from syntax errors.
//!
//! syn rejects a whole file for one error. When that happens the file is cut
//! into top-level items ([`lexer::item_chunks`]) that are parsed one by one.
//! An item that still fails is opened up: its header is parsed on its own
//! (with an empty body) and its body cut by indentation into the items of an
//! `impl`/`trait`/`mod`, or the statements of a `fn`, which are parsed one by
//! one in turn. So one broken line loses the smallest enclosing item or
//! statement, not the file. Each piece that cannot be parsed at all counts as
//! one parse error.

use super::convert::{Converter, ImplOwner, Tail};
use super::lexer::{self, BlockBody};
use super::locate::{Locator, Origin, PositionIndex};
use crate::model::Node;
use std::ops::Range;
use syn::parse::{ParseStream, Parser};
use syn::{ImplItem, Item, TraitItem};

/// How many levels of items (`mod` › `impl` › `fn`) recovery opens up.
const MAX_RECOVERY_LEVELS: usize = 4;

/// What enclosing item a recovered piece belongs to.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// A module body (the file or an inline `mod`).
    Module,
    /// The body of an `impl` block.
    Impl(&'a ImplOwner),
    /// The body of a trait.
    Trait(&'a ImplOwner),
}

/// The model recovered from a file syn could not parse whole.
pub(super) struct Recovery<'i, 's> {
    index: &'i PositionIndex<'s>,
    /// The module-level nodes recovered.
    pub(super) body: Vec<Node>,
    /// Pieces that could not be parsed.
    pub(super) parse_errors: usize,
    /// Whether conversion cut nesting off.
    pub(super) truncated: bool,
    /// Types, field reads and typed bindings of the module-level items that parsed.
    pub(super) shapes: crate::model::FileModel,
}

impl<'i, 's> Recovery<'i, 's> {
    /// Recover the items of `index`'s source from byte `start` on.
    pub(super) fn run(index: &'i PositionIndex<'s>, start: usize) -> Self {
        let mut recovery = Recovery {
            index,
            body: Vec::new(),
            parse_errors: 0,
            truncated: false,
            shapes: crate::model::FileModel::default(),
        };
        let mut body = Vec::new();
        let end = index.source().len();
        recovery.module_items(start..end, 0, "", &mut body, 0);
        recovery.body = body;
        recovery
    }

    fn source(&self) -> &'s str {
        self.index.source()
    }

    fn converter(&self, start: usize) -> Converter<'i, 's> {
        Converter::new(Locator::new(self.index, Origin::at(self.index, start)))
    }

    fn finish(&mut self, converter: Converter<'_, '_>) {
        self.truncated |= converter.truncated;
    }

    /// Items of a module body written at `indent`.
    fn module_items(
        &mut self,
        range: Range<usize>,
        indent: usize,
        prefix: &str,
        out: &mut Vec<Node>,
        level: usize,
    ) {
        for chunk in lexer::item_chunks(self.source(), range, indent) {
            let text = self.source().get(chunk.clone()).unwrap_or("");
            match syn::parse_str::<syn::File>(text) {
                Ok(file) => {
                    let mut converter = self.converter(chunk.start);
                    converter.items(&file.items, prefix, out, 0);
                    self.finish(converter);
                    let locator = Locator::new(self.index, Origin::at(self.index, chunk.start));
                    super::types::extract(&file.items, &locator, &mut self.shapes);
                }
                Err(_) => self.broken_item(chunk, Scope::Module, prefix, out, level),
            }
        }
    }

    /// Items of an `impl` or trait body written at `indent`.
    fn member_items(
        &mut self,
        body: &BlockBody,
        scope: Scope<'_>,
        prefix: &str,
        out: &mut Vec<Node>,
        level: usize,
    ) {
        for chunk in lexer::item_chunks(self.source(), body.inner.clone(), body.indent) {
            let text = self.source().get(chunk.clone()).unwrap_or("");
            let mut converter = self.converter(chunk.start);
            let parsed = match scope {
                Scope::Impl(owner) => parse_many::<ImplItem>(text).map(|items| {
                    for item in &items {
                        converter.impl_item(item, owner, prefix, out, 0);
                    }
                }),
                Scope::Trait(owner) => parse_many::<TraitItem>(text).map(|items| {
                    for item in &items {
                        converter.trait_item(item, owner, prefix, out, 0);
                    }
                }),
                Scope::Module => parse_many::<Item>(text).map(|items| {
                    converter.items(&items, prefix, out, 0);
                }),
            };
            self.finish(converter);
            if parsed.is_err() {
                self.broken_item(chunk, scope, prefix, out, level);
            }
        }
    }

    /// An item that does not parse: open it up if its header parses.
    fn broken_item(
        &mut self,
        chunk: Range<usize>,
        scope: Scope<'_>,
        prefix: &str,
        out: &mut Vec<Node>,
        level: usize,
    ) {
        let errors_before = self.parse_errors;
        if level < MAX_RECOVERY_LEVELS
            && let Some(body) = lexer::block_body(self.source(), chunk.clone())
        {
            self.open_item(&chunk, &body, scope, prefix, out, level);
        }
        if self.parse_errors == errors_before {
            self.parse_errors += 1;
        }
    }

    fn open_item(
        &mut self,
        chunk: &Range<usize>,
        body: &BlockBody,
        scope: Scope<'_>,
        prefix: &str,
        out: &mut Vec<Node>,
        level: usize,
    ) {
        let header = self.source().get(chunk.start..body.open).unwrap_or("");
        let Ok(stub) = syn::parse_str::<syn::File>(&format!("{header}{{}}")) else {
            return;
        };
        let [item] = stub.items.as_slice() else {
            return;
        };
        match item {
            Item::Impl(imp) => {
                let owner = ImplOwner::of_impl(imp);
                self.member_items(body, Scope::Impl(&owner), prefix, out, level + 1);
            }
            Item::Trait(t) => {
                let owner = ImplOwner::of_trait(t);
                self.member_items(body, Scope::Trait(&owner), prefix, out, level + 1);
            }
            Item::Mod(m) => {
                let prefix = format!("{prefix}{}.", m.ident);
                self.module_items(body.inner.clone(), body.indent, &prefix, out, level + 1);
            }
            Item::Fn(f) => {
                let owner = match scope {
                    Scope::Impl(owner) | Scope::Trait(owner) => Some(owner),
                    Scope::Module => None,
                };
                let mut converter = self.converter(chunk.start);
                let mut function = converter.declared_function(f, owner, prefix, 0);
                self.finish(converter);
                // The stub's span ends at its empty `{}`; the real body ends later.
                let end = self.index.byte_span(body.end, body.end);
                function.span.end_byte = end.end_byte;
                function.span.end_line = end.end_line;
                function.span.end_col = end.end_col;
                self.statements(body, &mut function.body);
                out.push(Node::Function(function));
            }
            _ => {}
        }
    }

    /// The statements of a broken function body, one by one.
    fn statements(&mut self, body: &BlockBody, out: &mut Vec<Node>) {
        let chunks = lexer::item_chunks(self.source(), body.inner.clone(), body.indent);
        let last = chunks.len().saturating_sub(1);
        for (i, chunk) in chunks.into_iter().enumerate() {
            let text = self.source().get(chunk.clone()).unwrap_or("");
            match Parser::parse_str(syn::Block::parse_within, text) {
                Ok(stmts) => {
                    let tail = if i == last {
                        Tail::Returned
                    } else {
                        Tail::Discarded
                    };
                    let mut converter = self.converter(chunk.start);
                    converter.stmts(&stmts, tail, out, 1);
                    self.finish(converter);
                }
                Err(_) => self.parse_errors += 1,
            }
        }
    }
}

/// Parse zero or more `T`s filling all of `text`.
fn parse_many<T: syn::parse::Parse>(text: &str) -> syn::Result<Vec<T>> {
    let parser = |input: ParseStream<'_>| {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse::<T>()?);
        }
        Ok(items)
    };
    parser.parse_str(text)
}
