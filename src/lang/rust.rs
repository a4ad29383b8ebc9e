//! Rust frontend (syn 2 with proc-macro2 span locations).
//!
//! syn parses the file; [`convert`] turns items into the model; [`lexer`]
//! recovers what syn does not keep (comments) and, when syn rejects the file,
//! splits it into top-level items that are parsed one by one so that one
//! broken item does not hide the rest. Positions come from proc-macro2 spans
//! (relative to each parsed text) and are mapped to file lines, character
//! columns and byte offsets by [`locate`]. [`builders`] then reads requests
//! built in a variable as if they were written inline.
//!
//! proc-macro2 keeps a per-thread copy of every parsed text for its span
//! lookups; [`RustFrontend::parse`] clears it after each file so long-running
//! worker threads do not accumulate sources (nor overflow its 32-bit offsets).

mod builders;
mod calls;
mod convert;
mod lexer;
mod locate;
mod macros;
mod recover;
#[cfg(test)]
mod tests;
mod types;

use crate::model::{FileModel, Function, FunctionOrigin};
use convert::Converter;
use locate::{Locator, Origin, PositionIndex};

/// Frontend for Rust.
pub struct RustFrontend;

impl super::Frontend for RustFrontend {
    fn parse(&self, source: &str) -> FileModel {
        let model = parse_source(source);
        // Every span of this file is dead now; free proc-macro2's copy of it.
        proc_macro2::extra::invalidate_current_thread_spans();
        model
    }
}

const BYTE_ORDER_MARK: &str = "\u{feff}";

fn parse_source(source: &str) -> FileModel {
    let index = PositionIndex::new(source);
    let comments = lexer::comments(source, &index);
    let text_start = if source.starts_with(BYTE_ORDER_MARK) {
        BYTE_ORDER_MARK.len()
    } else {
        0
    };
    let mut shapes = FileModel::default();
    let (body, parse_errors, truncated) = match syn::parse_file(&source[text_start..]) {
        Ok(file) => {
            let locator = Locator::new(&index, Origin::at(&index, text_start));
            types::extract(&file.items, &locator, &mut shapes);
            let mut converter = Converter::new(locator);
            let mut body = Vec::new();
            converter.items(&file.items, "", &mut body, 0);
            (body, 0, converter.truncated)
        }
        Err(_) => {
            let recovery = recover::Recovery::run(&index, after_shebang(source, text_start));
            let errors = recovery.parse_errors.max(1);
            shapes = recovery.shapes;
            (recovery.body, errors, recovery.truncated)
        }
    };
    let mut module = Function {
        name: "<module>".to_string(),
        origin: FunctionOrigin::Module,
        span: index.byte_span(0, source.len()),
        body,
        ..Function::default()
    };
    builders::inline_request_builders(&mut module);
    FileModel {
        module,
        comments,
        parse_errors,
        truncated: truncated || shapes.truncated,
        types: shapes.types,
        reads: shapes.reads,
        bindings: shapes.bindings,
    }
}

/// Where items start: after a `#!` interpreter line (but not `#![attr]`).
fn after_shebang(source: &str, start: usize) -> usize {
    let text = &source[start..];
    let Some(rest) = text.strip_prefix("#!") else {
        return start;
    };
    if rest.trim_start().starts_with('[') {
        return start;
    }
    text.find('\n').map_or(source.len(), |n| start + n)
}
