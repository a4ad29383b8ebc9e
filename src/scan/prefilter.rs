//! The literal prefilter of whole-repository scans (`handoff scan --all-files`).
//!
//! A rule can only fire on calls that match knowledge patterns, and frontends
//! record callee segments as written, so a file whose text lacks the literals
//! a rule needs cannot produce a finding of that rule: it is not parsed. The
//! literal sets are computed from the compiled knowledge (built-in packs plus
//! `.handoff.yml`), per ecosystem and per rule, grouped by rule family, and
//! are conservative:
//!
//! - a rule's requirement is a list of groups of knowledge kinds; a file passes
//!   when, for every group, it contains a required literal of one of the
//!   group's patterns ([`crate::knowledge::CallPattern::required_literals`]),
//!   as a whole identifier when the literal is a whole callee segment (`ky`
//!   matches `ky.post(..)`, not `key`);
//! - a pattern without a required literal (`**`) makes its group pass every file;
//! - a rule this module does not describe (a new family) is never filtered.
//!
//! A file is parsed when it passes the requirement of any enabled rule.

use crate::config::Config;
use crate::knowledge::{Knowledge, PatternKind};
use crate::model::{Ecosystem, Language};
use crate::rules::all_rules;
use aho_corasick::AhoCorasick;
use std::collections::BTreeMap;

/// Which files may trigger an enabled rule, judged by their text alone.
#[derive(Debug, Clone)]
pub struct Prefilter {
    js: EcosystemFilter,
    python: EcosystemFilter,
    rust: EcosystemFilter,
}

/// The requirements of the enabled rules in one ecosystem.
#[derive(Debug, Clone)]
struct EcosystemFilter {
    /// The distinct literal groups (rules share them: five need a sink).
    groups: Vec<LiteralGroup>,
    /// Per enabled rule: the groups a file must pass, or `None` when the rule
    /// is not described here and every file may trigger it.
    requirements: Vec<Option<Vec<usize>>>,
}

/// Patterns one of which a file must be able to contain a call of: all of
/// its literal sets present. No automaton means any file passes.
#[derive(Debug, Clone)]
struct LiteralGroup {
    automaton: Option<AhoCorasick>,
    /// Per literal (the automaton's pattern id): whether no identifier
    /// character may precede it, and follow it.
    bounds: Vec<(bool, bool)>,
    /// Per knowledge pattern: its literal sets, as literal ids.
    patterns: Vec<Vec<Vec<usize>>>,
    /// Per literal: the patterns that require it.
    users: Vec<Vec<usize>>,
}

/// What a group is made of: knowledge patterns of some kinds, and whether the
/// object keys of consumer registrations count.
#[derive(PartialEq, Eq)]
struct GroupSpec {
    kinds: &'static [PatternKind],
    consumer_option_keys: bool,
}

const SINKS: GroupSpec = GroupSpec {
    kinds: &[PatternKind::Sinks],
    consumer_option_keys: false,
};

/// The requirement of each rule this module knows, by rule id: what the rule
/// consults in the knowledge before it can report anything.
fn requirement_groups(rule: &str) -> Option<Vec<GroupSpec>> {
    let groups = match rule {
        // A sink called inside a transaction opener's scope.
        "sequencing/side-effect-in-transaction" => vec![
            SINKS,
            GroupSpec {
                kinds: &[PatternKind::Transactions],
                consumer_option_keys: false,
            },
        ],
        // A sink between a begin (an opener used as a handle, raw-SQL
        // `BEGIN`, a session write) and a commit.
        "sequencing/side-effect-before-commit" => vec![
            SINKS,
            GroupSpec {
                kinds: &[
                    PatternKind::Transactions,
                    PatternKind::SqlBegins,
                    PatternKind::ImplicitSessions,
                ],
                consumer_option_keys: false,
            },
            GroupSpec {
                kinds: &[PatternKind::Commits],
                consumer_option_keys: false,
            },
        ],
        // Each reports a sink whose failure or result is lost.
        "rejection/swallowed-error"
        | "rejection/unchecked-response"
        | "rejection/fire-and-forget" => vec![SINKS],
        // A guard that returns early from a message consumer or a job.
        "rejection/silent-skip" => vec![GroupSpec {
            kinds: &[PatternKind::ConsumerHandlers],
            consumer_option_keys: true,
        }],
        // An effect (a sink, or a write through a retrying client) that runs
        // again.
        "idempotency/retry-without-key" => vec![GroupSpec {
            kinds: &[PatternKind::Sinks, PatternKind::RetryClients],
            consumer_option_keys: false,
        }],
        // ... in a consumer or a job.
        "idempotency/consumer-not-idempotent" => vec![
            GroupSpec {
                kinds: &[PatternKind::Sinks, PatternKind::RetryClients],
                consumer_option_keys: false,
            },
            GroupSpec {
                kinds: &[PatternKind::ConsumerHandlers],
                consumer_option_keys: true,
            },
        ],
        // An effect, or a key made by a generator, per attempt.
        "idempotency/key-regenerated-per-attempt" => vec![GroupSpec {
            kinds: &[
                PatternKind::Sinks,
                PatternKind::RetryClients,
                PatternKind::KeyGenerators,
            ],
            consumer_option_keys: false,
        }],
        _ => return None,
    };
    Some(groups)
}

