//! Rules over the model. One rule per file under `src/rules/<class>/`: a
//! [`declare_rule!`] block (id, default severity, documentation — written
//! once) and its check, a [`FileRule`] or a [`RepositoryRule`].
//!
//! A rule sees a parsed file ([`FileContext`]) with the knowledge that applies
//! to its ecosystem, and reports [`RawFinding`]s. It knows nothing of git,
//! syntax trees or output formats.

pub mod contract;
mod declaration;
mod doc;
pub mod idempotency;
mod registry;
pub mod rejection;
pub mod sequencing;

pub use declaration::Declaration;
pub(crate) use declaration::declare_rule;
pub use doc::{Example, RuleDoc, doc_markdown};
pub use registry::{all_rules, find_rule, repository_rules};

use crate::flow::{RetryFacts, ScopeWalker};
use crate::knowledge::Knowledge;
use crate::model::{Call, FileModel, Span};
use serde::Serialize;
use std::cell::OnceCell;
use std::fmt;

/// The four failure classes; a rule id starts with its class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// A side effect fires before the state it announces is durable.
    Sequencing,
    /// A retry or re-delivery repeats a non-idempotent side effect.
    Idempotency,
    /// Producer and consumer of a payload stop agreeing.
    Contract,
    /// A downstream failure is swallowed and the caller reports success.
    Rejection,
}

impl Class {
    /// The lowercase name used in rule ids and output.
    pub const fn as_str(self) -> &'static str {
        match self {
            Class::Sequencing => "sequencing",
            Class::Idempotency => "idempotency",
            Class::Contract => "contract",
            Class::Rejection => "rejection",
        }
    }
}

/// How bad a finding is. Ordered: `Low < Medium < High`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Likely a problem; confirm.
    Medium,
    /// A handoff that will break.
    High,
}

impl Severity {
    /// The lowercase name used in output and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure Handoff is that a finding's evidence means what it says.
/// Ordered: `Low < Medium < High`.
///
/// `High` when the side effect, transaction or client is recognised from what
/// the code is (a known SDK call, an import or construction it resolves to, a
/// summary of the project's own function that reaches one); `Medium` when part
/// of the evidence is inferred (a generic method name such as `*.publish`, a
/// hand-written retry recognised by its shape); `Low` when it rests on a name
/// alone.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The evidence rests on a name alone.
    Low,
    /// Part of the evidence is inferred.
    Medium,
    /// The evidence is resolved.
    High,
}

impl Confidence {
    /// The lowercase name used in output, flags and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// `self` when the evidence that the effect repeats is certain (a retry
    /// that surely re-runs, an at-least-once delivery); `Medium` when it is
    /// inferred.
    pub fn when_certain(self, certain: bool) -> Confidence {
        if certain { self } else { Confidence::Medium }
    }

    /// The confidence of a finding about how a sink's failure is handled at
    /// the call site: as [`Confidence::of_pattern`] for an SDK call; `Medium`
    /// through a project helper, whose own code may already handle or report
    /// the failure the call site seems to drop.
    pub fn of_failure_handling(
        sink: &crate::knowledge::Sink,
        call: &Call,
        model: &FileModel,
    ) -> Confidence {
        if sink.origin == crate::knowledge::SinkOrigin::Pack {
            Confidence::of_sink(sink, call, model)
        } else {
            Confidence::Medium
        }
    }

