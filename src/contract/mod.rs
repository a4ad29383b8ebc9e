//! Payload contracts across files: who produces which payload on which topic
//! or route, who consumes it and what it reads, and how base and head differ.
//!
//! [`endpoints`] finds producers and consumers in one file, [`index`] resolves
//! payload types across files, [`relevance`] decides which untouched files a
//! change makes worth parsing, and [`drift`] compares base and head, for a
//! change as a whole in a [`ContractContext`]. The contract rules
//! (`crate::rules::contract`) turn its drifts into findings.

mod channel;
mod context;
pub mod drift;
mod endpoints;
mod index;
mod relevance;
mod wire;

pub use channel::{Channel, Route};
pub use context::ContractContext;
pub use drift::{Change, Drift, Subject, TouchedFile, Use};
pub use endpoints::{Consumer, Endpoints, Producer, SourceFile, endpoints};
pub use relevance::{Needles, Prefilter, Relevance};
pub use wire::{TimeFormat, WireKind};