impl Prefilter {
    /// The prefilter for the rules a configuration enables, over its knowledge.
    pub fn new(config: &Config) -> Prefilter {
        // Repository rules (contract drift) compare a base with a head: a
        // whole-repository scan has no base, runs no such rule and parses no
        // file for one.
        let rules: Vec<&str> = all_rules()
            .iter()
            .filter(|rule| rule.repository().is_none())
            .map(|rule| rule.id().as_str())
            .filter(|id| config.rule_enabled(id))
            .collect();
        let filter = |ecosystem: Ecosystem| -> EcosystemFilter {
            let knowledge = config.knowledge.for_ecosystem(ecosystem);
            let mut specs: Vec<GroupSpec> = Vec::new();
            let mut groups = Vec::new();
            let requirements = rules
                .iter()
                .map(|rule| {
                    let needed = requirement_groups(rule)?;
                    Some(
                        needed
                            .into_iter()
                            .map(|spec| match specs.iter().position(|s| *s == spec) {
                                Some(index) => index,
                                None => {
                                    groups.push(LiteralGroup::of(knowledge, &spec));
                                    specs.push(spec);
                                    groups.len() - 1
                                }
                            })
                            .collect(),
                    )
                })
                .collect();
            EcosystemFilter {
                groups,
                requirements,
            }
        };
        Prefilter {
            js: filter(Ecosystem::Js),
            python: filter(Ecosystem::Python),
            rust: filter(Ecosystem::Rust),
        }
    }

    /// Whether a file of `language` with this text may produce a finding of an
    /// enabled rule (and so must be parsed).
    pub fn may_trigger(&self, language: Language, text: &str) -> bool {
        let filter = match language.ecosystem() {
            Ecosystem::Js => &self.js,
            Ecosystem::Python => &self.python,
            Ecosystem::Rust => &self.rust,
        };
        // Each group is scanned for at most once.
        let mut passed: Vec<Option<bool>> = vec![None; filter.groups.len()];
        filter.requirements.iter().any(|requirement| {
            requirement.as_ref().is_none_or(|groups| {
                groups.iter().all(|&index| {
                    *passed[index].get_or_insert_with(|| filter.groups[index].passes(text))
                })
            })
        })
    }
}

impl LiteralGroup {
    fn of(knowledge: &Knowledge, spec: &GroupSpec) -> LiteralGroup {
        let any_file = LiteralGroup {
            automaton: None,
            bounds: Vec::new(),
            patterns: Vec::new(),
            users: Vec::new(),
        };
        // Literal text → (id, its bounds: only those every pattern requiring
        // it agrees on).
        let mut ids: BTreeMap<String, (usize, (bool, bool))> = BTreeMap::new();
        let mut id_of = |text: &str, starts: bool, ends: bool| {
            let next = ids.len();
            let entry = ids.entry(text.to_string()).or_insert((next, (true, true)));
            entry.1 = (entry.1.0 && starts, entry.1.1 && ends);
            entry.0
        };
        let mut patterns = Vec::new();
        for pattern in spec.kinds.iter().flat_map(|&kind| knowledge.patterns(kind)) {
            let sets = pattern.required_literal_sets();
            if sets.is_empty() {
                return any_file;
            }
            patterns.push(
                sets.iter()
                    .map(|set| {
                        set.iter()
                            .map(|l| id_of(&l.text, l.starts, l.ends))
                            .collect()
                    })
                    .collect(),
            );
        }
        if spec.consumer_option_keys {
            for key in knowledge.consumer_option_keys() {
                if key.is_empty() {
                    return any_file;
                }
                patterns.push(vec![vec![id_of(key, true, true)]]);
            }
        }
        let mut literals: Vec<(usize, String, (bool, bool))> = ids
            .into_iter()
            .map(|(text, (id, bounds))| (id, text, bounds))
            .collect();
        literals.sort();
        // A group without patterns can never be satisfied: an empty automaton
        // matches nothing. An automaton that cannot be built filters nothing.
        match AhoCorasick::new(literals.iter().map(|(_, text, _)| text)) {
            Ok(automaton) => {
                let mut users = vec![Vec::new(); literals.len()];
                for (index, sets) in patterns.iter().enumerate() {
                    for &id in sets.iter().flatten() {
                        if let Some(list) = users.get_mut(id) {
                            list.push(index);
                        }
                    }
                }
                LiteralGroup {
                    automaton: Some(automaton),
                    bounds: literals.iter().map(|(_, _, bounds)| *bounds).collect(),
                    patterns,
                    users,
                }
            }
            Err(_) => any_file,
        }
    }

