//! Which other files of the repository can matter to a change, told by the
//! literal text they must contain.
//!
//! Only what the change alters needs its counterparts found: the channels
//! of producers whose payload changed and of consumers whose reads changed,
//! and the names of declared types that changed. A file can only take part
//! by naming one of them — a topic as a string, a route path, a type name —
//! so those strings are the needles of a literal-text prefilter. Files found
//! that way widen the search once more: an untouched producer that sends a
//! changed type puts its topic in play, and a type that nests a changed type
//! puts its own name in play.

use super::channel::Channel;
use super::drift::{TouchedFile, same_declaration};
use super::endpoints::{
    Endpoints, SourceFile, endpoints, pair_consumers, pair_producers, same_payload, same_reads,
    type_name_of,
};
use crate::model::TypeDecl;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};

/// The shortest needle worth searching for (shorter ones match everything).
const MIN_NEEDLE: usize = 3;

/// What of a change the rest of the repository may take part in.
#[derive(Debug, Default)]
pub struct Relevance {
    channels: BTreeSet<Channel>,
    types: BTreeSet<String>,
    /// Literal → regular expressions that confirm a match of it.
    needles: BTreeMap<String, BTreeSet<String>>,
    /// What is known of the files taken into account so far.
    seen: Vec<Seen>,
}

/// The part of a file that can widen the search.
#[derive(Debug)]
struct Seen {
    endpoints: Endpoints,
    types: Vec<TypeDecl>,
    /// Found in the repository (rather than touched by the change).
    untouched: bool,
}

/// Needles: literal text, each with the patterns that confirm it.
pub type Needles = BTreeMap<String, BTreeSet<String>>;

