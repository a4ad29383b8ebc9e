//! Handoff: reads a change and says which workflow handoffs it puts at risk.
//!
//! Data flows one way: [`diff`] → [`lang`] → [`model`] → [`knowledge`] →
//! [`rules`] → [`scan`] (new vs existing) → [`report`], with [`cli`] on top.

pub mod checklist;
pub mod cli;
pub mod config;
pub mod diff;
pub mod gate;
pub mod github;
pub mod knowledge;
pub mod lang;
pub mod model;
pub mod report;
pub mod rules;
pub mod scan;
pub mod starter;