    fn passes(&self, text: &str) -> bool {
        let Some(automaton) = &self.automaton else {
            return true;
        };
        let bytes = text.as_bytes();
        let identifier = |at: Option<&u8>| {
            at.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80)
        };
        let mut present = vec![false; self.bounds.len()];
        let satisfied = |pattern: usize, present: &[bool]| {
            self.patterns.get(pattern).is_some_and(|sets| {
                sets.iter().all(|set| {
                    set.iter()
                        .any(|&id| present.get(id).copied().unwrap_or(false))
                })
            })
        };
        for found in automaton.find_overlapping_iter(text) {
            let id = found.pattern().as_usize();
            if present.get(id).copied().unwrap_or(true) {
                continue;
            }
            let (starts, ends) = self.bounds.get(id).copied().unwrap_or((false, false));
            let before = found.start().checked_sub(1).and_then(|i| bytes.get(i));
            if (starts && identifier(before)) || (ends && identifier(bytes.get(found.end()))) {
                continue;
            }
            present[id] = true;
            // Stop at the first pattern whose literals are all there.
            if self
                .users
                .get(id)
                .is_some_and(|users| users.iter().any(|&p| satisfied(p, &present)))
            {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Class;

    fn prefilter(config: &str) -> Prefilter {
        Prefilter::new(&Config::parse(config, ".handoff.yml").expect("valid config"))
    }

    #[test]
    fn file_with_a_transaction_and_a_sink_is_parsed() {
        let text = "await db.transaction(async (trx) => { await eventBus.publish('x', {}); });";
        assert!(prefilter("").may_trigger(Language::TypeScript, text));
    }

    #[test]
    fn file_without_any_knowledge_literal_is_skipped() {
        let text = "export function Total({ cents }) { return <b>{(cents / 100).toFixed(2)}</b>; }";
        assert!(!prefilter("").may_trigger(Language::Tsx, text));
    }

    #[test]
    fn a_sink_alone_can_trigger_the_rejection_and_idempotency_rules() {
        let text = "export function Card() { fetch('/api/orders', { method: 'POST' }); }";
        assert!(prefilter("").may_trigger(Language::Tsx, text));
        let mut config = String::from("rules:\n");
        for rule in all_rules()
            .iter()
            .filter(|r| r.class() != Class::Sequencing)
        {
            config.push_str(&format!("  {}:\n    enabled: false\n", rule.id()));
        }
        assert!(!prefilter(&config).may_trigger(Language::Tsx, text));
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
        let mut config = String::from("rules:\n");
        for rule in all_rules() {
            config.push_str(&format!("  {}:\n    enabled: false\n", rule.id()));
        }
        let text = "await db.transaction(async () => { await bus.publish('x'); });";
        assert!(!prefilter(&config).may_trigger(Language::JavaScript, text));
    }

    #[test]
    fn whole_segment_literals_must_be_whole_identifiers() {
        // `ky` (the HTTP client) is a sink only as a whole identifier.
        let config = "rules:\n  sequencing/side-effect-before-commit:\n    enabled: false\n";
        let filter = prefilter(config);
        let key =
            "async function f(db, key) { await db.transaction(async () => { monkey(key); }); }";
        let ky =
            "async function f(db, x) { await db.transaction(async () => { await ky.post(x); }); }";
        assert!(!filter.may_trigger(Language::JavaScript, key));
        assert!(filter.may_trigger(Language::JavaScript, ky));
    }

    #[test]
    fn every_described_rule_exists() {
        let ids: Vec<&str> = all_rules().iter().map(|r| r.id().as_str()).collect();
        for rule in [
            "sequencing/side-effect-in-transaction",
            "sequencing/side-effect-before-commit",
            "rejection/swallowed-error",
            "rejection/unchecked-response",
            "rejection/fire-and-forget",
            "rejection/silent-skip",
            "idempotency/retry-without-key",
            "idempotency/consumer-not-idempotent",
            "idempotency/key-regenerated-per-attempt",
        ] {
            assert!(
                ids.contains(&rule),
                "{rule} is described but not registered"
            );
        }
    }
}
