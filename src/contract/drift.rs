//! Base versus head: how the payload shapes of the touched files changed,
//! and who in the repository still expects the old shape.
//!
//! Three comparisons, each over the touched files only:
//!
//! 1. **Producer literals** — the object a touched producer sends, paired
//!    with the same producer (same channel, same function) in the base.
//! 2. **Declared types** — a type declared in a touched file, paired by name;
//!    its users are the producers and consumers of the head index that
//!    send or receive it (directly or as a nested field).
//! 3. **Consumer reads** — a read a touched consumer makes that its base
//!    version did not, checked against every producer of the channel.
//!
//! A change to a literal and to its declared type in the same change is
//! reported once, at the producer.

use super::channel::Channel;
use super::endpoints::{
    Endpoints, Producer, SentField, SourceFile, endpoints, pair_consumers, pair_producers,
};
use super::index::SideIndex;
use super::wire::{WireKind, normalise};
use crate::model::{Ecosystem, Span, TypeDecl};
use crate::rules::Severity;
use std::collections::HashSet;

/// Envelope keys a consumer may read a payload under (`job.data`,
/// `msg.payload`, `event.detail`), tried when a read's first key is not sent.
const ENVELOPES: &[&str] = &[
    "data",
    "body",
    "payload",
    "detail",
    "value",
    "message",
    "attributes",
];

/// A touched file: its base and head versions (either may be missing).
#[derive(Clone, Copy)]
pub struct TouchedFile<'a> {
    /// The base version (`None` for an added file).
    pub base: Option<SourceFile<'a>>,
    /// The head version (`None` for a deleted file).
    pub head: Option<SourceFile<'a>>,
}

/// A location that matters to a finding, in any file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// Repository-relative path.
    pub path: String,
    /// The span there.
    pub span: Span,
    /// What it is.
    pub message: String,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A key now has another name.
    Renamed {
        /// The old key path.
        from: Vec<String>,
        /// The new key path.
        to: Vec<String>,
    },
    /// A key is no longer sent.
    Removed {
        /// The key path.
        field: Vec<String>,
    },
    /// A key's value changed kind or format.
    TypeChanged {
        /// The key path.
        field: Vec<String>,
        /// The base kind, if known.
        from: Option<WireKind>,
        /// The head kind, if known.
        to: Option<WireKind>,
        /// The base value or declared type, as written.
        from_text: String,
        /// The head value or declared type, as written.
        to_text: String,
    },
    /// A key that was always sent may now be missing.
    MadeOptional {
        /// The key path.
        field: Vec<String>,
    },
    /// An enum lost a value.
    EnumValueRemoved {
        /// The enum.
        type_name: String,
        /// The removed wire value.
        value: String,
    },
    /// A consumer reads a key no producer sends.
    UnknownRead {
        /// The key path.
        field: Vec<String>,
        /// The read as written.
        read: String,
    },
}

/// What the change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A producer's payload.
    Producer {
        /// The sending call, shortened.
        call: String,
    },
    /// A declared type.
    Type {
        /// Its name.
        name: String,
    },
    /// A consumer.
    Consumer,
}

/// One contract change with its evidence.
#[derive(Debug, Clone)]
pub struct Drift {
    /// What changed.
    pub change: Change,
    /// What changed it.
    pub subject: Subject,
    /// Where to report it (head version).
    pub path: String,
    /// The span to report.
    pub span: Span,
    /// The enclosing function or type, for fingerprints.
    pub function: String,
    /// Stable text for the fingerprint.
    pub trigger: String,
    /// The channels the payload travels on.
    pub channels: Vec<Channel>,
    /// Consumers still expecting the old shape (or, for an unknown read,
    /// the producers that do not send it).
    pub users: Vec<Use>,
    /// Whether any consumer of the channels is in the repository.
    pub consumers_found: bool,
    /// Consumers that pass the whole payload on to code whose reads are not seen.
    pub opaque: Vec<Use>,
    /// Whether the type declares that it crosses a wire (serde, pydantic).
    pub declared_wire: bool,
}

impl Drift {
    /// The severity the evidence supports, or `None` when the repository
    /// shows that nobody is affected.
    pub fn severity(&self) -> Option<Severity> {
        if matches!(self.change, Change::UnknownRead { .. }) || !self.users.is_empty() {
            return Some(Severity::High);
        }
        if self.consumers_found {
            return (!self.opaque.is_empty()).then_some(Severity::Medium);
        }
        (!self.channels.is_empty() || self.declared_wire).then_some(Severity::Medium)
    }
}

/// One field-level difference between two shapes.
#[derive(Debug, Clone)]
struct FieldChange {
    change: Change,
    /// The head field (or `None` when it is gone).
    head_span: Option<Span>,
}

