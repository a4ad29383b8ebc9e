//! The literal prefilter of whole-repository scans (`handoff scan --all-files`).
//!
//! A rule can only fire on a call that matches a knowledge pattern, and
//! frontends record callee segments as written, so a file whose text contains
//! none of the literals a rule family needs cannot produce a finding of that
//! family: it is not parsed. The literal sets are computed from the compiled
//! knowledge (built-in packs plus `.handoff.yml`), per ecosystem and per rule
//! family, and are conservative:
//!
//! - a family is described as groups of pattern kinds, and a file passes the
//!   family when, for every group, it contains a required literal of one of the
//!   group's patterns ([`crate::knowledge::CallPattern::required_literals`]);
//! - a pattern without a required literal (`**`) makes its group pass every file;
//! - a rule family this module does not describe is never filtered: every file
//!   of a language it could apply to is parsed.
//!
//! A file is parsed when it passes any family that has an enabled rule.

use crate::config::Config;
use crate::knowledge::{Knowledge, PatternKind};
use crate::model::{Ecosystem, Language};
use crate::rules::{Class, all_rules};
use aho_corasick::AhoCorasick;
use std::collections::BTreeSet;

/// Which files may trigger an enabled rule, judged by their text alone.
#[derive(Debug, Clone)]
pub struct Prefilter {
    js: Vec<FamilyFilter>,
    python: Vec<FamilyFilter>,
    rust: Vec<FamilyFilter>,
}

/// The literal requirement of one rule family in one ecosystem.
#[derive(Debug, Clone)]
enum FamilyFilter {
    /// Every file may trigger the family.
    Always,
    /// A file must contain a literal of every group.
    Groups(Vec<LiteralGroup>),
}

/// Literals one of which a file must contain; `None` means any file passes.
#[derive(Debug, Clone)]
struct LiteralGroup {
    automaton: Option<AhoCorasick>,
}

impl Prefilter {
    /// The prefilter for the rules a configuration enables, over its knowledge.
    pub fn new(config: &Config) -> Prefilter {
        let families: BTreeSet<Class> = all_rules()
            .iter()
            .filter(|rule| config.rule_enabled(rule.id().as_str()))
            .map(|rule| rule.class())
            .collect();
        let filters = |ecosystem: Ecosystem| -> Vec<FamilyFilter> {
            let knowledge = config.knowledge.for_ecosystem(ecosystem);
            families
                .iter()
                .map(|&family| family_filter(family, knowledge))
                .collect()
        };
        Prefilter {
            js: filters(Ecosystem::Js),
            python: filters(Ecosystem::Python),
            rust: filters(Ecosystem::Rust),
        }
    }

    /// Whether a file of `language` with this text may produce a finding of an
    /// enabled rule (and so must be parsed).
    pub fn may_trigger(&self, language: Language, text: &str) -> bool {
        let families = match language.ecosystem() {
            Ecosystem::Js => &self.js,
            Ecosystem::Python => &self.python,
            Ecosystem::Rust => &self.rust,
        };
        families.iter().any(|family| family.passes(text))
    }
}

impl FamilyFilter {
    fn passes(&self, text: &str) -> bool {
        match self {
            FamilyFilter::Always => true,
            FamilyFilter::Groups(groups) => groups.iter().all(|group| group.passes(text)),
        }
    }
}

impl LiteralGroup {
    /// The group of every pattern of these kinds.
    fn of(knowledge: &Knowledge, kinds: &[PatternKind]) -> LiteralGroup {
        let mut literals = BTreeSet::new();
        for pattern in kinds.iter().flat_map(|&kind| knowledge.patterns(kind)) {
            match pattern.required_literals() {
                Some(required) => literals.extend(required.iter().cloned()),
                None => return LiteralGroup { automaton: None },
            }
        }
        // A group without patterns can never be satisfied: an empty automaton
        // matches nothing. An automaton that cannot be built filters nothing.
        match AhoCorasick::new(&literals) {
            Ok(automaton) => LiteralGroup {
                automaton: Some(automaton),
            },
            Err(_) => LiteralGroup { automaton: None },
        }
    }

    fn passes(&self, text: &str) -> bool {
        self.automaton
            .as_ref()
            .is_none_or(|automaton| automaton.is_match(text))
    }
}

/// The literal requirement of a rule family, from the knowledge its rules
/// consult before they can report anything.
fn family_filter(family: Class, knowledge: &Knowledge) -> FamilyFilter {
    match family {
        // Both sequencing rules report a sink call (`Knowledge::sink`) that
        // runs inside a transaction: opened by a transaction opener (callback,
        // `with`, decorator or begin-style handle), a raw-SQL `BEGIN`, or a
        // write on an implicit session.
        Class::Sequencing => FamilyFilter::Groups(vec![
            LiteralGroup::of(knowledge, &[PatternKind::Sinks]),
            LiteralGroup::of(
                knowledge,
                &[
                    PatternKind::Transactions,
                    PatternKind::SqlBegins,
                    PatternKind::ImplicitSessions,
                ],
            ),
        ]),
        // Families whose triggers are not described here are never skipped.
        _ => FamilyFilter::Always,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefilter(config: &str) -> Prefilter {
        Prefilter::new(&Config::parse(config, ".handoff.yml").expect("valid config"))
    }

    #[test]
    fn file_with_a_transaction_and_a_sink_is_parsed() {
        let text = "await db.transaction(async (trx) => { await eventBus.publish('x', {}); });";
        assert!(prefilter("").may_trigger(Language::TypeScript, text));
    }

    #[test]
    fn file_without_any_transaction_literal_is_skipped() {
        let text = "export function Card() { return fetch('/api/orders').then((r) => r.json()); }";
        assert!(!prefilter("").may_trigger(Language::Tsx, text));
    }

    #[test]
    fn file_without_any_sink_literal_is_skipped() {
        let text = "def close(order):\n    with transaction.atomic():\n        order.save()\n";
        assert!(!prefilter("").may_trigger(Language::Python, text));
    }

    #[test]
    fn user_knowledge_extends_the_literals() {
        let text = "fn ship(c: &mut Conn) { c.transaction(|t| { notifier.announce(1); Ok(()) }) }";
        assert!(!prefilter("").may_trigger(Language::Rust, text));
        let config = "knowledge:\n  rust:\n    sinks:\n      - calls: [\"**.announce\"]\n        kind: event\n        label: our bus\n";
        assert!(prefilter(config).may_trigger(Language::Rust, text));
    }

    #[test]
    fn pattern_without_literal_disables_the_filter() {
        let config = "knowledge:\n  js:\n    sinks:\n      - calls: [\"**\"]\n        kind: event\n        label: anything\n";
        let text = "await db.transaction(async () => { await anything(); });";
        assert!(prefilter(config).may_trigger(Language::JavaScript, text));
    }

    #[test]
    fn disabled_rules_filter_everything() {
        let config = "rules:\n  sequencing/side-effect-in-transaction:\n    enabled: false\n  sequencing/side-effect-before-commit:\n    enabled: false\n";
        let text = "await db.transaction(async () => { await bus.publish('x'); });";
        let filter = prefilter(config);
        let expected = all_rules()
            .iter()
            .any(|rule| rule.class() != Class::Sequencing);
        assert_eq!(filter.may_trigger(Language::JavaScript, text), expected);
    }
}