impl Relevance {
    /// What the touched files change.
    pub fn of_change(touched: &[TouchedFile<'_>]) -> Relevance {
        let mut relevance = Relevance::default();
        let mut touched_heads = Vec::new();
        let mut head_found = Vec::new();
        for file in touched {
            let Some(head) = &file.head else {
                continue;
            };
            let head_endpoints = endpoints(head);
            let base_endpoints = file.base.as_ref().map(endpoints).unwrap_or_default();
            // A new producer changes nobody's expectations; a changed one may.
            let producer_pairs =
                pair_producers(&base_endpoints.producers, &head_endpoints.producers);
            for (producer, before) in head_endpoints.producers.iter().zip(producer_pairs) {
                if before.is_some_and(|b| !same_payload(b, producer)) {
                    relevance.add_channel(&producer.channel);
                    relevance.add_needle(producer.payload.type_name.as_deref());
                }
            }
            let consumer_pairs =
                pair_consumers(&base_endpoints.consumers, &head_endpoints.consumers);
            for (consumer, before) in head_endpoints.consumers.iter().zip(consumer_pairs) {
                if before.is_none_or(|b| !same_reads(b, consumer)) {
                    relevance.add_channel(&consumer.channel);
                    relevance.add_needle(consumer.type_name.as_deref());
                }
            }
            if let Some(base) = &file.base {
                for decl in &head.model.types {
                    let changed = base
                        .model
                        .types
                        .iter()
                        .find(|t| t.name == decl.name)
                        .is_some_and(|old| !same_declaration(old, decl));
                    if changed {
                        relevance.add_type(&decl.name);
                    }
                }
            }
            touched_heads.push(*head);
            head_found.push(head_endpoints);
        }
        relevance.absorb_found(&touched_heads, head_found, false);
        relevance
    }

    /// Whether the change alters no payload, no consumer's reads and no
    /// payload type: then there is no drift to find.
    pub fn changes_nothing(&self) -> bool {
        self.channels.is_empty() && self.types.is_empty()
    }

    /// The literal strings to search the repository for, each with the
    /// patterns that confirm a match.
    pub fn needles(&self) -> &Needles {
        &self.needles
    }

    /// Take the files found by the prefilter into account; returns the
    /// needles this adds. Their endpoints are kept (see [`Relevance::into_endpoints`]).
    pub fn widen(&mut self, files: &[SourceFile<'_>]) -> Needles {
        self.absorb(files, true)
    }

    /// The endpoints of the files given to [`Relevance::widen`], in order.
    pub fn into_endpoints(self) -> Vec<Endpoints> {
        self.seen
            .into_iter()
            .filter(|seen| seen.untouched)
            .map(|seen| seen.endpoints)
            .collect()
    }

    fn absorb(&mut self, files: &[SourceFile<'_>], untouched: bool) -> Needles {
        use rayon::prelude::*;
        let found: Vec<Endpoints> = files.par_iter().map(endpoints).collect();
        self.absorb_found(files, found, untouched)
    }

    /// [`Relevance::absorb`] with the files' endpoints already found.
    fn absorb_found(
        &mut self,
        files: &[SourceFile<'_>],
        found: Vec<Endpoints>,
        untouched: bool,
    ) -> Needles {
        let before = self.needles.clone();
        for (file, endpoints) in files.iter().zip(found) {
            self.seen.push(Seen {
                endpoints,
                types: file.model.types.clone(),
                untouched,
            });
        }
        self.spread_relevance();
        self.want_channel_payload_types();
        self.needles
            .iter()
            .filter_map(|(literal, patterns)| {
                let known = before.get(literal);
                let new: BTreeSet<String> = patterns
                    .iter()
                    .filter(|p| known.is_none_or(|k| !k.contains(*p)))
                    .cloned()
                    .collect();
                (!new.is_empty()).then(|| (literal.clone(), new))
            })
            .collect()
    }

    /// A type that nests a relevant type is relevant; so is every channel a
    /// relevant type travels on. Repeat while that adds something.
    fn spread_relevance(&mut self) {
        for _ in 0..4 {
            let size = (self.types.len(), self.channels.len());
            let mut new_types = Vec::new();
            let mut new_channels = Vec::new();
            for seen in &self.seen {
                for decl in &seen.types {
                    if !self.types.contains(&decl.name) && self.nests_relevant(decl) {
                        new_types.push(decl.name.clone());
                    }
                }
                let typed = seen
                    .endpoints
                    .producers
                    .iter()
                    .map(|p| (&p.channel, p.payload.type_name.as_deref()))
                    .chain(
                        seen.endpoints
                            .consumers
                            .iter()
                            .map(|c| (&c.channel, c.type_name.as_deref())),
                    );
                for (channel, type_name) in typed {
                    if type_name.is_some_and(|t| self.types.contains(t)) {
                        new_channels.push(channel.clone());
                    }
                }
            }
            for name in new_types {
                self.add_type(&name);
            }
            for channel in new_channels {
                self.add_channel(&channel);
            }
            if size == (self.types.len(), self.channels.len()) {
                break;
            }
        }
    }

    /// The payload types of whoever uses a relevant channel must be found to
    /// know what they send or read.
    fn want_channel_payload_types(&mut self) {
        let mut wanted = Vec::new();
        for seen in &self.seen {
            let producers = seen
                .endpoints
                .producers
                .iter()
                .filter(|p| self.channels.contains(&p.channel))
                .filter_map(|p| p.payload.type_name.clone());
            let consumers = seen
                .endpoints
                .consumers
                .iter()
                .filter(|c| self.channels.contains(&c.channel))
                .filter_map(|c| c.type_name.clone());
            wanted.extend(producers.chain(consumers));
        }
        for type_name in wanted {
            self.add_needle(Some(&type_name));
        }
    }

    fn nests_relevant(&self, decl: &TypeDecl) -> bool {
        decl.fields.iter().any(|field| {
            field
                .type_text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| self.types.contains(word))
        }) || decl
            .bases
            .iter()
            .filter_map(|b| type_name_of(b))
            .any(|b| self.types.contains(&b))
    }

    fn add_channel(&mut self, channel: &Channel) {
        if self.channels.insert(channel.clone()) {
            for (literal, pattern) in channel.needles() {
                self.add(literal, pattern);
            }
        }
    }

    fn add_type(&mut self, name: &str) {
        if self.types.insert(name.to_string()) {
            self.add_needle(Some(name));
        }
    }

    /// A type name, as a whole word.
    fn add_needle(&mut self, type_name: Option<&str>) {
        if let Some(name) = type_name {
            self.add(name.to_string(), format!(r"\b{}\b", regex::escape(name)));
        }
    }

    fn add(&mut self, literal: String, pattern: String) {
        if literal.len() >= MIN_NEEDLE {
            self.needles.entry(literal).or_default().insert(pattern);
        }
    }
}

/// A compiled search for needles: literal text first (one pass over the
/// text for all of them), then the confirming pattern of a literal found.
pub struct Prefilter {
    literals: AhoCorasick,
    confirms: Vec<Option<Regex>>,
}

impl Prefilter {
    /// Compile needles; `None` when there are none (or they do not compile).
    pub fn new(needles: &Needles) -> Option<Prefilter> {
        if needles.is_empty() {
            return None;
        }
        let literals = AhoCorasick::new(needles.keys()).ok()?;
        let confirms = needles
            .values()
            .map(|patterns| {
                let joined = patterns
                    .iter()
                    .map(|p| format!("(?:{p})"))
                    .collect::<Vec<_>>()
                    .join("|");
                Regex::new(&joined).ok()
            })
            .collect();
        Some(Prefilter { literals, confirms })
    }

    /// Whether the text contains a needle, confirmed.
    pub fn matches(&self, text: &str) -> bool {
        let mut checked = vec![false; self.confirms.len()];
        for found in self.literals.find_overlapping_iter(text) {
            let index = found.pattern().as_usize();
            if checked.get(index).copied().unwrap_or(true) {
                continue;
            }
            checked[index] = true;
            match self.confirms.get(index) {
                Some(Some(confirm)) if confirm.is_match(text) => return true,
                // A pattern that did not compile falls back to the literal.
                Some(None) => return true,
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_needles_match_whole_words_only() {
        let mut needles = Needles::new();
        needles
            .entry("OrderPaid".to_string())
            .or_default()
            .insert(r"\bOrderPaid\b".to_string());
        let prefilter = Prefilter::new(&needles).expect("needles compile");
        assert!(prefilter.matches("const e: OrderPaid = {}"));
        assert!(!prefilter.matches("const e: OrderPaidV2 = {}"));
        assert!(Prefilter::new(&Needles::new()).is_none());
    }
}