/// Every drift of a change.
pub fn drifts(
    touched: &[TouchedFile<'_>],
    base: &SideIndex<'_>,
    head: &SideIndex<'_>,
) -> Vec<Drift> {
    let mut found = Vec::new();
    for file in touched {
        let (Some(base_file), Some(head_file)) = (&file.base, &file.head) else {
            continue;
        };
        producer_drifts(base_file, head_file, base, head, &mut found);
        type_drifts(base_file, head_file, base, head, &mut found);
    }
    for file in touched {
        if let Some(head_file) = &file.head {
            consumer_drifts(file.base.as_ref(), head_file, base, head, &mut found);
        }
    }
    deduplicate(found)
}

fn deduplicate(drifts: Vec<Drift>) -> Vec<Drift> {
    let producer_keys: HashSet<(String, Vec<Channel>)> = drifts
        .iter()
        .filter(|d| matches!(d.subject, Subject::Producer { .. }))
        .flat_map(|d| {
            d.channels
                .iter()
                .map(move |c| (change_key(&d.change), vec![c.clone()]))
        })
        .collect();
    let mut seen = HashSet::new();
    let mut unknown_reads = HashSet::new();
    drifts
        .into_iter()
        .filter(|d| {
            // A consumer type that now requires a key, and the consumer's own
            // read of it, are one finding (at the type).
            if let Change::UnknownRead { field, .. } = &d.change
                && !d
                    .channels
                    .iter()
                    .all(|c| unknown_reads.insert((c.clone(), field.clone())))
            {
                return false;
            }
            if matches!(d.subject, Subject::Type { .. })
                && d.channels
                    .iter()
                    .any(|c| producer_keys.contains(&(change_key(&d.change), vec![c.clone()])))
            {
                return false;
            }
            seen.insert((d.path.clone(), d.span.start_byte, change_key(&d.change)))
        })
        .collect()
}

fn change_key(change: &Change) -> String {
    format!("{change:?}")
}

// ----- producers -----------------------------------------------------------

fn producer_drifts(
    base_file: &SourceFile<'_>,
    head_file: &SourceFile<'_>,
    base: &SideIndex<'_>,
    head: &SideIndex<'_>,
    out: &mut Vec<Drift>,
) {
    let (Some(base_eps), Some(head_eps)) = (
        base.endpoints_of(base_file.path),
        head.endpoints_of(head_file.path),
    ) else {
        return;
    };
    let pairs = pair_producers(&base_eps.producers, &head_eps.producers);
    for (producer, before) in head_eps.producers.iter().zip(pairs) {
        let Some(before) = before else {
            continue;
        };
        if before.payload.keys_are_idents
            || producer.payload.keys_are_idents
            || !before.payload.known
            || !producer.payload.known
        {
            continue;
        }
        let changes = compare_fields(
            &before.payload.fields,
            &producer.payload.fields,
            producer.payload.open,
            &producer.payload.spread_text,
        );
        for change in changes {
            let span = change.head_span.unwrap_or(producer.span);
            let mut drift = Drift {
                trigger: format!("{}|{:?}", normalise(&producer.text), change.change),
                change: change.change,
                subject: Subject::Producer {
                    call: crate::flow::shorten(&producer.text, 60),
                },
                path: producer.path.clone(),
                span,
                function: producer.function.clone(),
                channels: vec![producer.channel.clone()],
                users: Vec::new(),
                consumers_found: false,
                opaque: Vec::new(),
                declared_wire: false,
            };
            find_users(
                &mut drift,
                head,
                &[(producer.channel.clone(), Vec::new())],
                None,
            );
            out.push(drift);
        }
    }
}

/// Compare two shapes field by field.
fn compare_fields(
    base: &[SentField],
    head: &[SentField],
    head_open: bool,
    spread_text: &str,
) -> Vec<FieldChange> {
    let in_head = |path: &Vec<String>| head.iter().any(|h| &h.path == path);
    let in_base = |path: &Vec<String>| base.iter().any(|b| &b.path == path);
    let removed = subtree_roots(base.iter().filter(|b| !in_head(&b.path)).collect());
    let added = subtree_roots(head.iter().filter(|h| !in_base(&h.path)).collect());
    let pairing = pair_alike(&removed, &added);
    let mut changes = pairing.renames;
    // One key gone and one key new under the same parent: a rename.
    let remaining_added: Vec<&SentField> = added
        .iter()
        .enumerate()
        .filter(|(i, _)| !pairing.paired_added.contains(i))
        .map(|(_, f)| *f)
        .collect();
    for old in pairing.unpaired {
        let lone = LoneRemoval {
            old,
            removed: &removed,
            remaining_added: &remaining_added,
        };
        changes.extend(lone.change(head_open, spread_text));
    }
    changes.extend(changes_in_place(base, head));
    changes
}

/// Only the top-most of a removed or added subtree.
fn subtree_roots(mut fields: Vec<&SentField>) -> Vec<&SentField> {
    let paths: Vec<Vec<String>> = fields.iter().map(|f| f.path.clone()).collect();
    fields.retain(|f| {
        !paths
            .iter()
            .any(|p| p.len() < f.path.len() && f.path.starts_with(p))
    });
    fields
}

/// Removed fields paired with added siblings that look like them.
struct Pairing<'a> {
    renames: Vec<FieldChange>,
    paired_added: HashSet<usize>,
    unpaired: Vec<&'a SentField>,
}

