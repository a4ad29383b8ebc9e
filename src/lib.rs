//! Handoff: reads a change and says which workflow handoffs it puts at risk.
//!
//! Data flows one way; a module reads only from the steps before it:
//!
//! 1. [`diff`] reads the change from git: changed files, hunks, renames and
//!    both versions of every touched file.
//! 2. [`lang`] parses each version into the language-neutral [`model`].
//! 3. [`knowledge`] — the built-in packs and the user's `.handoff.yml`, read by
//!    [`config`] — says which calls open transactions, reach other systems,
//!    retry, defer until commit or carry idempotency keys.
//! 4. [`flow`] decides each workflow fact once (scopes, retries, keys, failure
//!    handling, repeated effects, summaries of the project's own helpers);
//!    [`contract`] finds producers, consumers and payload drift across files.
//! 5. [`rules`] turn the model and the facts into findings; [`context`] keeps
//!    tests, fixtures, examples, generated and vendored code quiet.
//! 6. [`scan`] runs the rules on base and head and keeps what the change
//!    introduced (new or existing, suppressions, fingerprints).
//! 7. [`gate`] selects the workflow suites to run and [`checklist`] writes the
//!    reviewer checklist, from the report and the same facts.
//! 8. [`report`] renders text, JSON, SARIF, Markdown and GitHub output;
//!    [`github`] posts the review and the summary comment.
//!
//! [`cli`] is the command line on top; [`starter`] writes the files
//! `handoff init` proposes, with workflow suites made of the project's own
//! tests that [`related`] finds (the test files whose imports reach the code,
//! and the runner the project already has); [`home`] says where Handoff is
//! published.

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
