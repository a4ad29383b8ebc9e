//! Payload shapes and field reads, for the contract rules.
//!
//! One iterative pass over the syntax tree records:
//!
//! - **types**: `interface` declarations, `type X = { … }` aliases (with
//!   intersections: object members become fields, named parts become bases),
//!   unions of string literals (`'pending' | 'paid'`, as enum values) and
//!   `enum` declarations (string values as written, numeric members counted
//!   from the last explicit number as TypeScript does);
//! - **reads**: `a.b` (unless it is the callee of a call or the target of an
//!   assignment), `a['b']`, `a.get('b')`, and destructuring of a named object
//!   (`const { b, c: d } = a`) or of a parameter (`({ b }) => …`);
//! - **bindings**: `const x: T = …` declarations with a type annotation.

use super::syntax::{Fields, annotation_text, named_children, unquote};
use crate::lang::MAX_MODEL_DEPTH;
use crate::lang::syntax_tree::LineIndex;
use crate::model::{
    EnumValue, FieldDecl, FieldRead, FileModel, ReadKind, TypeDecl, TypeDeclKind, TypedBinding,
};
use std::collections::HashSet;
use tree_sitter::Node;

/// Add the types, field reads and typed bindings of a parsed file to `model`.
pub(super) fn extract(
    root: Node<'_>,
    index: &LineIndex<'_>,
    fields: &Fields,
    model: &mut FileModel,
) {
    let mut extractor = Extractor {
        index,
        fields,
        not_reads: HashSet::new(),
    };
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        extractor.visit(node, model);
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

struct Extractor<'i, 's> {
    index: &'i LineIndex<'s>,
    fields: &'i Fields,
    /// Member and subscript expressions met as a callee or an assignment
    /// target (parents are visited before their children).
    not_reads: HashSet<usize>,
}

impl<'s> Extractor<'_, 's> {
    fn text(&self, node: Node<'_>) -> &'s str {
        self.index.text(node)
    }

    fn visit(&mut self, node: Node<'_>, model: &mut FileModel) {
        match node.kind() {
            "call_expression" => {
                if let Some(callee) = self.fields.function(node) {
                    self.not_reads.insert(callee.id());
                }
                self.get_read(node, model);
            }
            "assignment_expression" | "augmented_assignment_expression" => {
                if let Some(left) = self.fields.left(node) {
                    self.not_reads.insert(left.id());
                }
            }
            "unary_expression"
                if self
                    .fields
                    .operator(node)
                    .is_some_and(|o| o.kind() == "delete") =>
            {
                if let Some(argument) = self.fields.argument(node) {
                    self.not_reads.insert(argument.id());
                }
            }
            "interface_declaration" => {
                if let Some(decl) = self.interface(node) {
                    model.types.push(decl);
                }
            }
            "type_alias_declaration" => {
                if let Some(decl) = self.alias(node) {
                    model.types.push(decl);
                }
            }
            "enum_declaration" => {
                if let Some(decl) = self.enumeration(node) {
                    model.types.push(decl);
                }
            }
            "member_expression" => self.member_read(node, model),
            "subscript_expression" => self.subscript_read(node, model),
            "variable_declarator" => self.declarator(node, model),
            "formal_parameters" => self.parameter_patterns(node, model),
            _ => {}
        }
    }

    fn interface(&self, node: Node<'_>) -> Option<TypeDecl> {
        let name = self.text(self.fields.name(node)?).to_string();
        let mut decl = TypeDecl {
            name,
            kind: TypeDeclKind::Interface,
            span: self.index.node_span(node),
            ..TypeDecl::default()
        };
        for child in named_children(node) {
            if matches!(child.kind(), "extends_type_clause" | "extends_clause") {
                for base in named_children(child) {
                    decl.bases.push(self.text(base).to_string());
                }
            }
        }
        if let Some(body) = self.fields.body(node) {
            self.members(body, &mut decl.fields);
        }
        Some(decl)
    }

    fn alias(&self, node: Node<'_>) -> Option<TypeDecl> {
        let name = self.text(self.fields.name(node)?).to_string();
        let value = self.fields.value(node)?;
        let mut decl = TypeDecl {
            name,
            kind: TypeDeclKind::Alias,
            span: self.index.node_span(node),
            ..TypeDecl::default()
        };
        match value.kind() {
            "object_type" => self.members(value, &mut decl.fields),
            "intersection_type" => {
                for part in flatten(value, "intersection_type") {
                    match part.kind() {
                        "object_type" => self.members(part, &mut decl.fields),
                        _ => decl.bases.push(self.text(part).to_string()),
                    }
                }
            }
            "union_type" | "literal_type" => {
                let parts = flatten(value, "union_type");
                let mut variants = Vec::new();
                for part in parts {
                    match self.literal_string(part) {
                        Some(text) => variants.push(EnumValue {
                            name: text.to_string(),
                            wire_value: text.to_string(),
                            span: self.index.node_span(part),
                        }),
                        // `null` / `undefined` members do not make it less of an enum.
                        None if matches!(self.text(part), "null" | "undefined") => {}
                        None => return None,
                    }
                }
                decl.variants = variants;
            }
            "type_identifier" | "generic_type" | "nested_type_identifier" => {
                decl.bases.push(self.text(value).to_string());
            }
            _ => return None,
        }
        Some(decl)
    }

    /// The string of a `'x'` literal type.
    fn literal_string(&self, node: Node<'_>) -> Option<&'s str> {
        let literal = match node.kind() {
            "literal_type" => named_children(node).into_iter().next()?,
            _ => node,
        };
        (literal.kind() == "string").then(|| unquote(self.text(literal)))
    }

    fn enumeration(&self, node: Node<'_>) -> Option<TypeDecl> {
        let name = self.text(self.fields.name(node)?).to_string();
        let mut decl = TypeDecl {
            name,
            kind: TypeDeclKind::Enum,
            span: self.index.node_span(node),
            ..TypeDecl::default()
        };
        let body = self.fields.body(node)?;
        let mut next_number: Option<i64> = Some(0);
        for member in named_children(body) {
            let (name_node, value) = match member.kind() {
                "enum_assignment" => (self.fields.name(member), self.fields.value(member)),
                "property_identifier" | "string" => (Some(member), None),
                _ => continue,
            };
            let Some(name_node) = name_node else {
                continue;
            };
            let name = unquote(self.text(name_node)).to_string();
            let wire_value = match value {
                Some(value) if value.kind() == "string" => {
                    next_number = None;
                    unquote(self.text(value)).to_string()
                }
                Some(value) => {
                    let text = self.text(value).trim().to_string();
                    next_number = text.parse::<i64>().ok().and_then(|n| n.checked_add(1));
                    text
                }
                None => match next_number {
                    Some(n) => {
                        next_number = n.checked_add(1);
                        n.to_string()
                    }
                    None => name.clone(),
                },
            };
            decl.variants.push(EnumValue {
                name,
                wire_value,
                span: self.index.node_span(member),
            });
        }
        Some(decl)
    }

    /// The property signatures of an interface body or object type.
    fn members(&self, body: Node<'_>, out: &mut Vec<FieldDecl>) {
        for member in named_children(body) {
            if member.kind() != "property_signature" {
                continue;
            }
            let Some(name_node) = self.fields.name(member) else {
                continue;
            };
            let name = unquote(self.text(name_node)).to_string();
            let type_text = self
                .fields
                .type_annotation(member)
                .map(|t| annotation_text(self.text(t)))
                .unwrap_or_default();
            let mut cursor = member.walk();
            let question = member.children(&mut cursor).any(|c| c.kind() == "?");
            let optional = question || union_allows_absence(&type_text);
            out.push(FieldDecl {
                wire_name: name.clone(),
                name,
                type_text,
                optional,
                span: self.index.node_span(member),
                ..FieldDecl::default()
            });
        }
    }

    fn member_read(&self, node: Node<'_>, model: &mut FileModel) {
        if self.not_reads.contains(&node.id()) {
            return;
        }
        let (Some(object), Some(property)) = (self.fields.object(node), self.fields.property(node))
        else {
            return;
        };
        if property.kind() == "private_property_identifier" {
            return;
        }
        let Some(object) = self.path(object) else {
            return;
        };
        model.reads.push(FieldRead {
            object,
            key: self.text(property).to_string(),
            kind: ReadKind::Member,
            span: self.index.node_span(node),
            ..FieldRead::default()
        });
    }

    fn subscript_read(&self, node: Node<'_>, model: &mut FileModel) {
        if self.not_reads.contains(&node.id()) {
            return;
        }
        let (Some(object), Some(key)) = (self.fields.object(node), self.fields.index(node)) else {
            return;
        };
        if key.kind() != "string" {
            return;
        }
        let Some(object) = self.path(object) else {
            return;
        };
        model.reads.push(FieldRead {
            object,
            key: unquote(self.text(key)).to_string(),
            kind: ReadKind::Index,
            span: self.index.node_span(node),
            ..FieldRead::default()
        });
    }

    /// `a.get('b')`: a read of `b` from `a`.
    fn get_read(&self, node: Node<'_>, model: &mut FileModel) {
        let Some(callee) = self.fields.function(node) else {
            return;
        };
        if callee.kind() != "member_expression"
            || self.fields.property(callee).map(|p| self.text(p)) != Some("get")
        {
            return;
        }
        let Some(arguments) = self.fields.arguments(node) else {
            return;
        };
        let args = named_children(arguments);
        let [key] = args.as_slice() else {
            return;
        };
        if key.kind() != "string" {
            return;
        }
        let Some(object) = self.fields.object(callee).and_then(|o| self.path(o)) else {
            return;
        };
        model.reads.push(FieldRead {
            object,
            key: unquote(self.text(*key)).to_string(),
            kind: ReadKind::Get,
            span: self.index.node_span(node),
            ..FieldRead::default()
        });
    }

    fn declarator(&self, node: Node<'_>, model: &mut FileModel) {
        let Some(name) = self.fields.name(node) else {
            return;
        };
        match name.kind() {
            "identifier" => {
                if let Some(annotation) = self.fields.type_annotation(node) {
                    model.bindings.push(TypedBinding {
                        name: self.text(name).to_string(),
                        type_text: annotation_text(self.text(annotation)),
                        span: self.index.node_span(node),
                    });
                }
            }
            "object_pattern" => {
                let Some(object) = self.fields.value(node).and_then(|v| self.path(v)) else {
                    return;
                };
                self.pattern_reads(name, object, None, model);
            }
            _ => {}
        }
    }

    fn parameter_patterns(&self, list: Node<'_>, model: &mut FileModel) {
        let params = named_children(list)
            .into_iter()
            .filter(|p| p.kind() != "decorator");
        for (position, param) in params.enumerate() {
            let mut pattern = match param.kind() {
                "required_parameter" | "optional_parameter" => match self.fields.pattern(param) {
                    Some(pattern) => pattern,
                    None => continue,
                },
                _ => param,
            };
            if pattern.kind() == "assignment_pattern" {
                match self.fields.left(pattern) {
                    Some(left) => pattern = left,
                    None => continue,
                }
            }
            if pattern.kind() == "object_pattern" {
                self.pattern_reads(pattern, String::new(), Some(position), model);
            }
        }
    }

    /// The reads an object pattern makes from `object` (nested patterns read
    /// from `object.key`).
    fn pattern_reads(
        &self,
        pattern: Node<'_>,
        object: String,
        param: Option<usize>,
        model: &mut FileModel,
    ) {
        let mut pending = vec![(pattern, object, 0usize)];
        while let Some((pattern, object, depth)) = pending.pop() {
            if depth >= MAX_MODEL_DEPTH {
                continue;
            }
            for entry in named_children(pattern) {
                let (key_node, value) = match entry.kind() {
                    "shorthand_property_identifier_pattern" => (entry, None),
                    "object_assignment_pattern" => match self.fields.left(entry) {
                        Some(left) => (left, None),
                        None => continue,
                    },
                    "pair_pattern" => match self.fields.key(entry) {
                        Some(key) => (key, self.fields.value(entry)),
                        None => continue,
                    },
                    _ => continue,
                };
                if key_node.kind() == "computed_property_name" {
                    continue;
                }
                let key = unquote(self.text(key_node)).to_string();
                let value = value.map(|v| match v.kind() {
                    "assignment_pattern" => self.fields.left(v).unwrap_or(v),
                    _ => v,
                });
                let binding = match value {
                    None => Some(key.clone()),
                    Some(v) if v.kind() == "identifier" => Some(self.text(v).to_string()),
                    _ => None,
                };
                if let Some(nested) = value.filter(|v| v.kind() == "object_pattern") {
                    let inner = if object.is_empty() {
                        key.clone()
                    } else {
                        format!("{object}.{key}")
                    };
                    pending.push((nested, inner, depth + 1));
                }
                model.reads.push(FieldRead {
                    object: object.clone(),
                    param,
                    key,
                    kind: ReadKind::Destructure,
                    binding,
                    span: self.index.node_span(key_node),
                });
            }
        }
    }

    /// The normalised path of `a`, `this.a`, `a.b?.c`, `a['b']`, through
    /// parentheses, `!`, `as` and `satisfies`; `None` for anything else.
    fn path(&self, node: Node<'_>) -> Option<String> {
        let mut segments: Vec<&'s str> = Vec::new();
        let mut node = node;
        loop {
            match node.kind() {
                "identifier" | "this" => {
                    segments.push(self.text(node));
                    break;
                }
                "member_expression" => {
                    let property = self.fields.property(node)?;
                    segments.push(self.text(property));
                    node = self.fields.object(node)?;
                }
                "subscript_expression" => {
                    let key = self.fields.index(node)?;
                    if key.kind() != "string" {
                        return None;
                    }
                    segments.push(unquote(self.text(key)));
                    node = self.fields.object(node)?;
                }
                "parenthesized_expression"
                | "non_null_expression"
                | "as_expression"
                | "satisfies_expression" => {
                    node = named_children(node).into_iter().next()?;
                }
                _ => return None,
            }
            if segments.len() > MAX_MODEL_DEPTH {
                return None;
            }
        }
        segments.reverse();
        Some(segments.join("."))
    }
}

/// The operands of a left-nested binary type (`A | B | C`).
fn flatten<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        if node.kind() == kind {
            let children = named_children(node);
            pending.extend(children.into_iter().rev());
        } else {
            out.push(node);
        }
    }
    out
}