/// Pair each removed field with an added sibling of the same identity, the
/// same value, or the same loosely-spelled key.
fn pair_alike<'a>(removed: &[&'a SentField], added: &[&SentField]) -> Pairing<'a> {
    let mut pairing = Pairing {
        renames: Vec::new(),
        paired_added: HashSet::new(),
        unpaired: Vec::new(),
    };
    for old in removed {
        let siblings: Vec<(usize, &&SentField)> = added
            .iter()
            .enumerate()
            .filter(|(i, new)| {
                !pairing.paired_added.contains(i) && parent(&new.path) == parent(&old.path)
            })
            .collect();
        let partner = siblings
            .iter()
            .find(|(_, new)| ident(old) == ident(new))
            .or_else(|| {
                siblings
                    .iter()
                    .find(|(_, new)| !old.value_text.is_empty() && old.value_text == new.value_text)
            })
            .or_else(|| {
                siblings
                    .iter()
                    .find(|(_, new)| loose_key(old) == loose_key(new))
            });
        match partner {
            Some((position, new)) => {
                pairing.paired_added.insert(*position);
                pairing.renames.push(FieldChange {
                    change: Change::Renamed {
                        from: old.path.clone(),
                        to: new.path.clone(),
                    },
                    head_span: Some(new.span),
                });
            }
            None => pairing.unpaired.push(*old),
        }
    }
    pairing
}

/// A removed field no added sibling looked like.
struct LoneRemoval<'a> {
    old: &'a SentField,
    removed: &'a [&'a SentField],
    remaining_added: &'a [&'a SentField],
}

impl LoneRemoval<'_> {
    /// Renamed when it is the only key gone and one key is new under its
    /// parent; made optional when an open head spreads it; removed otherwise.
    fn change(&self, head_open: bool, spread_text: &str) -> Option<FieldChange> {
        let old = self.old;
        let same_parent_removed = self
            .removed
            .iter()
            .filter(|r| parent(&r.path) == parent(&old.path))
            .count();
        let candidates: Vec<&&SentField> = self
            .remaining_added
            .iter()
            .filter(|new| parent(&new.path) == parent(&old.path))
            .collect();
        let key = old.path.last().map_or("", String::as_str);
        if let ([new], 1) = (candidates.as_slice(), same_parent_removed)
            && kinds_compatible(old.kind, new.kind)
            && !head_open
        {
            Some(FieldChange {
                change: Change::Renamed {
                    from: old.path.clone(),
                    to: new.path.clone(),
                },
                head_span: Some(new.span),
            })
        } else if head_open && mentions_word(spread_text, key) {
            Some(FieldChange {
                change: Change::MadeOptional {
                    field: old.path.clone(),
                },
                head_span: None,
            })
        } else if !head_open {
            Some(FieldChange {
                change: Change::Removed {
                    field: old.path.clone(),
                },
                head_span: None,
            })
        } else {
            None
        }
    }
}

/// Changes to the fields present on both sides: made optional, or sent as
/// another kind.
fn changes_in_place(base: &[SentField], head: &[SentField]) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    for new in head {
        let Some(old) = base.iter().find(|b| b.path == new.path) else {
            continue;
        };
        if !old.optional && new.optional {
            changes.push(FieldChange {
                change: Change::MadeOptional {
                    field: new.path.clone(),
                },
                head_span: Some(new.span),
            });
        }
        let converted = new.conversion_of.is_some()
            && new.conversion_of.as_deref() == Some(old.value_text.as_str())
            && old.conversion_of.is_none();
        let unconverted = old.conversion_of.is_some()
            && old.conversion_of.as_deref() == Some(new.value_text.as_str())
            && new.conversion_of.is_none();
        let kinds_differ = matches!((old.kind, new.kind), (Some(a), Some(b)) if a != b);
        if kinds_differ || ((converted || unconverted) && old.kind != new.kind) {
            changes.push(FieldChange {
                change: Change::TypeChanged {
                    field: new.path.clone(),
                    from: old.kind,
                    to: new.kind,
                    from_text: old.value_text.clone(),
                    to_text: new.value_text.clone(),
                },
                head_span: Some(new.span),
            });
        }
    }
    changes
}

fn parent(path: &[String]) -> &[String] {
    &path[..path.len().saturating_sub(1)]
}

