//! The repository-wide index of one side of a change (base or head):
//! every producer, consumer and declared type of the files it holds, with
//! payload types resolved into wire fields.

use super::endpoints::{Consumer, Endpoints, Payload, Producer, SentField, SourceFile};
use super::wire;
use crate::model::TypeDecl;
use std::collections::HashMap;

/// How deep nested and flattened types are followed.
const TYPE_DEPTH: usize = 4;

/// The producers, consumers and types of one side of a change.
pub struct SideIndex<'a> {
    files: Vec<SourceFile<'a>>,
    endpoints: Vec<Endpoints>,
    types: HashMap<&'a str, Vec<(usize, &'a TypeDecl)>>,
}

/// A declared type found in the index, with the file declaring it.
#[derive(Clone, Copy)]
pub struct FoundType<'i, 'a> {
    /// The declaring file.
    pub file: &'i SourceFile<'a>,
    /// The declaration.
    pub decl: &'a TypeDecl,
}

impl<'a> SideIndex<'a> {
    /// Index `files` with their endpoints (in the same order).
    pub fn new(files: Vec<SourceFile<'a>>, endpoints: Vec<Endpoints>) -> SideIndex<'a> {
        let mut types: HashMap<&'a str, Vec<(usize, &'a TypeDecl)>> = HashMap::new();
        for (position, file) in files.iter().enumerate() {
            for decl in &file.model.types {
                types
                    .entry(decl.name.as_str())
                    .or_default()
                    .push((position, decl));
            }
        }
        SideIndex {
            files,
            endpoints,
            types,
        }
    }

