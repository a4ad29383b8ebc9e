//! Python frontend (tree-sitter).
//!
//! One pass over the tree-sitter tree turns a Python file into the shared
//! [`crate::model`]. The syntax is recorded faithfully; what a call means is
//! left to the knowledge packs. Choices the model leaves open, made here once:
//!
//! - **Returns.** `return f()` is a [`Node::Return`](crate::model::Node::Return) whose
//!   `value` is `Value::Call` with result `Returned`; a lambda's expression body is
//!   an implicit `Return` of the same shape. A `Returned` call therefore always
//!   lives inside a `Return` node, and [`Function::for_each_call`](crate::model::Function::for_each_call)
//!   visits it.
//! - **Conditions and headers.** Calls in `if`/`elif`/`while` conditions, in a
//!   `for` header, in a `match` subject or case guard are `Node::Call`s with
//!   result `Used`, placed just *before* the block they head. Calls in an `except`
//!   clause's types open that `Catch` block's body.
//! - **try/else.** The `else:` of a `try` is a `Plain` block, in source order
//!   (after the last `Catch`, before a `Finally`). A loop's `else:` is a `Plain`
//!   block right after its `Loop`.
//! - **Classes.** A class adds no model level: its body is flattened into the
//!   enclosing body, methods become `Node::Function`s named `Class.method` (nested
//!   classes `Outer.Inner.method`) with `class` and `class_bases` (positional bases
//!   only; keywords such as `metaclass=` are ignored). Class decorators are `Used`
//!   calls placed before the class's members.
//! - **Decorators** are calls with result `Used`, outermost first; a bare
//!   `@task` or `@transaction.atomic` is a call with that callee and no args.
//!   A decorated function's span starts at its first decorator.
//! - **Arguments.** `*args` has keyword `*`, `**kwargs` keyword `**` (a dict's
//!   `**other` is key `**`); a lambda passed directly is a `Value::Function` with
//!   origin `Callback`. Dict keys are the string contents, other keys their text.
//! - **Calls without a shape.** Calls inside expressions the model gives no shape
//!   (operators, comprehensions, generator expressions, subscripts, f-string
//!   interpolations, conditional expressions) are `Node::Call`s with result
//!   `Used`, placed before the statement containing them; lambdas there are
//!   `Node::Function`s with origin `Anonymous`. `(x := f())` binds `f()` to `x`.
//! - **Assignments.** `x = y = f()` binds to the leftmost target; `a, b = f()`
//!   to `a, b`; `total += f()` to `total`. An annotation without a value
//!   (`x: int`) produces nothing. Docstrings produce nothing.
//! - **with.** Each item is a call (`transaction.atomic()`), or a path turned
//!   into a call without arguments (`lock`); with `as t` it is `Bound` to `t`,
//!   otherwise `Used`. An item that is neither (`a if c else b`) is left out and
//!   its calls are placed before the block.
//! - **match.** Each `case` is an `Arm` whose pattern is the text of its
//!   patterns and guard (`[x, y] if x > 0`), all in the enclosing body.
//!
//! Model depth is bounded by [`super::MAX_MODEL_DEPTH`]; walks between model
//! levels (operator trees, parentheses, member chains) are iterative.

mod expressions;
mod statements;
#[cfg(test)]
mod tests;
mod types;

use super::syntax_tree::{LineIndex, collect_comments, count_syntax_errors};
use crate::model::{FileModel, Function, FunctionOrigin};
use std::cell::RefCell;
use tree_sitter::{Parser, Tree};

/// Frontend for Python.
pub struct PythonFrontend;

thread_local! {
    /// One parser per thread: tree-sitter parsers are not `Sync`, and building
    /// one per file would redo the language setup every time.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parse `source` with this thread's Python parser; `None` when no parser
/// could be set up or the parse was abandoned.
fn parse_tree(source: &str) -> Option<Tree> {
    PARSER
        .try_with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            if slot.is_none() {
                let mut parser = Parser::new();
                parser
                    .set_language(&tree_sitter_python::LANGUAGE.into())
                    .ok()?;
                *slot = Some(parser);
            }
            slot.as_mut()?.parse(source, None)
        })
        .ok()
        .flatten()
}

impl super::Frontend for PythonFrontend {
    fn parse(&self, source: &str) -> FileModel {
        let index = LineIndex::new(source);
        let module = |body| Function {
            name: "<module>".to_string(),
            origin: FunctionOrigin::Module,
            span: index.span(0, source.len()),
            body,
            ..Function::default()
        };
        let Some(tree) = parse_tree(source) else {
            return FileModel {
                module: module(Vec::new()),
                comments: Vec::new(),
                parse_errors: 1,
                truncated: false,
                ..FileModel::default()
            };
        };
        let root = tree.root_node();
        let mut converter = statements::Converter::new(source, &index);
        let body = converter.module_body(root);
        let mut model = FileModel {
            module: module(body),
            comments: collect_comments(root, &index),
            parse_errors: count_syntax_errors(root),
            truncated: converter.truncated,
            ..FileModel::default()
        };
        types::extract(root, &index, &mut model);
        model
    }
}