fn ident(field: &SentField) -> &str {
    field
        .ident
        .as_deref()
        .unwrap_or(field.path.last().map_or("", String::as_str))
}

/// `orderId`, `order_id`, `order-id` and `OrderId` are one key, loosely.
fn loose_key(field: &SentField) -> String {
    field.path.last().map_or(String::new(), |k| {
        k.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    })
}

fn kinds_compatible(a: Option<WireKind>, b: Option<WireKind>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn mentions_word(text: &str, word: &str) -> bool {
    !word.is_empty()
        && text.match_indices(word).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + word.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            boundary(before) && boundary(after)
        })
}

// ----- declared types ------------------------------------------------------

fn type_drifts(
    base_file: &SourceFile<'_>,
    head_file: &SourceFile<'_>,
    base: &SideIndex<'_>,
    head: &SideIndex<'_>,
    out: &mut Vec<Drift>,
) {
    for new in &head_file.model.types {
        let Some(old) = base_file.model.types.iter().find(|t| t.name == new.name) else {
            continue;
        };
        if same_declaration(old, new) {
            continue;
        }
        let changed = ChangedType {
            old,
            new,
            head_file,
            usage: type_usage(&new.name, head_file, head),
        };
        for change in changed.changes(base_file, base, head) {
            changed.report(change, head, out);
        }
    }
}

/// A type declared on both sides whose declaration changed.
struct ChangedType<'a> {
    old: &'a TypeDecl,
    new: &'a TypeDecl,
    head_file: &'a SourceFile<'a>,
    usage: TypeUsage,
}

impl ChangedType<'_> {
    /// The enum values it lost and the changes to its own fields.
    fn changes(
        &self,
        base_file: &SourceFile<'_>,
        base: &SideIndex<'_>,
        head: &SideIndex<'_>,
    ) -> Vec<FieldChange> {
        let (old, new) = (self.old, self.new);
        let mut changes = Vec::new();
        for variant in &old.variants {
            if !new
                .variants
                .iter()
                .any(|v| v.wire_value == variant.wire_value)
            {
                changes.push(FieldChange {
                    change: Change::EnumValueRemoved {
                        type_name: new.name.clone(),
                        value: variant.wire_value.clone(),
                    },
                    head_span: None,
                });
            }
        }
        if let (Some(old_fields), Some(new_fields)) = (
            base.type_fields(&old.name, base_file.path),
            head.type_fields(&new.name, self.head_file.path),
        ) {
            // Only the type's own level: nested types report their own changes.
            let own = |fields: Vec<SentField>| -> Vec<SentField> {
                fields.into_iter().filter(|f| f.path.len() == 1).collect()
            };
            changes.extend(compare_fields(
                &own(old_fields),
                &own(new_fields),
                false,
                "",
            ));
        }
        changes
    }

    /// The drift one change makes, with its users, pushed onto `out`
    /// unless the change breaks no producer.
    fn report(&self, change: FieldChange, head: &SideIndex<'_>, out: &mut Vec<Drift>) {
        let (new, head_file, usage) = (self.new, self.head_file, &self.usage);
        let mut drift = self.drift(&change);
        match &change.change {
            Change::EnumValueRemoved { value, .. } => {
                enum_users(&mut drift, head, &usage.outputs, value);
                enum_senders(&mut drift, head, &usage.inputs, value);
                if !usage.inputs.is_empty() {
                    drift
                        .channels
                        .extend(usage.inputs.iter().map(|(c, _)| c.clone()));
                    drift.channels.dedup();
                }
            }
            Change::Renamed { to, .. } if !usage.inputs.is_empty() && usage.outputs.is_empty() => {
                // A consumer's payload type now requires another key.
                unknown_from_input(&mut drift, head, &usage.inputs, to, &new.name, out);
                return;
            }
            _ => {
                if usage.outputs.is_empty() && !usage.inputs.is_empty() {
                    // Loosening or narrowing what a consumer accepts
                    // breaks no producer.
                    return;
                }
                find_users(
                    &mut drift,
                    head,
                    &usage.outputs,
                    Some((&new.name, head_file.path)),
                );
            }
        }
        out.push(drift);
    }

    /// The drift of one change, before its users are looked for.
    fn drift(&self, change: &FieldChange) -> Drift {
        let new = self.new;
        let span = change
            .head_span
            .unwrap_or_else(|| first_line(new.span, self.head_file.source));
        let mut drift = Drift {
            trigger: format!("{}|{:?}", new.name, change.change),
            change: change.change.clone(),
            subject: Subject::Type {
                name: new.name.clone(),
            },
            path: self.head_file.path.to_string(),
            span,
            function: new.name.clone(),
            channels: self.usage.outputs.iter().map(|(c, _)| c.clone()).collect(),
            users: Vec::new(),
            consumers_found: false,
            opaque: Vec::new(),
            declared_wire: new.serializes || self.old.serializes,
        };
        drift.channels.dedup();
        drift
    }
}