/// `T | undefined` makes a property optional in practice.
fn union_allows_absence(type_text: &str) -> bool {
    type_text.split('|').any(|part| part.trim() == "undefined")
}

#[cfg(test)]
mod tests {
    use crate::lang::parse;
    use crate::model::{FileModel, Language, ReadKind, TypeDeclKind};

    fn ts(source: &str) -> FileModel {
        parse(Language::TypeScript, source)
    }

    #[test]
    fn interface_fields_keep_optionality_and_type_text() {
        let model = ts(
            "export interface OrderPaid extends Base { orderId: string; coupon?: string; note: string | undefined; 'paid-at': Date }",
        );
        let [decl] = model.types.as_slice() else {
            panic!("one type: {:?}", model.types);
        };
        assert_eq!(decl.name, "OrderPaid");
        assert_eq!(decl.kind, TypeDeclKind::Interface);
        assert_eq!(decl.bases, vec!["Base".to_string()]);
        let fields: Vec<(&str, &str, bool)> = decl
            .fields
            .iter()
            .map(|f| (f.wire_name.as_str(), f.type_text.as_str(), f.optional))
            .collect();
        assert_eq!(
            fields,
            vec![
                ("orderId", "string", false),
                ("coupon", "string", true),
                ("note", "string | undefined", true),
                ("paid-at", "Date", false),
            ]
        );
    }

