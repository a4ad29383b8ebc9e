//! Payload shapes and field reads, for the contract rules.
//!
//! - **types**: every `struct` with named fields and every `enum`, with serde
//!   attributes resolved the way serde does: `rename`, `rename_all` (the
//!   eight case styles, applied to snake_case fields and PascalCase
//!   variants), `skip`/`skip_serializing`/`skip_deserializing` (the field is
//!   left out), `default` and `skip_serializing_if` (optional), `flatten`,
//!   `alias`, `with`/`serialize_with` (the value's format); `Option<T>`
//!   fields are optional. `#[derive(Serialize)]` / `#[derive(Deserialize)]`
//!   say whether the type is written to or read from a wire.
//! - **reads**: `a.b`, `a["b"]`, `a.get("b")`, and struct patterns that
//!   destructure a local (`let Order { id, .. } = order;`) or a parameter
//!   (`Json(Order { id, .. }): Json<Order>`).
//! - **bindings**: `let x: T = …` and `let x = T { .. }`.
//!
//! Macro bodies are token streams to syn; reads inside them are not seen.

use super::locate::{Locator, expr_first};
use crate::lang::MAX_MODEL_DEPTH;
use crate::model::{
    EnumValue, FieldDecl, FieldRead, FileModel, ReadKind, TypeDecl, TypeDeclKind, TypedBinding,
};
use proc_macro2::Span as TokenSpan;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, Fields, Item, Lit, Member, Pat};

/// Add the types, field reads and typed bindings of `items` to `model`.
pub(super) fn extract(items: &[Item], locator: &Locator<'_, '_>, model: &mut FileModel) {
    let mut shapes = Shapes {
        locator,
        model,
        depth: 0,
    };
    for item in items {
        shapes.visit_item(item);
    }
}

struct Shapes<'l, 'i, 's, 'm> {
    locator: &'l Locator<'i, 's>,
    model: &'m mut FileModel,
    depth: usize,
}

/// The serde attributes of a container, field or variant.
#[derive(Default)]
struct Serde {
    rename: Option<String>,
    rename_all: Option<String>,
    aliases: Vec<String>,
    skip: bool,
    default: bool,
    skip_if: bool,
    flatten: bool,
    format: Option<String>,
}

impl Serde {
    fn of(attrs: &[Attribute]) -> Serde {
        let mut serde = Serde::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            // A malformed attribute keeps what was read before the error.
            let _ = attr.parse_nested_meta(|meta| {
                let name = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                match name.as_str() {
                    "rename" | "rename_all" => {
                        let value = serialize_side(&meta)?;
                        if name == "rename" {
                            serde.rename = value;
                        } else {
                            serde.rename_all = value;
                        }
                    }
                    "alias" => serde.aliases.extend(string_value(&meta)?),
                    "skip" | "skip_serializing" => {
                        serde.skip = true;
                    }
                    "default" => {
                        serde.default = true;
                        skip_value(&meta)?;
                    }
                    "skip_serializing_if" => {
                        serde.skip_if = true;
                        skip_value(&meta)?;
                    }
                    "flatten" => serde.flatten = true,
                    "with" | "serialize_with" => serde.format = string_value(&meta)?,
                    _ => skip_value(&meta)?,
                }
                Ok(())
            });
        }
        serde
    }
}

/// `rename = "x"` or `rename(serialize = "x", deserialize = "y")`: the
/// serialized name.
fn serialize_side(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        return string_value(meta);
    }
    let mut found = None;
    if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            let value = string_value(&inner)?;
            if inner.path.is_ident("serialize") || found.is_none() {
                found = value;
            }
            Ok(())
        })?;
    }
    Ok(found)
}

fn string_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    let value = meta.value()?;
    let literal: Lit = value.parse()?;
    Ok(match literal {
        Lit::Str(s) => Some(s.value()),
        _ => None,
    })
}

fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// Whether the attributes derive `Serialize` and `Deserialize`.
fn derives(attrs: &[Attribute]) -> (bool, bool) {
    let mut serialize = false;
    let mut deserialize = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            match meta
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .as_deref()
            {
                Some("Serialize") => serialize = true,
                Some("Deserialize") => deserialize = true,
                _ => {}
            }
            Ok(())
        });
    }
    (serialize, deserialize)
}