/// The part of `span` on its first line (a declaration's header).
fn first_line(span: Span, source: &str) -> Span {
    let text = source.get(span.start_byte..span.end_byte).unwrap_or("");
    match text.find('\n') {
        Some(newline) => {
            let line = text[..newline].trim_end_matches('\r');
            Span {
                end_byte: span.start_byte + line.len(),
                end_line: span.start_line,
                end_col: span.start_col + line.chars().count() as u32,
                ..span
            }
        }
        None => span,
    }
}

/// Whether two versions of a declaration declare the same thing (where
/// they sit in the file aside).
pub fn same_declaration(a: &TypeDecl, b: &TypeDecl) -> bool {
    let fields = |t: &TypeDecl| {
        t.fields
            .iter()
            .map(|f| crate::model::FieldDecl {
                span: Span::default(),
                ..f.clone()
            })
            .collect::<Vec<_>>()
    };
    let values = |t: &TypeDecl| {
        t.variants
            .iter()
            .map(|v| (v.name.clone(), v.wire_value.clone()))
            .collect::<Vec<_>>()
    };
    a.name == b.name
        && a.kind == b.kind
        && a.bases == b.bases
        && a.serializes == b.serializes
        && a.deserializes == b.deserializes
        && fields(a) == fields(b)
        && values(a) == values(b)
}

/// Who sends or receives a type: `outputs` are the channels producers send
/// it on, `inputs` the channels consumers receive it on, each with the path
/// at which it sits in the payload.
struct TypeUsage {
    outputs: Vec<(Channel, Vec<String>)>,
    inputs: Vec<(Channel, Vec<String>)>,
}

