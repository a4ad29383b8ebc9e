//! Handoff: reads a change and says which workflow handoffs it puts at risk.
//!
//! Data flows one way: [`diff`] → [`lang`] → [`model`] → [`knowledge`] →
//! [`flow`] (scopes, retries, keys, failure handling: decided once) and
//! [`contract`] (producers, consumers and payload drift across files) →
//! [`rules`] → [`scan`] (new vs existing) → [`gate`] and [`checklist`] →
//! [`report`] and [`github`], with [`cli`] on top. [`config`] is read by the
//! scan; [`starter`] writes the files `handoff init` proposes; [`home`] says
//! where Handoff is published.

pub mod checklist;
pub mod cli;
pub mod config;
pub mod context;
pub mod contract;
pub mod diff;
pub mod flow;
pub mod gate;
pub mod github;
pub mod home;
pub mod knowledge;
pub mod lang;
pub mod model;
pub mod related;
pub mod report;
pub mod rules;
pub mod scan;
pub mod starter;
