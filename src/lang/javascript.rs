//! JavaScript, JSX, TypeScript and TSX frontend (tree-sitter).
//!
//! One pass over the syntax tree turns a file into the language-neutral
//! [`crate::model`]. The choices the model leaves to each frontend are made
//! here as follows:
//!
//! - **Calls** are recorded wherever they appear. A call that is the whole
//!   statement, the bound value, the returned value, an argument or an
//!   object-literal value gets the matching slot ([`Node::Call`],
//!   [`Value::Call`]). A call buried in a larger expression that has no slot of
//!   its own (an operand, a condition, a ternary branch, a template
//!   substitution, a JSX expression container) is *hoisted*: it becomes a
//!   [`Node::Call`] with [`CallResult::Used`] placed just before the node of
//!   the statement that contains it.
//! - **Conditions and loop headers**: their calls are hoisted just before the
//!   `If`/`Loop`/`Arm` blocks (for an `if … else if …` chain, the calls of all
//!   conditions come before the first branch). The one exception is
//!   `do … while (cond)`, whose condition calls are the last nodes of the loop
//!   body, where they run.
//! - **Inline functions without a slot** (a JSX handler
//!   `onSubmit={async (e) => {…}}`, an IIFE, a function inside an operand) are
//!   hoisted the same way as [`Node::Function`] with origin
//!   [`FunctionOrigin::Anonymous`], named after the JSX attribute, object key,
//!   variable or assignment target around them, else `<anonymous>`.
//! - **Functions bound to names** (`const handler = async () => {}`,
//!   `exports.handler = function () {}`) are [`Node::Function`]s named after the
//!   binding, origin [`FunctionOrigin::Anonymous`]; `function f` declarations and
//!   class methods are [`FunctionOrigin::Declaration`]. Class methods, class
//!   fields holding functions, constructors, getters and setters become
//!   `Class.member` functions placed where the class is declared; the class
//!   itself is not a node. TypeScript method decorators are recorded as calls
//!   (class decorators are not: the model has no slot for a class).
//! - **`return`** is a [`Node::Return`] whose `value` is the returned shape
//!   (a returned call is `Value::Call` with [`CallResult::Returned`]). An arrow
//!   function with an expression body has one implicit `Return`.
//! - **`throw e`** is modelled as a [`Node::Return`] whose `value_text` starts
//!   with `throw ` (so a rethrow in a `catch` is visible as an exit); a thrown
//!   `new Error(…)` is its `Value::Call`.
//! - **Blocks**: a bare `{ }` is a [`BlockKind::Plain`] block, as are a static
//!   class block and a TypeScript `namespace`; `switch` cases are `Arm` blocks in
//!   order (pattern `default` for the default case), each directly in the
//!   enclosing body.
//! - **Bindings**: `let x;` without a value records nothing; a class field
//!   `x = f()` binds to `this.x` (`Class.x` when static); `export default <expr>`
//!   binds to `default`.
//! - **TypeScript** `as`, `satisfies`, `<T>x` and non-null `!` are transparent;
//!   type arguments are dropped; type-only declarations are skipped. Tagged
//!   templates are not calls (their substitutions' calls are recorded).

mod expressions;
mod statements;
mod syntax;
#[cfg(test)]
mod tests;
mod types;

use super::syntax_tree::{LineIndex, collect_comments, count_syntax_errors};
#[cfg(doc)]
use crate::model::{BlockKind, CallResult, Node, Value};
use crate::model::{FileModel, Function, FunctionOrigin, Language, Span};
use syntax::Fields;

/// Frontend for the JavaScript family of dialects.
pub struct JavaScriptFrontend {
    language: Language,
}

impl JavaScriptFrontend {
    /// A frontend for one dialect (`JavaScript`, `TypeScript` or `Tsx`).
    pub const fn new(language: Language) -> Self {
        JavaScriptFrontend { language }
    }

    /// The tree-sitter grammar of the dialect. JavaScript's grammar parses JSX;
    /// TypeScript needs its own grammar with or without JSX (`<T>x` casts and
    /// JSX elements are ambiguous otherwise).
    fn grammar(&self) -> tree_sitter::Language {
        match self.language {
            Language::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Language::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            _ => tree_sitter_javascript::LANGUAGE.into(),
        }
    }
}

impl super::Frontend for JavaScriptFrontend {
    fn parse(&self, source: &str) -> FileModel {
        let grammar = self.grammar();
        let mut parser = tree_sitter::Parser::new();
        let tree = match parser.set_language(&grammar) {
            Ok(()) => parser.parse(source, None),
            Err(_) => None,
        };
        let index = LineIndex::new(source);
        let module_span = index.span(0, source.len());
        let Some(tree) = tree else {
            // Only an incompatible grammar or a cancelled parse gets here; the
            // file is reported as one error rather than silently empty.
            return FileModel {
                module: module_function(module_span, Vec::new()),
                parse_errors: 1,
                ..FileModel::default()
            };
        };
        let root = tree.root_node();
        let mut converter = Converter::new(index, Fields::new(&grammar));
        let mut body = Vec::new();
        converter.statements(root, &mut body, 0);
        let mut model = FileModel {
            module: module_function(module_span, body),
            comments: collect_comments(root, &converter.index),
            parse_errors: count_syntax_errors(root),
            truncated: converter.truncated,
            ..FileModel::default()
        };
        types::extract(root, &converter.index, &converter.fields, &mut model);
        model
    }
}

/// The pseudo-function holding a module's top-level statements.
fn module_function(span: Span, body: Vec<crate::model::Node>) -> Function {
    Function {
        name: "<module>".to_string(),
        origin: FunctionOrigin::Module,
        span,
        body,
        ..Function::default()
    }
}

/// Per-file conversion state, shared by the statement and expression halves
/// (`statements.rs`, `expressions.rs`).
struct Converter<'s> {
    /// Source text and line/column positions.
    index: LineIndex<'s>,
    /// Field ids of the grammar in use.
    fields: Fields,
    /// Set when nesting beyond [`super::MAX_MODEL_DEPTH`] was cut off.
    truncated: bool,
}

impl<'s> Converter<'s> {
    fn new(index: LineIndex<'s>, fields: Fields) -> Self {
        Converter {
            index,
            fields,
            truncated: false,
        }
    }

    /// Enter one more model level below `depth`, or record the cut-off.
    fn enter(&mut self, depth: usize) -> Option<usize> {
        if depth >= super::MAX_MODEL_DEPTH {
            self.truncated = true;
            None
        } else {
            Some(depth + 1)
        }
    }

    /// The source text of a node.
    fn text(&self, node: tree_sitter::Node<'_>) -> &'s str {
        self.index.text(node)
    }

    /// The span of a node.
    fn span(&self, node: tree_sitter::Node<'_>) -> Span {
        self.index.node_span(node)
    }
}