fn type_usage(name: &str, file: &SourceFile<'_>, head: &SideIndex<'_>) -> TypeUsage {
    let mut usage = TypeUsage {
        outputs: Vec::new(),
        inputs: Vec::new(),
    };
    let ecosystem = file.language.ecosystem();
    for producer in head.producers() {
        if let Some(prefix) = type_position(
            head,
            producer.payload.type_name.as_deref(),
            &producer.path,
            name,
            ecosystem,
        ) {
            push_unique(&mut usage.outputs, (producer.channel.clone(), prefix));
        }
    }
    for consumer in head.consumers() {
        if let Some(prefix) = type_position(
            head,
            consumer.type_name.as_deref(),
            &consumer.path,
            name,
            ecosystem,
        ) {
            push_unique(&mut usage.inputs, (consumer.channel.clone(), prefix));
        }
    }
    usage
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Where type `name` sits in a payload of type `payload_type` (`[]` when it
/// is the payload type itself), if it does.
fn type_position(
    head: &SideIndex<'_>,
    payload_type: Option<&str>,
    from: &str,
    name: &str,
    ecosystem: Ecosystem,
) -> Option<Vec<String>> {
    let payload_type = payload_type?;
    let found = head.find_type(payload_type, from)?;
    if found.file.language.ecosystem() != ecosystem {
        return None;
    }
    if payload_type == name {
        return Some(Vec::new());
    }
    head.type_fields(payload_type, from)?
        .into_iter()
        .find(|f| f.type_ref.as_deref() == Some(name))
        .map(|f| f.path)
}

/// A consumer's type now requires `to`: flag it when the producers of its
/// channels are all known and none sends it.
fn unknown_from_input(
    drift: &mut Drift,
    head: &SideIndex<'_>,
    inputs: &[(Channel, Vec<String>)],
    to: &[String],
    type_name: &str,
    out: &mut Vec<Drift>,
) {
    for (channel, prefix) in inputs {
        let mut path = prefix.clone();
        path.extend(to.iter().cloned());
        let producers: Vec<&Producer> = head
            .producers()
            .filter(|p| p.channel.meets(channel))
            .collect();
        if let Some(users) = missing_everywhere(head, &producers, &path) {
            let mut unknown = drift.clone();
            unknown.change = Change::UnknownRead {
                field: path.clone(),
                read: format!("{type_name}.{}", to.join(".")),
            };
            unknown.trigger = format!("{type_name}|unknown|{}", path.join("."));
            unknown.channels = vec![channel.clone()];
            unknown.users = users;
            out.push(unknown);
        }
    }
}

/// Consumers of the channels still reading the old key of a change.
fn find_users(
    drift: &mut Drift,
    head: &SideIndex<'_>,
    channels: &[(Channel, Vec<String>)],
    own_type: Option<(&str, &str)>,
) {
    let (old, new) = match &drift.change {
        Change::Renamed { from, to } => (from.clone(), Some(to.clone())),
        Change::Removed { field } | Change::MadeOptional { field } => (field.clone(), None),
        Change::TypeChanged { field, .. } => (field.clone(), None),
        _ => return,
    };
    for (channel, prefix) in channels {
        for consumer in head.consumers().filter(|c| channel.meets(&c.channel)) {
            // A consumer typed with the very same declaration changes with it.
            if let (Some((name, declared_in)), Some(typed)) =
                (own_type, consumer.type_name.as_deref())
                && typed == name
                && head
                    .find_type(typed, &consumer.path)
                    .is_some_and(|t| t.file.path == declared_in)
            {
                continue;
            }
            drift.consumers_found = true;
            let reads = head.consumer_reads(consumer);
            let mut full_old = prefix.clone();
            full_old.extend(old.iter().cloned());
            let reads_new = new.as_ref().is_some_and(|new| {
                let mut full_new = prefix.clone();
                full_new.extend(new.iter().cloned());
                reads.iter().any(|r| same_key(&r.path, &full_new))
            });
            if reads_new {
                continue;
            }
            let hits: Vec<_> = reads
                .iter()
                .filter(|r| same_key(&r.path, &full_old) || under(&r.path, &full_old))
                .collect();
            for hit in hits {
                let (span, text) = match hit.read {
                    Some(read) => (read.span, read.text.clone()),
                    None => (
                        consumer.span,
                        format!("{} (required by its payload type)", full_old.join(".")),
                    ),
                };
                drift.users.push(Use {
                    path: consumer.path.clone(),
                    span,
                    message: format!(
                        "{} of {} still reads `{text}` here",
                        consumer.channel.consumer_noun(),
                        channel.describe()
                    ),
                });
            }
            if drift.users.is_empty() {
                for (span, callee) in &consumer.opaque {
                    drift.opaque.push(Use {
                        path: consumer.path.clone(),
                        span: *span,
                        message: format!(
                            "{} of {} passes the whole payload to `{}` here",
                            consumer.channel.consumer_noun(),
                            channel.describe(),
                            crate::flow::shorten(callee, 40)
                        ),
                    });
                }
            }
        }
    }
    drift.users.dedup();
}

/// Whether a key is an envelope name (`data`, `Body`, `detail`, …).
fn is_envelope(key: &str) -> bool {
    ENVELOPES.iter().any(|e| e.eq_ignore_ascii_case(key))
}

/// Whether a read path names the key `wanted` (directly or under an envelope).
fn same_key(read: &[String], wanted: &[String]) -> bool {
    read == wanted
        || (read.len() == wanted.len() + 1 && is_envelope(&read[0]) && read[1..] == *wanted)
}

/// Whether a read path reads something inside `wanted`.
fn under(read: &[String], wanted: &[String]) -> bool {
    (read.len() > wanted.len() && read.starts_with(wanted))
        || (read.len() > wanted.len() + 1 && is_envelope(&read[0]) && read[1..].starts_with(wanted))
}

/// Consumers of an enum's output channels that still compare with the removed value.
fn enum_users(
    drift: &mut Drift,
    head: &SideIndex<'_>,
    outputs: &[(Channel, Vec<String>)],
    value: &str,
) {
    for (channel, _) in outputs {
        for consumer in head.consumers().filter(|c| channel.meets(&c.channel)) {
            drift.consumers_found = true;
            let Some(file) = head.file(&consumer.path) else {
                continue;
            };
            if let Some(span) = quoted_mention(file, consumer.span, value) {
                drift.users.push(Use {
                    path: consumer.path.clone(),
                    span,
                    message: format!(
                        "{} of {} still handles `{value}` here",
                        consumer.channel.consumer_noun(),
                        channel.describe()
                    ),
                });
            }
        }
    }
}

/// Producers that still send a value an input enum no longer accepts.
fn enum_senders(
    drift: &mut Drift,
    head: &SideIndex<'_>,
    inputs: &[(Channel, Vec<String>)],
    value: &str,
) {
    for (channel, _) in inputs {
        for producer in head.producers().filter(|p| p.channel.meets(channel)) {
            drift.consumers_found = true;
            for field in head.effective_payload(producer).fields {
                if field.literal.as_deref() == Some(value) {
                    drift.users.push(Use {
                        path: producer.path.clone(),
                        span: field.span,
                        message: format!(
                            "{} is still sent with `{}: \"{value}\"` here",
                            producer.channel.describe(),
                            field.path.join(".")
                        ),
                    });
                }
            }
        }
    }
}

/// The first `'value'` / `"value"` string literal inside `span` of a file.
fn quoted_mention(file: &SourceFile<'_>, span: Span, value: &str) -> Option<Span> {
    let text = file.text(span);
    for quote in ['"', '\'', '`'] {
        let needle = format!("{quote}{value}{quote}");
        if let Some(at) = text.find(&needle) {
            let start = span.start_byte + at;
            let line_offset = text[..at].matches('\n').count() as u32;
            let start_line = span.start_line + line_offset;
            let column = match text[..at].rfind('\n') {
                Some(newline) => text[newline + 1..at].chars().count() as u32 + 1,
                None => span.start_col + text[..at].chars().count() as u32,
            };
            return Some(Span {
                start_byte: start,
                end_byte: start + needle.len(),
                start_line,
                start_col: column,
                end_line: start_line,
                end_col: column + needle.chars().count() as u32,
            });
        }
    }
    None
}

// ----- consumers -----------------------------------------------------------

fn consumer_drifts(
    base_file: Option<&SourceFile<'_>>,
    head_file: &SourceFile<'_>,
    base: &SideIndex<'_>,
    head: &SideIndex<'_>,
    out: &mut Vec<Drift>,
) {
    let Some(head_eps) = head.endpoints_of(head_file.path) else {
        return;
    };
    let base_eps = base_file.and_then(|f| base.endpoints_of(f.path));
    let pairs = match base_eps {
        Some(eps) => pair_consumers(&eps.consumers, &head_eps.consumers),
        None => vec![None; head_eps.consumers.len()],
    };
    for (consumer, before) in head_eps.consumers.iter().zip(pairs) {
        let old_reads: Vec<Vec<String>> = before
            .map(|c| base.consumer_reads(c).into_iter().map(|r| r.path).collect())
            .unwrap_or_default();
        let producers: Vec<&Producer> = head
            .producers()
            .filter(|p| p.channel.meets(&consumer.channel))
            .collect();
        if producers.is_empty() {
            continue;
        }
        let reads = head.consumer_reads(consumer);
        for consumer_read in &reads {
            let (path, Some(read)) = (&consumer_read.path, consumer_read.read) else {
                continue;
            };
            // `event["data"]` on the way to `event["data"]["order_id"]` is
            // not a key of its own.
            let intermediate = reads
                .iter()
                .any(|other| other.path.len() > path.len() && other.path.starts_with(path));
            if intermediate || old_reads.contains(path) || consumer_read.declared_optional {
                continue;
            }
            let Some(users) = missing_everywhere(head, &producers, path) else {
                continue;
            };
            out.push(Drift {
                trigger: format!(
                    "{}|unknown|{}",
                    normalise(&read.text),
                    consumer.channel.describe()
                ),
                change: Change::UnknownRead {
                    field: path.clone(),
                    read: read.text.clone(),
                },
                subject: Subject::Consumer,
                path: consumer.path.clone(),
                span: read.span,
                function: consumer.function.clone(),
                channels: vec![consumer.channel.clone()],
                users,
                consumers_found: true,
                opaque: Vec::new(),
                declared_wire: false,
            });
        }
    }
}

/// When every producer's payload is known and none sends `path`: the
/// producers, as related locations. `None` when some producer sends it or
/// may send it.
fn missing_everywhere(
    head: &SideIndex<'_>,
    producers: &[&Producer],
    path: &[String],
) -> Option<Vec<Use>> {
    if producers.is_empty() {
        return None;
    }
    let mut users = Vec::new();
    for producer in producers {
        let payload = head.effective_payload(producer);
        if !payload.known || payload.open {
            return None;
        }
        if sends(&payload.fields, path) != Some(false) {
            return None;
        }
        let keys: Vec<&str> = payload
            .fields
            .iter()
            .filter(|f| f.path.len() == 1)
            .map(|f| f.path[0].as_str())
            .collect();
        users.push(Use {
            path: producer.path.clone(),
            span: producer.span,
            message: format!(
                "{} is sent here with {}",
                producer.channel.describe(),
                if keys.is_empty() {
                    "no keys".to_string()
                } else {
                    format!("`{}`", keys.join("`, `"))
                }
            ),
        });
    }
    Some(users)
}

/// Whether the fields send `path`: `Some(true)`, `Some(false)`, or `None`
/// when an opaque value on the way may hold it.
fn sends(fields: &[SentField], path: &[String]) -> Option<bool> {
    if let [only] = path
        && is_envelope(only)
        && !fields.iter().any(|f| f.path == path)
    {
        // The whole payload, read under an envelope name.
        return None;
    }
    let direct = sends_at(fields, path);
    if direct != Some(false) {
        return direct;
    }
    if path.len() > 1 && is_envelope(&path[0]) {
        return sends_at(fields, &path[1..]);
    }
    Some(false)
}

fn sends_at(fields: &[SentField], path: &[String]) -> Option<bool> {
    if fields.iter().any(|f| f.path == path) {
        return Some(true);
    }
    // The longest sent prefix decides: a literal object with known keys
    // lacks the key; any other value may hold it.
    for length in (1..path.len()).rev() {
        let prefix = &path[..length];
        if let Some(field) = fields.iter().find(|f| f.path == prefix) {
            let has_children = fields
                .iter()
                .any(|f| f.path.len() > length && f.path.starts_with(prefix));
            return if has_children || matches!(field.kind, Some(k) if k != WireKind::Object) {
                Some(false)
            } else {
                None
            };
        }
    }
    Some(false)
}

/// The sides of a change, indexed.
pub struct Sides<'a> {
    /// Touched base versions and untouched files.
    pub base: SideIndex<'a>,
    /// Touched head versions and untouched files.
    pub head: SideIndex<'a>,
}

impl<'a> Sides<'a> {
    /// Index both sides of a change. The endpoints of untouched files are
    /// found once (in parallel) and shared by both sides.
    pub fn new(
        touched: &[TouchedFile<'a>],
        untouched: &[SourceFile<'a>],
        known: Option<Vec<Endpoints>>,
    ) -> Sides<'a> {
        use rayon::prelude::*;
        let shared: Vec<Endpoints> = match known {
            Some(found) if found.len() == untouched.len() => found,
            _ => untouched.par_iter().map(endpoints).collect(),
        };
        let side = |pick: fn(&TouchedFile<'a>) -> Option<SourceFile<'a>>| {
            let mut files: Vec<SourceFile<'a>> = touched.iter().filter_map(pick).collect();
            let mut found: Vec<Endpoints> = files.iter().map(endpoints).collect();
            files.extend(untouched.iter().copied());
            found.extend(shared.iter().cloned());
            SideIndex::new(files, found)
        };
        Sides {
            base: side(|t| t.base),
            head: side(|t| t.head),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(path: &str, value: &str, kind: Option<WireKind>) -> SentField {
        SentField {
            path: path.split('.').map(str::to_string).collect(),
            ident: None,
            kind,
            conversion_of: None,
            optional: false,
            defaulted: false,
            value_text: value.to_string(),
            literal: None,
            span: Span::default(),
            type_ref: None,
        }
    }

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_string).collect()
    }

    #[test]
    fn renames_pair_by_value_loose_name_or_a_single_swap() {
        let by_value = compare_fields(
            &[
                field("orderId", "order.id", None),
                field("total", "t", None),
            ],
            &[field("ref", "order.id", None), field("total", "t", None)],
            false,
            "",
        );
        assert!(
            matches!(&by_value[..], [FieldChange { change: Change::Renamed { from, to }, .. }] if *from == path("orderId") && *to == path("ref"))
        );
        let by_name = compare_fields(
            &[field("orderId", "a", None), field("userId", "b", None)],
            &[field("order_id", "x", None), field("user_id", "y", None)],
            false,
            "",
        );
        assert_eq!(by_name.len(), 2);
        assert!(
            by_name
                .iter()
                .all(|c| matches!(c.change, Change::Renamed { .. }))
        );
        let removed = compare_fields(
            &[field("a", "1", None), field("b", "2", None)],
            &[field("c", "3", Some(WireKind::Number))],
            false,
            "",
        );
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert!(
            removed
                .iter()
                .all(|c| matches!(c.change, Change::Removed { .. }))
        );
    }

    #[test]
    fn a_key_moved_into_a_conditional_spread_is_made_optional_not_removed() {
        let changes = compare_fields(
            &[field("coupon", "order.coupon", None)],
            &[],
            true,
            "...(order.coupon && { coupon: order.coupon })",
        );
        assert!(matches!(
            &changes[..],
            [FieldChange {
                change: Change::MadeOptional { .. },
                ..
            }]
        ));
        assert!(compare_fields(&[field("coupon", "c", None)], &[], true, "...rest").is_empty());
    }

    #[test]
    fn conversions_of_the_same_value_are_type_changes() {
        let mut converted = field("total", "String(order.total)", Some(WireKind::String));
        converted.conversion_of = Some("order.total".to_string());
        let changes = compare_fields(
            &[field("total", "order.total", None)],
            &[converted],
            false,
            "",
        );
        assert!(matches!(
            &changes[..],
            [FieldChange {
                change: Change::TypeChanged {
                    to: Some(WireKind::String),
                    ..
                },
                ..
            }]
        ));
    }

    #[test]
    fn envelopes_are_tried_case_insensitively_and_known_objects_lack_keys() {
        let sent = [
            field("orderId", "id", None),
            field("customer", "", Some(WireKind::Object)),
            field("customer.email", "e", None),
            field("meta", "m", None),
        ];
        assert_eq!(sends(&sent, &path("Body.orderId")), Some(true));
        assert_eq!(sends(&sent, &path("customer.phone")), Some(false));
        assert_eq!(sends(&sent, &path("meta.source")), None);
        assert_eq!(sends(&sent, &path("data")), None);
        assert_eq!(sends(&sent, &path("order_id")), Some(false));
        assert!(same_key(&path("Body.orderId"), &path("orderId")));
        assert!(under(&path("detail.customer.email"), &path("customer")));
    }
}
