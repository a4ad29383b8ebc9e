//! The producers and consumers of payloads in one file version.
//!
//! A **producer** is a call that sends a payload on a channel: a message
//! publish with a string-literal topic (any event sink of the knowledge
//! packs), an HTTP write to a literal route, or a route handler's JSON
//! response. Its payload is the object literal it sends — found through
//! `JSON.stringify(…)`/`json.dumps(…)` wrappers, a local variable bound to a
//! literal, or a named type (`OrderCreated { … }`, `OrderCreated(order_id=…)`,
//! `const e: OrderCreated`, `publish<OrderCreated>(…)`, `x as OrderCreated`).
//!
//! A **consumer** is a function registered for a channel (inline, or by name
//! in the same file): a message consumer or job for a topic, a route handler
//! for a route. What it reads is every field read rooted at its payload —
//! `event.orderId`, `event["order_id"]`, `event.get("order_id")`,
//! destructuring, through local aliases (`const data = job.data`) — plus the
//! required fields of a payload type the framework validates (serde,
//! pydantic).
//!
//! Where the payload sits in a handler is convention per ecosystem and role
//! (see `handlers::payload_roots`): the first parameter of a consumer, `req.body` of
//! an Express handler, `request.json`/`request.data` or a typed parameter in
//! Python, a `Json<T>` extractor in Rust.

mod clients;
mod handlers;
mod pairing;
mod producers;
mod responses;
#[cfg(test)]
mod testing;

pub use pairing::{pair_consumers, pair_producers, same_payload, same_reads};
pub use producers::type_name_of;

use super::channel::Channel;
use super::wire::WireKind;
use crate::knowledge::Knowledge;
use crate::model::{FileModel, Language, Span};
use clients::client_consumers;
use handlers::{collect_handlers, consumer, named_consumers, named_functions};
use producers::message_and_request_producers;
use responses::response_producers;

/// One version of one source file, as the contract rules see it.
#[derive(Clone, Copy)]
pub struct SourceFile<'a> {
    /// Repository-relative path.
    pub path: &'a str,
    /// The language.
    pub language: Language,
    /// The source text of this version.
    pub source: &'a str,
    /// The model of this version.
    pub model: &'a FileModel,
    /// The knowledge for the file's ecosystem.
    pub knowledge: &'a Knowledge,
}

impl SourceFile<'_> {
    /// The source text of a span (empty when out of range).
    pub fn text(&self, span: Span) -> &str {
        self.source
            .get(span.start_byte..span.end_byte)
            .unwrap_or("")
    }
}

/// One field a producer sends.
#[derive(Debug, Clone)]
pub struct SentField {
    /// The wire keys from the payload's top level (`["customer", "email"]`).
    pub path: Vec<String>,
    /// The name in the source when it differs from the wire key (a Rust
    /// field whose serde name is renamed).
    pub ident: Option<String>,
    /// The wire kind, when the expression or declared type says it.
    pub kind: Option<WireKind>,
    /// For a conversion (`String(x)`, `x.toFixed(2)`): the converted operand.
    pub conversion_of: Option<String>,
    /// Whether the key may be missing (a conditional value, an optional field).
    pub optional: bool,
    /// Whether a reader fills the key in when it is missing (a declared default).
    pub defaulted: bool,
    /// The value's expression without white space (empty for declared fields).
    pub value_text: String,
    /// A string literal value (`status: 'paid'`).
    pub literal: Option<String>,
    /// Where the field is written or declared.
    pub span: Span,
    /// For a declared field whose type is another declared type: its name.
    pub type_ref: Option<String>,
}

/// The payload of a producer.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    /// The fields, parents before children.
    pub fields: Vec<SentField>,
    /// The named type the payload is built from, if any.
    pub type_name: Option<String>,
    /// Whether keys not listed may be sent (a spread, an unresolved value).
    pub open: bool,
    /// The source text of the spreads (`...(c ? { coupon } : {})`), to tell
    /// a key made conditional from a key removed.
    pub spread_text: String,
    /// Whether anything is known of the shape (a literal or a resolved type).
    pub known: bool,
    /// Whether the literal's keys are source names rather than wire keys
    /// (a Rust struct literal, constructor keywords): the type decides the
    /// wire keys.
    pub keys_are_idents: bool,
}

/// A call that sends a payload on a channel.
#[derive(Debug, Clone)]
pub struct Producer {
    /// Where the payload goes.
    pub channel: Channel,
    /// Repository-relative path of the file.
    pub path: String,
    /// The enclosing function's stable name.
    pub function: String,
    /// The sending call (or the returned value of a response).
    pub span: Span,
    /// The sending call's text.
    pub text: String,
    /// What it sends.
    pub payload: Payload,
}

/// One field read by a consumer.
#[derive(Debug, Clone)]
pub struct ReadField {
    /// The wire keys from the payload's top level, or source names when
    /// [`Consumer::reads_idents`] is set.
    pub path: Vec<String>,
    /// Where it is read.
    pub span: Span,
    /// The read as written (`event.orderId`), for messages.
    pub text: String,
}

/// A function that receives a payload on a channel.
#[derive(Debug, Clone)]
pub struct Consumer {
    /// Where the payload comes from.
    pub channel: Channel,
    /// Repository-relative path of the file.
    pub path: String,
    /// The handler's stable name.
    pub function: String,
    /// The handler function.
    pub span: Span,
    /// The fields it reads.
    pub reads: Vec<ReadField>,
    /// The declared payload type, if any (when the framework validates it
    /// on arrival — serde, pydantic — its required fields count as read).
    pub type_name: Option<String>,
    /// Whether read paths are source names of `type_name`'s fields (Rust and
    /// pydantic attribute access), to be mapped to wire keys.
    pub reads_idents: bool,
    /// Where the whole payload is handed to another function (whose reads are
    /// not seen): `(span, callee)`.
    pub opaque: Vec<(Span, String)>,
}

/// Producers and consumers of one file version.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// The producers, in source order.
    pub producers: Vec<Producer>,
    /// The consumers, in source order.
    pub consumers: Vec<Consumer>,
}

/// Find the producers and consumers of a file version.
pub fn endpoints(file: &SourceFile<'_>) -> Endpoints {
    let mut found = Endpoints::default();
    message_and_request_producers(file, &mut found.producers);
    let functions = named_functions(&file.model.module);
    let mut handlers = Vec::new();
    collect_handlers(file, &file.model.module.body, &functions, &mut handlers);
    named_consumers(file, &functions, &mut handlers);
    client_consumers(file, &mut found.consumers);
    for handler in &handlers {
        if let Some(consumer) = consumer(file, handler) {
            found.consumers.push(consumer);
        }
        if let Channel::Request { route, .. } = &handler.channel {
            response_producers(file, handler, route, &mut found.producers);
        }
    }
    found
}