/// serde's `rename_all` for a snake_case field name.
fn rename_field(style: &str, field: &str) -> Option<String> {
    let pascal = || {
        let mut out = String::new();
        let mut capitalize = true;
        for ch in field.chars() {
            if ch == '_' {
                capitalize = true;
            } else if capitalize {
                out.push(ch.to_ascii_uppercase());
                capitalize = false;
            } else {
                out.push(ch);
            }
        }
        out
    };
    Some(match style {
        "lowercase" | "snake_case" => field.to_string(),
        "UPPERCASE" | "SCREAMING_SNAKE_CASE" => field.to_ascii_uppercase(),
        "PascalCase" => pascal(),
        "camelCase" => {
            let pascal = pascal();
            let mut chars = pascal.chars();
            match chars.next() {
                Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                None => pascal,
            }
        }
        "kebab-case" => field.replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => field.to_ascii_uppercase().replace('_', "-"),
        _ => return None,
    })
}

/// serde's `rename_all` for a PascalCase variant name.
fn rename_variant(style: &str, variant: &str) -> Option<String> {
    let snake = || {
        let mut out = String::new();
        for (i, ch) in variant.char_indices() {
            if i > 0 && ch.is_uppercase() {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        }
        out
    };
    Some(match style {
        "lowercase" => variant.to_ascii_lowercase(),
        "UPPERCASE" => variant.to_ascii_uppercase(),
        "PascalCase" => variant.to_string(),
        "camelCase" => {
            let mut chars = variant.chars();
            match chars.next() {
                Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        }
        "snake_case" => snake(),
        "SCREAMING_SNAKE_CASE" => snake().to_ascii_uppercase(),
        "kebab-case" => snake().replace('_', "-"),
        "SCREAMING-KEBAB-CASE" => snake().to_ascii_uppercase().replace('_', "-"),
        _ => return None,
    })
}

/// Whether a type is `Option<…>` (any path ending in `Option`).
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "Option"),
        syn::Type::Group(group) => is_option(&group.elem),
        syn::Type::Paren(paren) => is_option(&paren.elem),
        _ => false,
    }
}

/// The first token of an item with attributes: its first attribute, else `fallback`.
fn first_token(attrs: &[Attribute], fallback: TokenSpan) -> TokenSpan {
    attrs.first().map_or(fallback, |a| a.pound_token.span)
}

impl Shapes<'_, '_, '_, '_> {
    fn span(&self, first: TokenSpan, last: TokenSpan) -> crate::model::Span {
        self.locator.span(first, last)
    }

    fn text_of<T: Spanned>(&self, node: &T) -> String {
        let span = node.span();
        self.locator.text(self.span(span, span)).to_string()
    }

    fn struct_decl(&self, item: &syn::ItemStruct) -> Option<TypeDecl> {
        let Fields::Named(named) = &item.fields else {
            return None;
        };
        let container = Serde::of(&item.attrs);
        let (serializes, deserializes) = derives(&item.attrs);
        let mut decl = TypeDecl {
            name: item.ident.unraw().to_string(),
            kind: TypeDeclKind::Struct,
            serializes,
            deserializes,
            span: self.span(
                first_token(&item.attrs, item.struct_token.span),
                named.brace_token.span.close(),
            ),
            ..TypeDecl::default()
        };
        for field in &named.named {
            let Some(ident) = &field.ident else {
                continue;
            };
            let serde = Serde::of(&field.attrs);
            if serde.skip {
                continue;
            }
            let name = ident.unraw().to_string();
            let wire_name = serde
                .rename
                .clone()
                .or_else(|| {
                    container
                        .rename_all
                        .as_deref()
                        .and_then(|style| rename_field(style, &name))
                })
                .unwrap_or_else(|| name.clone());
            let ty_span = field.ty.span();
            decl.fields.push(FieldDecl {
                name,
                wire_name,
                aliases: serde.aliases,
                type_text: self.text_of(&field.ty),
                optional: is_option(&field.ty) || serde.skip_if,
                defaulted: serde.default || container.default,
                flatten: serde.flatten,
                format: serde.format,
                span: self.span(first_token(&field.attrs, ident.span()), ty_span),
            });
        }
        Some(decl)
    }