    /// The confidence of a finding about the pack sink `call` reaches: as
    /// [`Confidence::of_pattern`], and `Medium` when the receiver is a
    /// member of `this`/`self` that the pack recognised only by a fragment
    /// of its name (`this.events.publish`, `self.job_queue.enqueue`; see
    /// [`crate::knowledge::Sink::guesses_receiver`]) and nothing in the file
    /// constructs it or gives its type (`constructor(private producer:
    /// Producer)`): an injected dependency whose class is out of sight may be
    /// in-process.
    /// `Medium` too for a publish to one entity's live feed (see
    /// [`crate::flow::describe::per_entity_channel`]).
    pub fn of_sink(sink: &crate::knowledge::Sink, call: &Call, model: &FileModel) -> Confidence {
        let injected = call.receiver.as_deref().and_then(|receiver| {
            receiver
                .strip_prefix("this.")
                .or_else(|| receiver.strip_prefix("self."))
        });
        let guessed = injected.is_some_and(|member| {
            sink.origin == crate::knowledge::SinkOrigin::Pack
                && call.constructed_receiver.is_none()
                && !crate::flow::has_typed_parameter(model, member)
                && sink.guesses_receiver(&call.callee)
        });
        let around = crate::flow::functions_around(model, call.span);
        // A bare call of a parameter (`request(url, { method: 'POST' })` in
        // `async (request, ..) =>`) is whatever client the caller hands in,
        // not the library a pack names so.
        let handed_in = sink.origin == crate::knowledge::SinkOrigin::Pack
            && crate::flow::names_a_parameter(&around, &call.callee);
        // A live feed of one run or thread is read while it lasts; whether a
        // lost or repeated message there matters is the watcher's concern.
        let live_feed = sink.feeds_a_watcher(call, around.first().copied());
        if guessed || handed_in || live_feed {
            Confidence::Medium
        } else {
            Confidence::of_pattern(sink.generic)
        }
    }

    /// The confidence of a finding whose trigger was recognised by a pattern
    /// that names a specific SDK or bus (`generic` false) or only a method
    /// name shared by many libraries (`generic` true).
    pub fn of_pattern(generic: bool) -> Confidence {
        if generic {
            Confidence::Medium
        } else {
            Confidence::High
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule id, `<class>/<kebab-name>`; stable forever once released. It
/// knows its class: an id is only made by [`RuleId::new`], which refuses an
/// id without a known class (at compile time, where ids are constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId {
    id: &'static str,
    class: Class,
}

impl RuleId {
    /// The id `id`; panics (a compile error in a constant) when `id` is not
    /// `<class>/<kebab-name>` with one of the four classes.
    pub const fn new(id: &'static str) -> RuleId {
        let Some(class) = Class::of_rule_id(id) else {
            panic!("a rule id is `<class>/<kebab-name>` with a known class");
        };
        RuleId { id, class }
    }

    /// The id as text.
    pub fn as_str(self) -> &'static str {
        self.id
    }

    /// The class, the id's prefix.
    pub fn class(self) -> Class {
        self.class
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

/// A parsed file version as rules see it.
pub struct FileContext<'a> {
    /// Repository-relative path (`/` separated).
    pub path: &'a str,
    /// The source text of this version.
    pub source: &'a str,
    /// The model of this version.
    pub model: &'a FileModel,
    /// The knowledge for the file's ecosystem.
    pub knowledge: &'a Knowledge,
    /// What several rules find out about the file, found once.
    walker: OnceCell<ScopeWalker<'a>>,
    retry_facts: OnceCell<RetryFacts<'a>>,
}

impl<'a> FileContext<'a> {
    /// The context of one file version.
    pub fn new(
        path: &'a str,
        source: &'a str,
        model: &'a FileModel,
        knowledge: &'a Knowledge,
    ) -> FileContext<'a> {
        FileContext {
            path,
            source,
            model,
            knowledge,
            walker: OnceCell::new(),
            retry_facts: OnceCell::new(),
        }
    }

    /// The scope walker of this file (its in-process receivers and retry
    /// options collected once for every rule).
    pub fn walker(&self) -> &ScopeWalker<'a> {
        self.walker
            .get_or_init(|| ScopeWalker::new(self.knowledge, self.model))
    }

