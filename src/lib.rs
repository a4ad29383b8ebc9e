//! Handoff: reads a change and says which workflow handoffs it puts at risk.
//!
//! Data flows one way: [`diff`] → [`lang`] → [`model`] → [`knowledge`] →
//! [`rules`] → [`scan`] (new vs existing) → reporters.

pub mod diff;
pub mod lang;
pub mod model;