    fn enum_decl(&self, item: &syn::ItemEnum) -> TypeDecl {
        let container = Serde::of(&item.attrs);
        let (serializes, deserializes) = derives(&item.attrs);
        let mut decl = TypeDecl {
            name: item.ident.unraw().to_string(),
            kind: TypeDeclKind::Enum,
            serializes,
            deserializes,
            span: self.span(
                first_token(&item.attrs, item.enum_token.span),
                item.brace_token.span.close(),
            ),
            ..TypeDecl::default()
        };
        for variant in &item.variants {
            let serde = Serde::of(&variant.attrs);
            if serde.skip {
                continue;
            }
            let name = variant.ident.unraw().to_string();
            let wire_value = serde
                .rename
                .or_else(|| {
                    container
                        .rename_all
                        .as_deref()
                        .and_then(|style| rename_variant(style, &name))
                })
                .unwrap_or_else(|| name.clone());
            decl.variants.push(EnumValue {
                name,
                wire_value,
                span: self.span(
                    first_token(&variant.attrs, variant.ident.span()),
                    variant.ident.span(),
                ),
            });
        }
        decl
    }

    fn push_read(&mut self, object: String, key: String, kind: ReadKind, span: crate::model::Span) {
        self.model.reads.push(FieldRead {
            object,
            key,
            kind,
            span,
            ..FieldRead::default()
        });
    }

    /// The reads a struct pattern makes from `object` (a local path, or a
    /// path inside parameter `param`).
    fn pattern_reads(&mut self, pat: &Pat, object: String, param: Option<usize>) {
        let mut pending = vec![(pat, object, 0usize)];
        while let Some((pat, object, depth)) = pending.pop() {
            if depth > MAX_MODEL_DEPTH {
                continue;
            }
            let pat = match pat {
                Pat::Reference(r) => &*r.pat,
                Pat::Paren(p) => &*p.pat,
                Pat::Type(t) => &*t.pat,
                other => other,
            };
            match pat {
                // `Json(Order { .. })`: the wrapper holds the payload.
                Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => {
                    if let Some(inner) = tuple.elems.first() {
                        pending.push((inner, object, depth + 1));
                    }
                }
                Pat::Struct(structure) => {
                    for field in &structure.fields {
                        let Member::Named(ident) = &field.member else {
                            continue;
                        };
                        let key = ident.unraw().to_string();
                        let binding = match &*field.pat {
                            Pat::Ident(bound) if bound.subpat.is_none() => {
                                Some(bound.ident.unraw().to_string())
                            }
                            _ => None,
                        };
                        if matches!(&*field.pat, Pat::Struct(_)) {
                            let inner = if object.is_empty() {
                                key.clone()
                            } else {
                                format!("{object}.{key}")
                            };
                            pending.push((&*field.pat, inner, depth + 1));
                        }
                        self.model.reads.push(FieldRead {
                            object: object.clone(),
                            param,
                            key,
                            kind: ReadKind::Destructure,
                            binding,
                            span: self.span(ident.span(), ident.span()),
                        });
                    }
                }
                _ => {}
            }
        }
    }
}