    #[test]
    fn string_unions_and_enums_become_enum_values() {
        let model = ts(
            "type Status = 'pending' | 'paid' | null;\nenum Level { Low = 1, High }\nenum Kind { A = 'a', B = 'b' }\ntype Mixed = 'a' | number;",
        );
        let values = |name: &str| -> Vec<String> {
            model
                .types
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.variants.iter().map(|v| v.wire_value.clone()).collect())
                .unwrap_or_default()
        };
        assert_eq!(values("Status"), vec!["pending", "paid"]);
        assert_eq!(values("Level"), vec!["1", "2"]);
        assert_eq!(values("Kind"), vec!["a", "b"]);
        assert!(model.types.iter().all(|t| t.name != "Mixed"));
    }

    #[test]
    fn reads_cover_members_subscripts_get_and_destructuring() {
        let model = parse(
            Language::JavaScript,
            "bus.on('x', async ({ orderId, customer: { email } }, ctx) => {\n  const { total: amount } = event.data;\n  use(event['order_id'], params.get('page'), event?.meta.id);\n  event.seen = true;\n  event.items.map(f);\n});",
        );
        let has = |object: &str, param: Option<usize>, key: &str, kind: ReadKind| {
            model
                .reads
                .iter()
                .any(|r| r.object == object && r.param == param && r.key == key && r.kind == kind)
        };
        assert!(has("", Some(0), "orderId", ReadKind::Destructure));
        assert!(has("customer", Some(0), "email", ReadKind::Destructure));
        assert!(has("event.data", None, "total", ReadKind::Destructure));
        assert!(has("event", None, "order_id", ReadKind::Index));
        assert!(has("params", None, "page", ReadKind::Get));
        assert!(has("event.meta", None, "id", ReadKind::Member));
        assert!(has("event", None, "items", ReadKind::Member));
        assert!(
            !has("event", None, "seen", ReadKind::Member),
            "a write is not a read"
        );
        assert!(
            !has("event.items", None, "map", ReadKind::Member),
            "a method call is not a read"
        );
        let amount = model
            .reads
            .iter()
            .find(|r| r.key == "total")
            .and_then(|r| r.binding.clone());
        assert_eq!(amount.as_deref(), Some("amount"));
    }

    #[test]
    fn annotated_declarations_are_typed_bindings() {
        let model = ts("function f() { const event: OrderCreated = { orderId }; let n = 1; }");
        let bindings: Vec<(&str, &str)> = model
            .bindings
            .iter()
            .map(|b| (b.name.as_str(), b.type_text.as_str()))
            .collect();
        assert_eq!(bindings, vec![("event", "OrderCreated")]);
    }
}