    /// What the file says about retries beyond lexical scopes, shared by the
    /// idempotency rules.
    pub fn retry_facts(&self) -> &RetryFacts<'a> {
        self.retry_facts
            .get_or_init(|| RetryFacts::new(self.model, self.source, self.knowledge, self.walker()))
    }
}

/// A location related to a finding (where the transaction opened, the consumer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedSpan {
    /// Repository-relative path; `None` means the finding's own file.
    pub path: Option<String>,
    /// The span in that file.
    pub span: Span,
    /// What this location is.
    pub message: String,
}

impl RelatedSpan {
    /// Where a helper's chain reaches the SDK (`tasks.send_welcome.delay` in
    /// `accounts/notify.py`), for a finding on a call of the helper; `None`
    /// for a pack's own sink.
    pub fn chain_end(sink: &crate::knowledge::Sink) -> Option<RelatedSpan> {
        let place = sink.reached_at.as_ref()?;
        Some(RelatedSpan {
            path: place.path.clone(),
            span: place.span,
            message: format!(
                "the chain reaches `{}` here",
                crate::flow::shorten(&place.callee, 50)
            ),
        })
    }
}

/// What a rule reports, before fingerprinting and new/existing classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFinding {
    /// The rule that fired.
    pub rule: RuleId,
    /// Severity (a rule may lower its default for weaker evidence).
    pub severity: Severity,
    /// How sure the evidence is.
    pub confidence: Confidence,
    /// The trigger's span (the side-effect call).
    pub span: Span,
    /// The enclosing function's stable name (for fingerprints).
    pub function: String,
    /// The trigger's code, used (normalised) in the fingerprint.
    pub trigger_text: String,
    /// One sentence, specific to the code.
    pub message: String,
    /// The reviewer questions, specific to the code.
    pub questions: Vec<String>,
    /// Related locations.
    pub related: Vec<RelatedSpan>,
}

/// A rule: one failure pattern in one class. Declared with
/// [`declare_rule!`], which writes this impl; the rule's check is a
/// [`FileRule`] or a [`RepositoryRule`].
pub trait Rule: Sync {
    /// What the rule's declaration says: id, class, severity, documentation.
    fn declaration(&self) -> &'static Declaration;
    /// The per-file check of a rule that checks one file version at a time.
    fn file_rule(&self) -> Option<&dyn FileRule> {
        None
    }
    /// The repository-level check of a rule that compares files with each
    /// other; `None` for a rule that checks one file version at a time.
    fn repository(&self) -> Option<&dyn RepositoryRule> {
        None
    }
    /// The stable id.
    fn id(&self) -> RuleId {
        self.declaration().id()
    }
    /// The class (the prefix of the id).
    fn class(&self) -> Class {
        self.declaration().class()
    }
    /// The default severity.
    fn default_severity(&self) -> Severity {
        self.declaration().severity()
    }
    /// The documentation.
    fn doc(&self) -> &'static RuleDoc {
        self.declaration().doc()
    }
    /// Check one file version; nothing for a repository rule.
    ///
    /// Rules that compare files with each other (the contract rules: a
    /// producer in one file, its consumer in another, base against head) see
    /// nothing wrong in a single file version: they are checked once per
    /// change through [`Rule::repository`].
    fn check(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        if let Some(rule) = self.file_rule() {
            rule.check_file(file, findings);
        }
    }
}

/// A rule checked on each file version, base and head.
pub trait FileRule: Rule {
    /// Report the findings of this rule in one file version.
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>);
}

/// A rule checked once per change, over every touched file and the rest of
/// the repository (see [`contract`]).
pub trait RepositoryRule: Sync {
    /// Report the findings of this rule in a change.
    fn check_repository(
        &self,
        context: &crate::contract::ContractContext,
        findings: &mut Vec<LocatedFinding>,
    );
}

/// A finding of a repository-level rule, with the file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedFinding {
    /// Repository-relative path of the head version the finding is in.
    pub path: String,
    /// The finding; its span is in that file.
    pub finding: RawFinding,
}
