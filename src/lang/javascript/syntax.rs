//! Grammar plumbing: field ids resolved once per parse, and small node helpers.

use std::num::NonZeroU16;
use tree_sitter::Node;

macro_rules! fields {
    ($($method:ident => $name:literal),* $(,)?) => {
        /// The grammar's field ids, looked up once per file rather than by name
        /// at every node (a name lookup scans the grammar's field table).
        #[derive(Clone, Copy)]
        pub(super) struct Fields {
            $($method: Option<NonZeroU16>,)*
        }

        impl Fields {
            /// Resolve the field ids of `language` (absent fields stay `None`).
            pub(super) fn new(language: &tree_sitter::Language) -> Self {
                Fields {
                    $($method: language.field_id_for_name($name),)*
                }
            }

            $(
                #[doc = concat!("The `", $name, "` child of a node.")]
                pub(super) fn $method<'t>(&self, node: Node<'t>) -> Option<Node<'t>> {
                    node.child_by_field_id(self.$method?.get())
                }
            )*
        }
    };
}

fields! {
    alternative => "alternative",
    argument => "argument",
    arguments => "arguments",
    body => "body",
    condition => "condition",
    consequence => "consequence",
    constructor => "constructor",
    declaration => "declaration",
    finalizer => "finalizer",
    function => "function",
    handler => "handler",
    increment => "increment",
    index => "index",
    initializer => "initializer",
    key => "key",
    left => "left",
    name => "name",
    object => "object",
    operator => "operator",
    parameter => "parameter",
    parameters => "parameters",
    pattern => "pattern",
    property => "property",
    right => "right",
    type_annotation => "type",
    value => "value",
}

/// The named children of a node, comments left out (comments may sit between
/// any two tokens, and would otherwise be taken for an operand).
pub(super) fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .collect()
}

/// The first named, non-comment child.
pub(super) fn first_named(node: Node<'_>) -> Option<Node<'_>> {
    // Fast path without a cursor allocation: the first named child is found
    // at once, and is rarely a comment.
    let first = node.named_child(0)?;
    if first.kind() != "comment" {
        return Some(first);
    }
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .find(|child| child.kind() != "comment")
}

/// The last named, non-comment child.
pub(super) fn last_named(node: Node<'_>) -> Option<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() != "comment")
        .last()
}

/// The first direct child (named or not) of the given kind.
pub(super) fn child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .find(|child| child.kind() == kind)
}

/// Function-valued expressions (not declarations).
pub(super) fn is_function_expression(kind: &str) -> bool {
    matches!(
        kind,
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

/// Function declarations (statements with a name).
pub(super) fn is_function_declaration(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration" | "generator_function_declaration"
    )
}

/// Class declarations and class expressions.
pub(super) fn is_class(kind: &str) -> bool {
    matches!(
        kind,
        "class" | "class_declaration" | "abstract_class_declaration"
    )
}

/// Wrappers that do not change which value an expression denotes: parentheses
/// and the TypeScript type operators (`as`, `satisfies`, `!`, `f<T>`).
pub(super) fn is_transparent(kind: &str) -> bool {
    matches!(
        kind,
        "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "instantiation_expression"
    )
}

/// The expression inside a transparent wrapper (see [`is_transparent`]) or a
/// `<T>x` type assertion.
pub(super) fn unwrap_transparent(node: Node<'_>) -> Option<Node<'_>> {
    match node.kind() {
        "type_assertion" => last_named(node),
        kind if is_transparent(kind) => first_named(node),
        _ => None,
    }
}

/// Syntax that can hold no call and no function: skipped when searching.
pub(super) fn is_inert(kind: &str) -> bool {
    matches!(
        kind,
        "comment"
            | "string"
            | "number"
            | "regex"
            | "identifier"
            | "property_identifier"
            | "shorthand_property_identifier"
            | "private_property_identifier"
            | "this"
            | "super"
            | "true"
            | "false"
            | "null"
            | "undefined"
            | "type_annotation"
            | "type_arguments"
            | "type_parameters"
            | "interface_declaration"
            | "type_alias_declaration"
            | "ambient_declaration"
            | "function_signature"
            | "import_statement"
            | "jsx_text"
    )
}

/// A string literal's content without its quotes, as written.
pub(super) fn unquote(text: &str) -> &str {
    let Some(quote) = text
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
    else {
        return text;
    };
    let inner = &text[quote.len_utf8()..];
    inner.strip_suffix(quote).unwrap_or(inner)
}

/// A type annotation's text without its leading `:`.
pub(super) fn annotation_text(text: &str) -> String {
    text.strip_prefix(':').unwrap_or(text).trim().to_string()
}

/// A parenthesized condition's text without the parentheses.
pub(super) fn condition_text(text: &str) -> &str {
    text.strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(text)
        .trim()
}

/// The segment of a callee path between two calls or names.
#[derive(Clone, Copy)]
pub(super) enum Segment<'s> {
    /// `.name` (also `?.name`).
    Property(&'s str),
    /// A computed member `[expr]`, written `[]`.
    Index,
}

/// Append `segments` (collected outermost first) to `base`.
pub(super) fn join_path(mut base: String, segments: &[Segment<'_>]) -> String {
    for segment in segments.iter().rev() {
        match segment {
            Segment::Property(name) => {
                base.push('.');
                base.push_str(name);
            }
            Segment::Index => base.push_str("[]"),
        }
    }
    base
}

/// Split a normalised callee into its receiver (the path before the last
/// segment) and its method (the last segment without `()`).
pub(super) fn split_callee(callee: &str) -> (Option<String>, String) {
    match callee.rsplit_once('.') {
        Some((receiver, last)) => (
            Some(receiver.to_string()),
            last.trim_end_matches("()").to_string(),
        ),
        None => (None, callee.trim_end_matches("()").to_string()),
    }
}