    /// The endpoints of the file at `path`, if indexed.
    pub fn endpoints_of(&self, path: &str) -> Option<&Endpoints> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| &self.endpoints[i])
    }

    /// Every producer.
    pub fn producers(&self) -> impl Iterator<Item = &Producer> {
        self.endpoints.iter().flat_map(|e| e.producers.iter())
    }

    /// Every consumer.
    pub fn consumers(&self) -> impl Iterator<Item = &Consumer> {
        self.endpoints.iter().flat_map(|e| e.consumers.iter())
    }

    /// The file at `path`.
    pub fn file(&self, path: &str) -> Option<&SourceFile<'a>> {
        self.files.iter().find(|f| f.path == path)
    }

    /// The declaration of type `name` as seen from `from`: the same file
    /// first, then the same ecosystem, then any.
    pub fn find_type(&self, name: &str, from: &str) -> Option<FoundType<'_, 'a>> {
        let candidates = self.types.get(name)?;
        let ecosystem = self.file(from).map(|f| f.language.ecosystem());
        let rank = |(position, _): &&(usize, &TypeDecl)| {
            let file = &self.files[*position];
            if file.path == from {
                0
            } else if Some(file.language.ecosystem()) == ecosystem {
                1
            } else {
                2
            }
        };
        let (position, decl) = candidates.iter().min_by_key(rank)?;
        Some(FoundType {
            file: &self.files[*position],
            decl,
        })
    }

    /// The wire fields of type `name` (seen from file `from`): bases and
    /// flattened fields included, nested declared types expanded.
    pub fn type_fields(&self, name: &str, from: &str) -> Option<Vec<SentField>> {
        let found = self.find_type(name, from)?;
        let mut fields = Vec::new();
        self.expand(found, &[], &mut fields, 0);
        Some(fields)
    }

    fn expand(
        &self,
        found: FoundType<'_, 'a>,
        prefix: &[String],
        out: &mut Vec<SentField>,
        depth: usize,
    ) {
        if depth > TYPE_DEPTH {
            return;
        }
        let language = found.file.language;
        for base in &found.decl.bases {
            if let Some(name) = super::endpoints::type_name_of(base)
                && let Some(base_type) = self.find_type(&name, found.file.path)
                && !std::ptr::eq(base_type.decl, found.decl)
            {
                self.expand(base_type, prefix, out, depth + 1);
            }
        }
        for field in &found.decl.fields {
            let inner = wire::strip_optional(language, &field.type_text);
            let referenced = super::endpoints::type_name_of(inner)
                .and_then(|name| self.find_type(&name, found.file.path))
                .filter(|t| !std::ptr::eq(t.decl, found.decl));
            if field.flatten {
                if let Some(flattened) = referenced {
                    self.expand(flattened, prefix, out, depth + 1);
                }
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(field.wire_name.clone());
            let kind = wire::type_kind(language, &field.type_text, field.format.as_deref())
                .or_else(|| {
                    referenced.and_then(|t| {
                        if !t.decl.variants.is_empty() {
                            Some(wire::WireKind::String)
                        } else if !t.decl.fields.is_empty() {
                            Some(wire::WireKind::Object)
                        } else {
                            None
                        }
                    })
                });
            out.push(SentField {
                path: path.clone(),
                ident: (field.name != field.wire_name).then(|| field.name.clone()),
                kind,
                conversion_of: None,
                optional: field.optional,
                defaulted: field.defaulted,
                value_text: String::new(),
                literal: None,
                span: field.span,
                type_ref: referenced.map(|t| t.decl.name.clone()),
            });
            if let Some(nested) = referenced
                && nested.decl.variants.is_empty()
            {
                self.expand(nested, &path, out, depth + 1);
            }
        }
    }

    /// The payload a producer sends, its named type resolved: the type's
    /// wire fields, with what the literal says about each value.
    pub fn effective_payload(&self, producer: &Producer) -> Payload {
        let literal = &producer.payload;
        let Some(type_fields) = literal
            .type_name
            .as_deref()
            .and_then(|name| self.type_fields(name, &producer.path))
        else {
            return literal.clone();
        };
        let mut fields = type_fields;
        for field in &mut fields {
            let written = literal.fields.iter().find(|l| {
                let name = field
                    .ident
                    .as_deref()
                    .unwrap_or(field.path.last().map_or("", String::as_str));
                l.path.len() == field.path.len() && l.path.last().map(String::as_str) == Some(name)
            });
            if let Some(written) = written {
                // Where the value is written, in the producer's file.
                field.span = written.span;
                field.value_text = written.value_text.clone();
                field.literal = written.literal.clone();
                field.conversion_of = written.conversion_of.clone();
                if field.kind.is_none() {
                    field.kind = written.kind;
                }
                if written.optional {
                    field.optional = true;
                }
            }
        }
        Payload {
            fields,
            type_name: literal.type_name.clone(),
            open: false,
            spread_text: literal.spread_text.clone(),
            known: true,
            keys_are_idents: false,
        }
    }

    /// The paths a consumer reads, in wire keys: its reads (mapped through
    /// its payload type when they use source names) and, when the framework
    /// validates its payload type, the type's required fields.
    pub fn consumer_reads<'c>(&self, consumer: &'c Consumer) -> Vec<ConsumerRead<'c>> {
        let type_fields = consumer
            .type_name
            .as_deref()
            .and_then(|name| self.type_fields(name, &consumer.path));
        let validated = consumer
            .type_name
            .as_deref()
            .and_then(|name| self.find_type(name, &consumer.path))
            .is_some_and(|t| t.decl.deserializes);
        let mut reads = Vec::new();
        for read in &consumer.reads {
            let path = match (&type_fields, consumer.reads_idents) {
                (Some(fields), true) => map_idents(&read.path, fields),
                _ => read.path.clone(),
            };
            let declared_optional = type_fields.as_ref().is_some_and(|fields| {
                fields
                    .iter()
                    .any(|field| field.path == path && (field.optional || field.defaulted))
            });
            reads.push(ConsumerRead {
                path,
                read: Some(read),
                declared_optional,
            });
        }
        if validated && let Some(fields) = &type_fields {
            for field in fields
                .iter()
                .filter(|f| !f.optional && !f.defaulted && f.path.len() == 1)
            {
                if !reads.iter().any(|r| r.path == field.path) {
                    reads.push(ConsumerRead {
                        path: field.path.clone(),
                        read: None,
                        declared_optional: false,
                    });
                }
            }
        }
        reads
    }
}

/// A path a consumer reads, in wire keys (see [`SideIndex::consumer_reads`]).
pub struct ConsumerRead<'c> {
    pub path: Vec<String>,
    /// The read in the consumer's code; none for a field its validated
    /// payload type requires.
    pub read: Option<&'c super::endpoints::ReadField>,
    /// The consumer's payload type declares the field optional or with a
    /// default (`size: str | None = None`, `n: int = 1`): a producer that
    /// leaves the key out sends what the consumer expects.
    pub declared_optional: bool,
}

/// Map a path of source names to wire keys through declared fields.
fn map_idents(path: &[String], fields: &[SentField]) -> Vec<String> {
    let mut mapped: Vec<String> = Vec::new();
    for segment in path {
        let next = fields.iter().find(|f| {
            f.path.len() == mapped.len() + 1
                && f.path.starts_with(&mapped)
                && f.ident
                    .as_deref()
                    .unwrap_or(f.path.last().map_or("", String::as_str))
                    == segment
        });
        match next {
            Some(field) => mapped = field.path.clone(),
            None => mapped.push(segment.clone()),
        }
    }
    mapped
}
