//! Payload shapes and field reads, for the contract rules.
//!
//! - **types**: classes that declare a payload — `TypedDict` (with
//!   `total=False`, `Required`/`NotRequired`), `@dataclass`/attrs classes,
//!   pydantic models (`Field(alias=…)`, an `alias_generator` of `to_camel`/
//!   `to_pascal`/`to_snake` in `model_config` or `class Config`), DRF
//!   serializers (`serializers.XField(required=False, allow_null=True)`,
//!   nested serializers) and marshmallow schemas (`fields.X(data_key=…,
//!   required=True)`, `fields.Nested(…)`); `Enum` subclasses; and
//!   module-level `X = Literal["a", "b"]` aliases. A class that extends such
//!   a class in the same file is one too. Other classes are not recorded.
//! - **reads**: `a.b` (unless called or assigned to), `a["b"]`, `a.get("b")`.
//! - **bindings**: `x: T = …` inside functions.

use crate::lang::MAX_MODEL_DEPTH;
use crate::lang::syntax_tree::LineIndex;
use crate::model::{
    EnumValue, FieldDecl, FieldRead, FileModel, ReadKind, TypeDecl, TypeDeclKind, TypedBinding,
};
use std::collections::HashSet;
use tree_sitter::Node;

/// Add the types, field reads and typed bindings of a parsed file to `model`.
pub(super) fn extract(root: Node<'_>, index: &LineIndex<'_>, model: &mut FileModel) {
    let extractor = Extractor { index };
    let mut classes: Vec<(TypeDecl, Flavour)> = Vec::new();
    // Nodes met as a callee, an assignment target or a class-level
    // statement (parents are visited before their children).
    let mut not_reads: HashSet<usize> = HashSet::new();
    let mut class_level: HashSet<usize> = HashSet::new();
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        match node.kind() {
            "class_definition" => {
                if let Some(body) = node.child_by_field_name("body") {
                    let mut statements = body.walk();
                    for statement in body.named_children(&mut statements) {
                        if let Some(inner) = statement.named_child(0) {
                            class_level.insert(inner.id());
                        }
                    }
                }
                if let Some(class) = extractor.class(node) {
                    classes.push(class);
                }
            }
            "assignment" | "augmented_assignment" => {
                if let Some(left) = node.child_by_field_name("left") {
                    not_reads.insert(left.id());
                }
                if node.kind() == "assignment" && !class_level.contains(&node.id()) {
                    extractor.assignment(node, model);
                }
            }
            "delete_statement" => {
                let mut children = node.walk();
                not_reads.extend(node.named_children(&mut children).map(|c| c.id()));
            }
            "attribute" if !not_reads.contains(&node.id()) => {
                extractor.attribute_read(node, model);
            }
            "subscript" if !not_reads.contains(&node.id()) => {
                extractor.subscript_read(node, model);
            }
            "call" => {
                if let Some(function) = node.child_by_field_name("function") {
                    not_reads.insert(function.id());
                }
                extractor.get_read(node, model);
            }
            _ => {}
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                finish_classes(classes, model);
                return;
            }
        }
    }
}

/// What a class is, as far as payloads go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    TypedDict {
        total: bool,
    },
    Dataclass,
    Pydantic,
    Serializer,
    Marshmallow,
    Enum,
    /// A class whose bases may make it one of the above.
    Unknown,
}

impl Flavour {
    fn wire(self) -> bool {
        matches!(
            self,
            Flavour::Pydantic | Flavour::Serializer | Flavour::Marshmallow
        )
    }
}