/// The normalised path of `a`, `self.a`, `a.b`, `a["b"]`, `&a.b`; `None`
/// for any other expression.
fn path_of(expr: &Expr) -> Option<String> {
    let mut segments: Vec<String> = Vec::new();
    let mut expr = expr;
    loop {
        match expr {
            Expr::Path(path) if path.qself.is_none() => {
                let ident = path.path.get_ident()?;
                segments.push(ident.unraw().to_string());
                break;
            }
            Expr::Field(field) => {
                let Member::Named(name) = &field.member else {
                    return None;
                };
                segments.push(name.unraw().to_string());
                expr = &field.base;
            }
            Expr::Index(index) => {
                segments.push(string_literal(&index.index)?);
                expr = &index.expr;
            }
            Expr::Reference(reference) => expr = &reference.expr,
            Expr::Paren(paren) => expr = &paren.expr,
            Expr::Group(group) => expr = &group.expr,
            _ => return None,
        }
        if segments.len() > MAX_MODEL_DEPTH {
            return None;
        }
    }
    segments.reverse();
    Some(segments.join("."))
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(literal) => match &literal.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Reference(reference) => string_literal(&reference.expr),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Shapes<'_, '_, '_, '_> {
    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        if let Some(decl) = self.struct_decl(item) {
            self.model.types.push(decl);
        }
        visit::visit_item_struct(self, item);
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        let decl = self.enum_decl(item);
        self.model.types.push(decl);
        visit::visit_item_enum(self, item);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        // Reads nested deeper than the model goes are not recorded; the
        // frontend reports the cut-off of the model itself.
        if self.depth >= MAX_MODEL_DEPTH {
            return;
        }
        self.depth += 1;
        visit::visit_expr(self, expr);
        self.depth -= 1;
    }

    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        // An `else if` chain is a sequence, not nesting: walk it in a loop.
        let mut current = expr;
        loop {
            self.visit_expr(&current.cond);
            self.visit_block(&current.then_branch);
            match current.else_branch.as_ref().map(|(_, e)| &**e) {
                Some(Expr::If(next)) => current = next,
                Some(other) => {
                    self.visit_expr(other);
                    return;
                }
                None => return,
            }
        }
    }

    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        // The target is written, not read; only what it is written into is.
        if let Expr::Field(field) = &*assign.left {
            self.visit_expr(&field.base);
        } else {
            self.visit_expr(&assign.left);
        }
        self.visit_expr(&assign.right);
    }

    fn visit_expr_field(&mut self, field: &'ast syn::ExprField) {
        if let Member::Named(name) = &field.member
            && let Some(object) = path_of(&field.base)
        {
            let span = self.span(expr_first(&field.base), name.span());
            self.push_read(object, name.unraw().to_string(), ReadKind::Member, span);
        }
        visit::visit_expr_field(self, field);
    }

    fn visit_expr_index(&mut self, index: &'ast syn::ExprIndex) {
        if let (Some(key), Some(object)) = (string_literal(&index.index), path_of(&index.expr)) {
            let span = self.span(expr_first(&index.expr), index.bracket_token.span.close());
            self.push_read(object, key, ReadKind::Index, span);
        }
        visit::visit_expr_index(self, index);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "get"
            && call.args.len() == 1
            && let (Some(key), Some(object)) = (
                call.args.first().and_then(string_literal),
                path_of(&call.receiver),
            )
        {
            let span = self.span(expr_first(&call.receiver), call.paren_token.span.close());
            self.push_read(object, key, ReadKind::Get, span);
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Pat::Type(typed) = &local.pat
            && let Pat::Ident(ident) = &*typed.pat
        {
            let span = self.span(local.let_token.span, local.semi_token.span);
            let type_text = self.text_of(&*typed.ty);
            self.model.bindings.push(TypedBinding {
                name: ident.ident.unraw().to_string(),
                type_text,
                span,
            });
        }
        // `let request = Request { .. };` types `request` as surely.
        if let Pat::Ident(ident) = &local.pat
            && let Some(init) = &local.init
            && let Expr::Struct(literal) = &*init.expr
        {
            let span = self.span(local.let_token.span, local.semi_token.span);
            self.model.bindings.push(TypedBinding {
                name: ident.ident.unraw().to_string(),
                type_text: self.text_of(&literal.path),
                span,
            });
        }
        if let Some(init) = &local.init
            && let Some(object) = path_of(&init.expr)
        {
            self.pattern_reads(&local.pat, object, None);
        }
        visit::visit_local(self, local);
    }

    fn visit_signature(&mut self, signature: &'ast syn::Signature) {
        for (position, input) in signature.inputs.iter().enumerate() {
            if let syn::FnArg::Typed(typed) = input {
                self.pattern_reads(&typed.pat, String::new(), Some(position));
            }
        }
        visit::visit_signature(self, signature);
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::parse;
    use crate::model::{FileModel, Language, ReadKind, TypeDecl};

    fn rust(source: &str) -> FileModel {
        parse(Language::Rust, source)
    }

    fn decl<'m>(model: &'m FileModel, name: &str) -> &'m TypeDecl {
        model
            .types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{name} in {:?}", model.types))
    }

    #[test]
    fn rename_all_follows_serde_for_fields_and_variants() {
        assert_eq!(
            super::rename_field("camelCase", "order_id").as_deref(),
            Some("orderId")
        );
        assert_eq!(
            super::rename_field("PascalCase", "order_id").as_deref(),
            Some("OrderId")
        );
        assert_eq!(
            super::rename_field("SCREAMING-KEBAB-CASE", "order_id").as_deref(),
            Some("ORDER-ID")
        );
        assert_eq!(
            super::rename_variant("snake_case", "PaymentFailed").as_deref(),
            Some("payment_failed")
        );
        assert_eq!(
            super::rename_variant("kebab-case", "PaymentFailed").as_deref(),
            Some("payment-failed")
        );
        assert_eq!(
            super::rename_variant("camelCase", "PaymentFailed").as_deref(),
            Some("paymentFailed")
        );
        assert_eq!(super::rename_field("Title Case", "x"), None);
    }

    #[test]
    fn serde_attributes_are_resolved_into_wire_names() {
        let model = rust(
            r#"
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPaid {
    pub order_id: String,
    #[serde(rename = "amount")]
    pub total_cents: i64,
    #[serde(rename(serialize = "paidAt", deserialize = "paid_at"))]
    pub paid_at: DateTime<Utc>,
    pub coupon: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(skip)]
    pub cache: Cache,
    #[serde(flatten)]
    pub meta: Meta,
    #[serde(with = "chrono::serde::ts_seconds", alias = "shippedAt")]
    pub r#shipped: DateTime<Utc>,
}
"#,
        );
        let paid = decl(&model, "OrderPaid");
        assert!(paid.serializes && paid.deserializes);
        let fields: Vec<(&str, &str, bool, bool, bool)> = paid
            .fields
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.wire_name.as_str(),
                    f.optional,
                    f.defaulted,
                    f.flatten,
                )
            })
            .collect();
        assert_eq!(
            fields,
            vec![
                ("order_id", "orderId", false, false, false),
                ("total_cents", "amount", false, false, false),
                ("paid_at", "paidAt", false, false, false),
                ("coupon", "coupon", true, false, false),
                ("tags", "tags", false, true, false),
                ("meta", "meta", false, false, true),
                ("shipped", "shipped", false, false, false),
            ]
        );
        let shipped = &paid.fields[6];
        assert_eq!(shipped.format.as_deref(), Some("chrono::serde::ts_seconds"));
        assert_eq!(shipped.aliases, vec!["shippedAt".to_string()]);
        assert_eq!(paid.fields[0].type_text, "String");
        assert_eq!(paid.fields[3].type_text, "Option<String>");
    }

    #[test]
    fn enum_variants_follow_rename_all_and_rename() {
        let model = rust(
            "#[derive(Serialize)]\n#[serde(rename_all = \"SCREAMING_SNAKE_CASE\")]\nenum Status { Pending, PaymentFailed, #[serde(rename = \"done\")] Shipped, #[serde(skip)] Internal }",
        );
        let values: Vec<&str> = decl(&model, "Status")
            .variants
            .iter()
            .map(|v| v.wire_value.as_str())
            .collect();
        assert_eq!(values, vec!["PENDING", "PAYMENT_FAILED", "done"]);
    }

    #[test]
    fn reads_cover_fields_indexing_get_and_struct_patterns() {
        let model = rust(
            r#"
async fn create(Json(CreateOrder { cart_id, .. }): Json<CreateOrder>, payload: Value) {
    let email = payload["customer"]["email"].as_str();
    let note = payload.get("note");
    let total: i64 = body.total_cents;
    let Shipping { address, .. } = body.shipping;
    body.seen = true;
}
"#,
        );
        let reads: Vec<(&str, Option<usize>, &str, ReadKind)> = model
            .reads
            .iter()
            .map(|r| (r.object.as_str(), r.param, r.key.as_str(), r.kind))
            .collect();
        assert!(reads.contains(&("", Some(0), "cart_id", ReadKind::Destructure)));
        assert!(reads.contains(&("payload", None, "customer", ReadKind::Index)));
        assert!(reads.contains(&("payload.customer", None, "email", ReadKind::Index)));
        assert!(reads.contains(&("payload", None, "note", ReadKind::Get)));
        assert!(reads.contains(&("body", None, "total_cents", ReadKind::Member)));
        assert!(reads.contains(&("body.shipping", None, "address", ReadKind::Destructure)));
        assert!(
            !reads.iter().any(|r| r.2 == "seen"),
            "a write is not a read"
        );
        assert_eq!(model.bindings.len(), 1);
        assert_eq!(model.bindings[0].type_text, "i64");
    }

    #[test]
    fn types_survive_a_syntax_error_elsewhere_in_the_file() {
        let model =
            rust("#[derive(Serialize)]\npub struct Kept { pub id: String }\n\nfn broken( {\n");
        assert_eq!(decl(&model, "Kept").fields.len(), 1);
        assert!(model.parse_errors > 0);
    }
}
