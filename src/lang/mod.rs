//! Frontends: turn source text into the language-neutral [`crate::model`].
//!
//! Each language is one [`Frontend`] implementation. Rules never see
//! tree-sitter or syn; they only see [`FileModel`].

mod bindings;
mod constructions;
mod javascript;
mod python;
mod rust;
mod syntax_tree;
#[cfg(test)]
mod test_support;

pub use javascript::JavaScriptFrontend;
pub use python::PythonFrontend;
pub use rust::RustFrontend;

use crate::model::{FileModel, Language};

/// How deep frontends descend into nested syntax before cutting off.
///
/// Deeper code is still parsed (and counted) but its inner nodes are not put
/// into the model; [`FileModel::truncated`] is set. This bounds the recursion
/// of both frontends and rules, so hostile nesting cannot overflow the stack.
pub const MAX_MODEL_DEPTH: usize = 256;

/// The stack size of threads that parse: syn's recursive-descent parser needs
/// room for deeply nested input (10,000 levels) before our depth limit applies.
pub const PARSER_STACK_BYTES: usize = 512 * 1024 * 1024;

/// A language frontend.
pub trait Frontend: Sync {
    /// Parse one file version. Never fails: syntax errors are recovered from
    /// where possible and counted in [`FileModel::parse_errors`].
    fn parse(&self, source: &str) -> FileModel;
}

/// The frontend for a language.
pub fn frontend(language: Language) -> &'static dyn Frontend {
    static JAVASCRIPT: JavaScriptFrontend = JavaScriptFrontend::new(Language::JavaScript);
    static TYPESCRIPT: JavaScriptFrontend = JavaScriptFrontend::new(Language::TypeScript);
    static TSX: JavaScriptFrontend = JavaScriptFrontend::new(Language::Tsx);
    static PYTHON: PythonFrontend = PythonFrontend;
    static RUST: RustFrontend = RustFrontend;
    match language {
        Language::JavaScript => &JAVASCRIPT,
        Language::TypeScript => &TYPESCRIPT,
        Language::Tsx => &TSX,
        Language::Python => &PYTHON,
        Language::Rust => &RUST,
    }
}

/// Parse `source` as `language` (see [`Frontend::parse`]).
pub fn parse(language: Language, source: &str) -> FileModel {
    let mut model = frontend(language).parse(source);
    bindings::inline_object_arguments(&mut model);
    constructions::note_constructed_receivers(&mut model);
    model
}