/// Keep the recognised classes; a class extending a recognised class of the
/// same file inherits its flavour.
fn finish_classes(mut classes: Vec<(TypeDecl, Flavour)>, model: &mut FileModel) {
    for _ in 0..4 {
        let known: Vec<(String, Flavour)> = classes
            .iter()
            .filter(|(_, f)| *f != Flavour::Unknown)
            .map(|(d, f)| (d.name.clone(), *f))
            .collect();
        for (decl, flavour) in classes.iter_mut().filter(|(_, f)| *f == Flavour::Unknown) {
            if let Some((_, inherited)) = known
                .iter()
                .find(|(name, _)| decl.bases.iter().any(|b| last_segment(b) == name))
            {
                *flavour = *inherited;
                decl.serializes = inherited.wire();
                decl.deserializes = inherited.wire();
            }
        }
    }
    model.types.extend(
        classes
            .into_iter()
            .filter(|(_, f)| *f != Flavour::Unknown)
            .map(|(d, _)| d),
    );
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

struct Extractor<'i, 's> {
    index: &'i LineIndex<'s>,
}

impl<'s> Extractor<'_, 's> {
    fn text(&self, node: Node<'_>) -> &'s str {
        self.index.text(node)
    }

    /// A string literal's content (`None` for f-strings and other nodes).
    fn string(&self, node: Node<'_>) -> Option<&'s str> {
        if node.kind() != "string" {
            return None;
        }
        let mut start = node.start_byte();
        let mut end = node.end_byte();
        let mut cursor = node.walk();
        for child in node.children(&mut cursor) {
            match child.kind() {
                "string_start" => {
                    if self.text(child).to_ascii_lowercase().contains('f') {
                        return None;
                    }
                    start = child.end_byte();
                }
                "string_end" => end = child.start_byte(),
                "interpolation" => return None,
                _ => {}
            }
        }
        let whole = self.text(node);
        let base = node.start_byte();
        whole.get(start.checked_sub(base)?..end.checked_sub(base)?)
    }

    fn class(&self, node: Node<'_>) -> Option<(TypeDecl, Flavour)> {
        let name = self.text(node.child_by_field_name("name")?).to_string();
        let mut bases = Vec::new();
        let mut total = true;
        if let Some(list) = node.child_by_field_name("superclasses") {
            let mut cursor = list.walk();
            for base in list.named_children(&mut cursor) {
                match base.kind() {
                    "keyword_argument" => {
                        let keyword = base.child_by_field_name("name").map(|n| self.text(n));
                        let value = base.child_by_field_name("value").map(|v| self.text(v));
                        if keyword == Some("total") && value == Some("False") {
                            total = false;
                        }
                    }
                    "comment" => {}
                    _ => bases.push(self.text(base).to_string()),
                }
            }
        }
        let decorators: Vec<&str> = node
            .parent()
            .filter(|p| p.kind() == "decorated_definition")
            .map(|parent| {
                let mut cursor = parent.walk();
                parent
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "decorator")
                    .map(|d| self.text(d).trim_start_matches('@').trim())
                    .collect()
            })
            .unwrap_or_default();
        let flavour = flavour(&bases, &decorators, total);
        let span_node = node
            .parent()
            .filter(|p| p.kind() == "decorated_definition")
            .unwrap_or(node);
        let mut decl = TypeDecl {
            name,
            kind: if flavour == Flavour::Enum {
                TypeDeclKind::Enum
            } else {
                TypeDeclKind::Class
            },
            bases,
            serializes: flavour.wire(),
            deserializes: flavour.wire(),
            span: self.index.node_span(span_node),
            ..TypeDecl::default()
        };
        let body = node.child_by_field_name("body")?;
        let generator = self.alias_generator(body);
        let mut ordinal = 0u32;
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            let Some(assignment) = statement
                .named_child(0)
                .filter(|a| statement.kind() == "expression_statement" && a.kind() == "assignment")
            else {
                continue;
            };
            let Some(left) = assignment
                .child_by_field_name("left")
                .filter(|l| l.kind() == "identifier")
            else {
                continue;
            };
            let field_name = self.text(left);
            if field_name == "model_config" || field_name.starts_with("__") {
                continue;
            }
            let annotation = assignment.child_by_field_name("type");
            let right = assignment.child_by_field_name("right");
            if flavour == Flavour::Enum {
                ordinal += 1;
                let wire_value = match right {
                    Some(value) => match self.string(value) {
                        Some(text) => text.to_string(),
                        None if self.text(value).ends_with("auto()") => {
                            if decl.bases.iter().any(|b| last_segment(b) == "StrEnum") {
                                field_name.to_ascii_lowercase()
                            } else {
                                ordinal.to_string()
                            }
                        }
                        None => self.text(value).to_string(),
                    },
                    None => continue,
                };
                decl.variants.push(EnumValue {
                    name: field_name.to_string(),
                    wire_value,
                    span: self.index.node_span(assignment),
                });
                continue;
            }
            if let Some(field) = self.field(field_name, annotation, right, flavour, generator) {
                decl.fields.push(FieldDecl {
                    span: self.index.node_span(assignment),
                    ..field
                });
            }
        }
        Some((decl, flavour))
    }

    /// The `alias_generator` a pydantic model's config names, if any.
    fn alias_generator(&self, body: Node<'_>) -> Option<&'s str> {
        let text = self.text(body);
        let at = text.find("alias_generator")?;
        let rest = text[at + "alias_generator".len()..].trim_start();
        let rest = rest.strip_prefix('=')?.trim_start();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        Some(last_segment(&rest[..end]))
    }

    fn field(
        &self,
        name: &str,
        annotation: Option<Node<'_>>,
        right: Option<Node<'_>>,
        flavour: Flavour,
        generator: Option<&str>,
    ) -> Option<FieldDecl> {
        let call = right.filter(|r| r.kind() == "call");
        let callee = call
            .and_then(|c| c.child_by_field_name("function"))
            .map(|f| self.text(f));
        let keyword = |key: &str| call.and_then(|c| self.keyword(c, key));
        let type_text = match (annotation, callee) {
            (Some(annotation), _) => self.text(annotation).to_string(),
            (None, Some(callee)) if is_serializer_field(callee) => {
                nested_type(callee, call.map(|c| self.text(c)).unwrap_or(""))
            }
            _ => return None,
        };
        let mut wire_name = name.to_string();
        let mut optional = optional_annotation(&type_text);
        let mut defaulted = right.is_some();
        match flavour {
            Flavour::Pydantic | Flavour::Dataclass | Flavour::Unknown => {
                if let Some(generated) = generator.and_then(|g| generate_alias(g, name)) {
                    wire_name = generated;
                }
                if matches!(callee.map(last_segment), Some("Field" | "field")) {
                    if let Some(alias) = keyword("serialization_alias").or_else(|| keyword("alias"))
                    {
                        wire_name = alias;
                    }
                    let first_positional = call.and_then(|c| {
                        let arguments = c.child_by_field_name("arguments")?;
                        let mut cursor = arguments.walk();
                        arguments
                            .named_children(&mut cursor)
                            .find(|a| a.kind() != "keyword_argument" && a.kind() != "comment")
                            .map(|a| self.text(a))
                    });
                    defaulted = matches!(first_positional, Some(value) if value != "...")
                        || call.is_some_and(|c| {
                            self.has_keyword(c, "default") || self.has_keyword(c, "default_factory")
                        });
                }
            }
            Flavour::TypedDict { total } => {
                defaulted = false;
                let required =
                    type_text.starts_with("Required[") || type_text.starts_with("typing.Required[");
                optional = optional || (!total && !required);
            }
            Flavour::Serializer => {
                optional = optional || keyword("allow_null").as_deref() == Some("True");
                defaulted = keyword("required").as_deref() == Some("False")
                    || call.is_some_and(|c| self.has_keyword(c, "default"));
            }
            Flavour::Marshmallow => {
                if let Some(key) = keyword("data_key") {
                    wire_name = key;
                }
                optional = optional || keyword("allow_none").as_deref() == Some("True");
                defaulted = keyword("required").as_deref() != Some("True");
            }
            Flavour::Enum => return None,
        }
        Some(FieldDecl {
            name: name.to_string(),
            wire_name,
            type_text,
            optional,
            defaulted,
            ..FieldDecl::default()
        })
    }

    /// The value of keyword argument `key` of a call: a string's content,
    /// else the value's text.
    fn keyword(&self, call: Node<'_>, key: &str) -> Option<String> {
        let arguments = call.child_by_field_name("arguments")?;
        let mut cursor = arguments.walk();
        let found = arguments
            .named_children(&mut cursor)
            .filter(|a| a.kind() == "keyword_argument")
            .find(|a| a.child_by_field_name("name").map(|n| self.text(n)) == Some(key))?;
        let value = found.child_by_field_name("value")?;
        Some(
            self.string(value)
                .map_or_else(|| self.text(value).to_string(), str::to_string),
        )
    }

    fn has_keyword(&self, call: Node<'_>, key: &str) -> bool {
        self.keyword(call, key).is_some()
    }

    /// Module-level `Status = Literal["a", "b"]`, and `x: T = …` bindings.
    fn assignment(&self, node: Node<'_>, model: &mut FileModel) {
        let Some(left) = node
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier")
        else {
            return;
        };
        if let Some(annotation) = node.child_by_field_name("type") {
            model.bindings.push(TypedBinding {
                name: self.text(left).to_string(),
                type_text: self.text(annotation).to_string(),
                span: self.index.node_span(node),
            });
            return;
        }
        let Some(right) = node.child_by_field_name("right") else {
            return;
        };
        if right.kind() != "subscript" {
            return;
        }
        let Some(value) = right.child_by_field_name("value") else {
            return;
        };
        if !matches!(self.text(value), "Literal" | "typing.Literal") {
            return;
        }
        let mut variants = Vec::new();
        let mut cursor = right.walk();
        for member in right.children_by_field_name("subscript", &mut cursor) {
            let Some(text) = self.string(member) else {
                return;
            };
            variants.push(EnumValue {
                name: text.to_string(),
                wire_value: text.to_string(),
                span: self.index.node_span(member),
            });
        }
        model.types.push(TypeDecl {
            name: self.text(left).to_string(),
            kind: TypeDeclKind::Alias,
            variants,
            span: self.index.node_span(node),
            ..TypeDecl::default()
        });
    }

    fn attribute_read(&self, node: Node<'_>, model: &mut FileModel) {
        let (Some(object), Some(attribute)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("attribute"),
        ) else {
            return;
        };
        let Some(object) = self.path(object) else {
            return;
        };
        model.reads.push(FieldRead {
            object,
            key: self.text(attribute).to_string(),
            kind: ReadKind::Member,
            span: self.index.node_span(node),
            ..FieldRead::default()
        });
    }

    fn subscript_read(&self, node: Node<'_>, model: &mut FileModel) {
        let (Some(value), Some(key)) = (
            node.child_by_field_name("value"),
            node.child_by_field_name("subscript"),
        ) else {
            return;
        };
        let (Some(object), Some(key)) = (self.path(value), self.string(key)) else {
            return;
        };
        model.reads.push(FieldRead {
            object,
            key: key.to_string(),
            kind: ReadKind::Index,
            span: self.index.node_span(node),
            ..FieldRead::default()
        });
    }

    /// `a.get("b")` (with or without a default).
    fn get_read(&self, node: Node<'_>, model: &mut FileModel) {
        let Some(function) = node
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            return;
        };
        if function
            .child_by_field_name("attribute")
            .map(|a| self.text(a))
            != Some("get")
        {
            return;
        }
        let Some(arguments) = node.child_by_field_name("arguments") else {
            return;
        };
        let mut cursor = arguments.walk();
        let Some(first) = arguments
            .named_children(&mut cursor)
            .find(|a| a.kind() != "comment")
        else {
            return;
        };
        let (Some(key), Some(object)) = (
            self.string(first),
            function
                .child_by_field_name("object")
                .and_then(|o| self.path(o)),
        ) else {
            return;
        };
        model.reads.push(FieldRead {
            object,
            key: key.to_string(),
            kind: ReadKind::Get,
            span: self.index.node_span(node),
            ..FieldRead::default()
        });
    }

    /// The normalised path of `a`, `a.b`, `a["b"]`; `None` for anything else.
    fn path(&self, node: Node<'_>) -> Option<String> {
        let mut segments: Vec<&'s str> = Vec::new();
        let mut node = node;
        loop {
            match node.kind() {
                "identifier" => {
                    segments.push(self.text(node));
                    break;
                }
                "attribute" => {
                    segments.push(self.text(node.child_by_field_name("attribute")?));
                    node = node.child_by_field_name("object")?;
                }
                "subscript" => {
                    segments.push(self.string(node.child_by_field_name("subscript")?)?);
                    node = node.child_by_field_name("value")?;
                }
                "parenthesized_expression" => node = node.named_child(0)?,
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

fn flavour(bases: &[String], decorators: &[&str], total: bool) -> Flavour {
    let names: Vec<&str> = bases.iter().map(|b| last_segment(b)).collect();
    if names.contains(&"TypedDict") {
        return Flavour::TypedDict { total };
    }
    if names
        .iter()
        .any(|n| matches!(*n, "Enum" | "StrEnum" | "IntEnum" | "Flag" | "IntFlag"))
    {
        return Flavour::Enum;
    }
    if names
        .iter()
        .any(|n| matches!(*n, "BaseModel" | "SQLModel" | "RootModel" | "GenericModel"))
    {
        return Flavour::Pydantic;
    }
    if names.iter().any(|n| n.ends_with("Serializer")) {
        return Flavour::Serializer;
    }
    if names.iter().any(|n| n.ends_with("Schema")) {
        return Flavour::Marshmallow;
    }
    let is_dataclass = decorators.iter().any(|d| {
        let name = d.split('(').next().unwrap_or(d);
        matches!(
            last_segment(name),
            "dataclass" | "define" | "frozen" | "mutable" | "s" | "attrs"
        )
    });
    if is_dataclass {
        return Flavour::Dataclass;
    }
    Flavour::Unknown
}

/// DRF `serializers.CharField(...)`, marshmallow `fields.Str(...)`, and
/// nested serializers / schemas.
fn is_serializer_field(callee: &str) -> bool {
    let name = last_segment(callee);
    callee.starts_with("serializers.")
        || callee.starts_with("fields.")
        || callee.starts_with("ma.fields.")
        || name.ends_with("Field")
        || name.ends_with("Serializer")
        || name.ends_with("Schema")
}

/// The type text of a serializer field: the call, or for a nested
/// serializer / schema its class name (`list[X]` with `many=True`).
fn nested_type(callee: &str, call: &str) -> String {
    let name = last_segment(callee);
    let nested = if name.ends_with("Serializer") || name.ends_with("Schema") {
        Some(name.to_string())
    } else if name == "Nested" {
        let inner = call
            .split_once('(')
            .map_or("", |(_, rest)| rest)
            .split([',', ')'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        (!inner.is_empty()).then(|| last_segment(inner).to_string())
    } else {
        None
    };
    match nested {
        Some(nested) if call.contains("many=True") => format!("list[{nested}]"),
        Some(nested) => nested,
        None => call.to_string(),
    }
}

/// `Optional[T]`, `T | None`, `NotRequired[T]`, `Union[T, None]`.
fn optional_annotation(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("Optional[")
        || text.starts_with("typing.Optional[")
        || text.starts_with("NotRequired[")
        || text.starts_with("typing.NotRequired[")
        || text.split('|').skip(1).any(|p| p.trim() == "None")
        || (text.starts_with("Union[") && text.contains("None"))
}

/// The wire name pydantic's alias generator gives a snake_case field.
fn generate_alias(generator: &str, field: &str) -> Option<String> {
    let pascal = || {
        field
            .split('_')
            .filter(|p| !p.is_empty())
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or(String::new(), |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect::<String>()
    };
    match generator {
        "to_camel" | "to_lower_camel" | "camelize" => {
            let pascal = pascal();
            let mut chars = pascal.chars();
            Some(chars.next().map_or(String::new(), |first| {
                first.to_ascii_lowercase().to_string() + chars.as_str()
            }))
        }
        "to_pascal" => Some(pascal()),
        "to_snake" => Some(field.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::parse;
    use crate::model::{FileModel, Language, ReadKind, TypeDecl};

    fn python(source: &str) -> FileModel {
        parse(Language::Python, source)
    }

    fn decl<'m>(model: &'m FileModel, name: &str) -> &'m TypeDecl {
        model
            .types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} in {:?}", model.types))
    }

    fn fields(decl: &TypeDecl) -> Vec<(&str, &str, bool, bool)> {
        decl.fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.wire_name.as_str(),
                    f.optional,
                    f.defaulted,
                )
            })
            .collect()
    }

    #[test]
    fn pydantic_alias_generators_follow_pydantic() {
        assert_eq!(
            super::generate_alias("to_camel", "order_id").as_deref(),
            Some("orderId")
        );
        assert_eq!(
            super::generate_alias("to_pascal", "order_id").as_deref(),
            Some("OrderId")
        );
        assert_eq!(super::generate_alias("my_generator", "order_id"), None);
    }

    #[test]
    fn pydantic_models_resolve_aliases_generators_and_defaults() {
        let model = python(
            "class Base(BaseModel):\n    model_config = ConfigDict(alias_generator=to_camel)\n    order_id: str\n    note: Optional[str] = None\n    total: int = Field(alias='amount')\n    tags: list[str] = Field(default_factory=list)\n\nclass Child(Base):\n    extra_field: str\n",
        );
        let base = decl(&model, "Base");
        assert!(base.serializes && base.deserializes);
        assert_eq!(
            fields(base),
            vec![
                ("order_id", "orderId", false, false),
                ("note", "note", true, true),
                ("total", "amount", false, false),
                ("tags", "tags", false, true),
            ]
        );
        let child = decl(&model, "Child");
        assert!(
            child.serializes,
            "a subclass of a model in the same file is a model"
        );
    }

    #[test]
    fn typed_dicts_dataclasses_and_plain_classes() {
        let model = python(
            "class Event(TypedDict, total=False):\n    order_id: Required[str]\n    note: str\n\n@dataclass(frozen=True)\nclass Refund:\n    order_id: str\n    reason: str = ''\n\nclass Service:\n    client: Client\n",
        );
        assert_eq!(
            fields(decl(&model, "Event")),
            vec![
                ("order_id", "order_id", false, false),
                ("note", "note", true, false)
            ]
        );
        assert_eq!(
            fields(decl(&model, "Refund")),
            vec![
                ("order_id", "order_id", false, false),
                ("reason", "reason", false, true)
            ]
        );
        assert!(!decl(&model, "Refund").serializes);
        assert!(model.types.iter().all(|t| t.name != "Service"));
    }

    #[test]
    fn serializers_and_schemas_declare_their_fields() {
        let model = python(
            "class InvoiceSerializer(serializers.Serializer):\n    invoice_id = serializers.CharField()\n    note = serializers.CharField(required=False, allow_null=True)\n    lines = LineSerializer(many=True)\n\nclass RefundSchema(Schema):\n    refund_id = fields.Str(required=True, data_key='refundId')\n    items = fields.Nested(ItemSchema)\n",
        );
        let invoice = decl(&model, "InvoiceSerializer");
        assert_eq!(
            fields(invoice),
            vec![
                ("invoice_id", "invoice_id", false, false),
                ("note", "note", true, true),
                ("lines", "lines", false, false),
            ]
        );
        assert_eq!(invoice.fields[2].type_text, "list[LineSerializer]");
        let refund = decl(&model, "RefundSchema");
        assert_eq!(
            fields(refund),
            vec![
                ("refund_id", "refundId", false, false),
                ("items", "items", false, true)
            ]
        );
        assert_eq!(refund.fields[1].type_text, "ItemSchema");
    }

    #[test]
    fn enums_and_literal_aliases_list_their_wire_values() {
        let model = python(
            "class Status(str, Enum):\n    PENDING = 'pending'\n    PAID = 'paid'\n\nclass Level(StrEnum):\n    LOW = auto()\n\nKind = Literal['a', 'b']\n",
        );
        let values = |name: &str| -> Vec<String> {
            decl(&model, name)
                .variants
                .iter()
                .map(|v| v.wire_value.clone())
                .collect()
        };
        assert_eq!(values("Status"), vec!["pending", "paid"]);
        assert_eq!(values("Level"), vec!["low"]);
        assert_eq!(values("Kind"), vec!["a", "b"]);
    }

    #[test]
    fn reads_cover_attributes_subscripts_and_get() {
        let model = python(
            "def handle(event):\n    total: Decimal = event['total']\n    note = event.get('note', '')\n    send(event.data.order_id, f\"{event['carrier']}\")\n    event['seen'] = True\n    event.save()\n",
        );
        let reads: Vec<(&str, &str, ReadKind)> = model
            .reads
            .iter()
            .map(|r| (r.object.as_str(), r.key.as_str(), r.kind))
            .collect();
        assert!(reads.contains(&("event", "total", ReadKind::Index)));
        assert!(reads.contains(&("event", "note", ReadKind::Get)));
        assert!(reads.contains(&("event.data", "order_id", ReadKind::Member)));
        assert!(reads.contains(&("event", "carrier", ReadKind::Index)));
        assert!(
            !reads.iter().any(|r| r.1 == "seen"),
            "a write is not a read"
        );
        assert!(
            !reads.iter().any(|r| r.1 == "save"),
            "a method call is not a read"
        );
        assert_eq!(model.bindings.len(), 1);
        assert_eq!(model.bindings[0].type_text, "Decimal");
    }
}
