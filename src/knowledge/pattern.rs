//! Call patterns: globs over normalised callee paths.
//!
//! A pattern is written with `.` between segments, like the callee it matches:
//! `eventBus.publish`, `**.publish` (any receiver), `stripe.*.create` (`*` stays
//! within one segment), `client.{post,put}().**.send` (alternatives, and `**`
//! for any number of segments, including none).

use globset::{Glob, GlobBuilder, GlobMatcher};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// A compiled callee pattern.
#[derive(Debug, Clone)]
pub struct CallPattern {
    source: String,
    glob: Glob,
    /// The glob's regex, compiled when a callee first passes the literal
    /// pre-check: most patterns of a pack never meet a candidate in a small
    /// change, and compiling them all would cost more than the scan.
    matcher: OnceLock<GlobMatcher>,
    /// Texts one of which every matching callee contains (see
    /// [`CallPattern::required_literals`]); `None` when the pattern requires none.
    required: Option<Vec<RequiredLiteral>>,
    /// Every set of literals a matching callee contains one of.
    required_sets: Vec<Vec<RequiredLiteral>>,
    /// The exact texts the callee's last segment can be, when the pattern's
    /// last segment is literal (`publish` for `**.publish`).
    last: Option<Vec<String>>,
}

impl CallPattern {
    /// Compile a pattern; the error is globset's message.
    pub fn new(pattern: &str) -> Result<CallPattern, String> {
        let glob: Glob = GlobBuilder::new(&to_slashes(pattern))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        let required_sets = required_literal_sets(pattern);
        Ok(CallPattern {
            source: pattern.to_string(),
            glob,
            matcher: OnceLock::new(),
            required: best_literal_set(&required_sets),
            required_sets,
            last: last_segment_alternatives(pattern),
        })
    }

    /// Whether a normalised callee path matches.
    pub fn matches(&self, callee: &str) -> bool {
        // Most calls share no literal with most patterns: comparing last
        // segments and a substring test reject them without building the
        // `/`-separated candidate or running the glob's regex (this is the
        // hot path of every rule).
        if let Some(last) = &self.last {
            let segment = last_segment(callee);
            if !last.iter().any(|literal| literal == segment) {
                return false;
            }
        }
        if let Some(required) = &self.required
            && !required
                .iter()
                .any(|literal| callee.contains(literal.text.as_str()))
        {
            return false;
        }
        self.matcher
            .get_or_init(|| self.glob.compile_matcher())
            .is_match(to_slashes(callee).as_ref() as &str)
    }

    /// Identifier texts one of which every callee this pattern matches
    /// contains, verbatim: `publish` (a whole segment) for `**.publish`,
    /// `capture` or `create` for `stripe.*.{create,capture}`, `roducer` (part
    /// of a segment) for `**.*[pP]roducer.produce`. `None` when the pattern
    /// requires no identifier text (`**`, `*.*`).
    ///
    /// Frontends record callee segments as written in the source, so a file
    /// whose text contains none of these cannot contain a matching call: this
    /// is what literal prefilters are built from.
    pub fn required_literals(&self) -> Option<&[RequiredLiteral]> {
        self.required.as_deref()
    }

    /// Every set of literals a matching callee contains one of, each as
    /// [`CallPattern::required_literals`] (which is the most selective of them):
    /// `[transaction]` and `[sale]` for `**.transaction.sale`. Empty when the
    /// pattern requires no identifier text.
    pub fn required_literal_sets(&self) -> &[Vec<RequiredLiteral>] {
        &self.required_sets
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// A text every match of a pattern contains (see
/// [`CallPattern::required_literals`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequiredLiteral {
    /// The identifier text.
    pub text: String,
    /// Whether it starts a segment of the callee, so an identifier of the
    /// source: no identifier character may precede it (`on` of `on*` in
    /// `onMessage`, not in `function`).
    pub starts: bool,
    /// Whether it ends a segment of the callee: no identifier character may
    /// follow it (`ky` in `ky.post(..)`, not in `key`).
    pub ends: bool,
}

impl RequiredLiteral {
    /// Whether it is a whole identifier of the source.
    pub fn whole(&self) -> bool {
        self.starts && self.ends
    }
}

/// Any of several patterns.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    patterns: Vec<CallPattern>,
    /// Every possible last segment, when every pattern's is literal: one
    /// lookup rejects most callees for the whole set.
    lasts: Option<LastSegments>,
}

impl PatternSet {
    /// Compile every pattern; the error names the first bad one.
    pub fn new<'a>(
        patterns: impl IntoIterator<Item = &'a String>,
    ) -> Result<PatternSet, (String, String)> {
        let patterns: Vec<CallPattern> = patterns
            .into_iter()
            .map(|p| CallPattern::new(p).map_err(|e| (p.clone(), e)))
            .collect::<Result<_, _>>()?;
        let lasts = patterns
            .iter()
            .map(|p| p.last.as_deref())
            .collect::<Option<Vec<&[String]>>>()
            .map(|lasts| LastSegments::new(lasts.into_iter().flatten().cloned()));
        Ok(PatternSet { patterns, lasts })
    }

    /// Add the patterns of another set.
    pub fn extend(&mut self, other: PatternSet) {
        self.lasts = match (self.lasts.take(), other.lasts) {
            // An empty set constrains nothing it is merged with.
            (Some(mine), Some(theirs)) => Some(LastSegments::new(
                mine.segments.into_iter().chain(theirs.segments),
            )),
            (mine, _) if other.patterns.is_empty() => mine,
            (_, theirs) if self.patterns.is_empty() => theirs,
            _ => None,
        };
        self.patterns.extend(other.patterns);
    }

    /// Whether any pattern matches.
    pub fn matches(&self, callee: &str) -> bool {
        if let Some(lasts) = &self.lasts
            && !lasts.contains(last_segment(callee))
        {
            return false;
        }
        self.patterns.iter().any(|p| p.matches(callee))
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &CallPattern> {
        self.patterns.iter()
    }
}

/// Which sets of a list may match a callee, looked up by the callee's last
/// segment: a knowledge list (sinks, transaction openers…) is tried only
/// where it can match, not set by set. The candidates come in list order, so
/// "the first set that matches" is unchanged.
#[derive(Debug, Clone, Default)]
pub struct SetIndex {
    /// Literal last segment → the sets that may end with it (with every
    /// set of `any_last`), ascending.
    by_last: HashMap<String, Vec<usize>, BuildHasherDefault<Fnv1a>>,
    /// The sets some pattern of which has no literal last segment.
    any_last: Vec<usize>,
}

impl SetIndex {
    /// Index `sets`, identified by their position.
    pub fn new<'a>(sets: impl IntoIterator<Item = &'a PatternSet>) -> SetIndex {
        let mut index = SetIndex::default();
        for (position, set) in sets.into_iter().enumerate() {
            match &set.lasts {
                Some(lasts) => {
                    for segment in &lasts.segments {
                        index
                            .by_last
                            .entry(segment.clone())
                            .or_default()
                            .push(position);
                    }
                }
                None => index.any_last.push(position),
            }
        }
        for positions in index.by_last.values_mut() {
            positions.extend(index.any_last.iter().copied());
            positions.sort_unstable();
            positions.dedup();
        }
        index
    }

    /// The positions of the sets that may match `callee`, ascending; no
    /// other set can.
    pub fn candidates(&self, callee: &str) -> &[usize] {
        self.by_last
            .get(last_segment(callee))
            .unwrap_or(&self.any_last)
    }
}

/// Whether a character can be part of an identifier in a callee (`$` for
/// JavaScript's `$transaction`).
fn is_identifier_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_' || ch == '$'
}

/// The best of [`required_literal_sets`] for a quick rejection: the set whose
/// shortest literal is longest (a whole identifier counts two characters more:
/// it rejects more).
fn best_literal_set(sets: &[Vec<RequiredLiteral>]) -> Option<Vec<RequiredLiteral>> {
    sets.iter()
        .max_by_key(|set| {
            let shortest = set
                .iter()
                .map(|l| l.text.chars().count() + usize::from(l.starts) + usize::from(l.ends))
                .min()
                .unwrap_or(0);
            (shortest, std::cmp::Reverse(set.len()))
        })
        .cloned()
}

/// Every set of literals a match of `pattern` must contain one of: one set per
/// identifier run (`transaction` and `sale` for `**.transaction.sale`), one
/// per alternation whose alternatives all require a literal.
fn required_literal_sets(pattern: &str) -> Vec<Vec<RequiredLiteral>> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut candidates: Vec<Vec<RequiredLiteral>> = Vec::new();
    let mut run = String::new();
    let mut run_bounded = true;
    let mut index = 0;
    while let Some(&ch) = chars.get(index) {
        match ch {
            '[' => {
                flush_run(&mut run, run_bounded, Some(&ch), &mut candidates);
                index = class_end(&chars, index);
            }
            '{' => {
                flush_run(&mut run, run_bounded, Some(&ch), &mut candidates);
                let opened_bounded = index == 0 || segment_boundary(chars.get(index - 1));
                let (body, close) = alternation_body(&chars, index);
                index = close;
                let closed_bounded = segment_boundary(chars.get(index + 1));
                candidates.extend(alternation_set(&body, opened_bounded, closed_bounded));
            }
            '\\' => {
                // An escaped character is literal, but rare enough in call
                // patterns that ending the run here costs nothing.
                flush_run(&mut run, run_bounded, Some(&ch), &mut candidates);
                index += 1;
            }
            ch if is_identifier_char(ch) => {
                if run.is_empty() {
                    run_bounded = index == 0 || segment_boundary(chars.get(index - 1));
                }
                run.push(ch);
            }
            _ => flush_run(&mut run, run_bounded, Some(&ch), &mut candidates),
        }
        index += 1;
    }
    flush_run(&mut run, run_bounded, None, &mut candidates);
    candidates
}

/// Whether a segment starts or ends in the callee at `at`: a literal run
/// between two of these is a whole identifier of the source.
fn segment_boundary(at: Option<&char>) -> bool {
    at.is_none_or(|ch| matches!(ch, '.' | '(' | ')'))
}

/// End the literal run before `next`, adding it as a set of its own.
fn flush_run(
    run: &mut String,
    bounded: bool,
    next: Option<&char>,
    out: &mut Vec<Vec<RequiredLiteral>>,
) {
    if !run.is_empty() {
        out.push(vec![RequiredLiteral {
            text: std::mem::take(run),
            starts: bounded,
            ends: segment_boundary(next),
        }]);
    }
}

/// The index of the `]` closing the class opened at `open` (the end of
/// `chars` if none). A class matches one unknown character; a `]` right after
/// `[` or `[!` is a member, not the end.
fn class_end(chars: &[char], open: usize) -> usize {
    let mut first = true;
    let mut index = open + 1;
    while let Some(&inner) = chars.get(index) {
        if inner == ']' && !first {
            break;
        }
        first = inner == '!' && first;
        index += 1;
    }
    index
}

/// The text inside the braces opened at `open`, and the index of the
/// matching `}` (the end of `chars` if none).
fn alternation_body(chars: &[char], open: usize) -> (String, usize) {
    let mut depth = 1;
    let mut body = String::new();
    let mut index = open + 1;
    while let Some(&inner) = chars.get(index) {
        match inner {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        body.push(inner);
        index += 1;
    }
    (body, index)
}

/// The literals an alternation requires one of: the best set of each
/// alternative together, or none when some alternative requires nothing.
fn alternation_set(
    body: &str,
    opened_bounded: bool,
    closed_bounded: bool,
) -> Option<Vec<RequiredLiteral>> {
    let alternatives: Vec<Vec<RequiredLiteral>> = split_alternatives(body)
        .into_iter()
        .map(|alternative| best_literal_set(&required_literal_sets(alternative)))
        .collect::<Option<_>>()?;
    let mut union: Vec<RequiredLiteral> = alternatives
        .into_iter()
        .flatten()
        .map(|literal| RequiredLiteral {
            starts: literal.starts && opened_bounded,
            ends: literal.ends && closed_bounded,
            text: literal.text,
        })
        .collect();
    union.sort();
    union.dedup();
    Some(union)
}

/// The possible last segments of a set's callees, with bit masks of their
/// lengths and first bytes: most callees are rejected by two bit tests, the
/// rest by one lookup (this runs for every call against every set).
#[derive(Debug, Clone, Default)]
struct LastSegments {
    segments: HashSet<String, BuildHasherDefault<Fnv1a>>,
    /// Bit `n` set when a segment is `n` bytes long (63: 63 or longer).
    lengths: u64,
    /// Bit `b` set when a segment starts with byte `b`.
    first_bytes: [u64; 4],
}

impl LastSegments {
    fn new(segments: impl IntoIterator<Item = String>) -> LastSegments {
        let mut lasts = LastSegments::default();
        for segment in segments {
            lasts.lengths |= 1 << segment.len().min(63);
            if let Some(&first) = segment.as_bytes().first() {
                lasts.first_bytes[usize::from(first >> 6)] |= 1 << (first & 63);
            }
            lasts.segments.insert(segment);
        }
        lasts
    }

    fn contains(&self, segment: &str) -> bool {
        let Some(&first) = segment.as_bytes().first() else {
            return self.segments.contains(segment);
        };
        self.lengths & (1 << segment.len().min(63)) != 0
            && self.first_bytes[usize::from(first >> 6)] & (1 << (first & 63)) != 0
            && self.segments.contains(segment)
    }
}

/// FNV-1a: segments are a few bytes long, where SipHash's setup dominates.
#[derive(Debug, Clone, Copy)]
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The last segment of a callee (after its last `.` outside `()`/`[]`).
///
/// One backward pass over the bytes (the delimiters are ASCII): this runs for
/// every call against every pattern set.
fn last_segment(callee: &str) -> &str {
    let bytes = callee.as_bytes();
    let mut depth = 0usize;
    let mut index = bytes.len();
    while index > 0 {
        index -= 1;
        match bytes[index] {
            b')' | b']' => depth += 1,
            b'(' | b'[' => depth = depth.saturating_sub(1),
            b'.' if depth == 0 => return callee.get(index + 1..).unwrap_or(callee),
            _ => {}
        }
    }
    callee
}

/// The exact texts a matching callee's last segment can be, when the
/// pattern's last segment is a literal (`send`, `post()`) or an alternation of
/// literals (`{create,capture}`, `{post,put}()`); `None` otherwise.
fn last_segment_alternatives(pattern: &str) -> Option<Vec<String>> {
    let mut depth = 0usize;
    let mut start = 0;
    for (index, ch) in pattern.char_indices() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => start = index + 1,
            _ => {}
        }
    }
    let segment = &pattern[start..];
    let literal = |text: &str| !text.contains(['*', '?', '[', ']', '{', '}', '\\', ',', '/']);
    if literal(segment) {
        return (!segment.is_empty()).then(|| vec![segment.to_string()]);
    }
    let body_and_suffix = segment.strip_prefix('{')?;
    let close = body_and_suffix.find('}')?;
    let (body, suffix) = (&body_and_suffix[..close], &body_and_suffix[close + 1..]);
    let alternatives: Vec<&str> = body.split(',').collect();
    // A `.` inside an alternative separates segments too (`{Checkout.Session,Charge}`).
    (literal(suffix)
        && alternatives
            .iter()
            .all(|a| !a.is_empty() && literal(a) && !a.contains('.')))
    .then(|| {
        alternatives
            .iter()
            .map(|a| format!("{a}{suffix}"))
            .collect()
    })
}

/// The alternatives of a `{a,b}` body, split at top-level commas.
fn split_alternatives(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (index, ch) in body.char_indices() {
        match ch {
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&body[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

/// Segments are separated by `.` outside `()`/`[]`, so that a dot inside a
/// kept argument never splits a segment. Only the separators become `/`.
fn to_slashes(path: &str) -> std::borrow::Cow<'_, str> {
    if !path.contains('.') {
        return path.into();
    }
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for ch in path.chars() {
        match ch {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(if ch == '.' && depth == 0 { '/' } else { ch });
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, callee: &str) -> bool {
        CallPattern::new(pattern)
            .expect("valid pattern")
            .matches(callee)
    }

    #[test]
    fn double_star_matches_any_receiver_or_none() {
        assert!(matches("**.publish", "eventBus.publish"));
        assert!(matches("**.publish", "this.bus.publish"));
        assert!(matches("**.publish", "publish"));
        assert!(!matches("**.publish", "eventBus.publishLater"));
    }

    #[test]
    fn single_star_stays_within_a_segment() {
        assert!(matches("stripe.*.create", "stripe.charges.create"));
        assert!(!matches("stripe.*.create", "stripe.a.b.create"));
        assert!(matches("**.*Queue.add", "this.emailQueue.add"));
    }

    fn literals(pattern: &str) -> Option<Vec<String>> {
        CallPattern::new(pattern)
            .expect("valid pattern")
            .required_literals()
            .map(|required| required.iter().map(|l| l.text.clone()).collect())
    }

    fn whole(pattern: &str) -> Vec<bool> {
        CallPattern::new(pattern)
            .expect("valid pattern")
            .required_literals()
            .map(|required| required.iter().map(RequiredLiteral::whole).collect())
            .unwrap_or_default()
    }

    #[test]
    fn whole_segments_are_whole_identifiers() {
        assert_eq!(whole("ky"), [true]);
        assert_eq!(whole("**.publish"), [true]);
        assert_eq!(whole("**.{post,put}().**.send"), [true]);
        assert_eq!(whole("**.*.{create,capture}"), [true, true]);
        assert_eq!(whole("**.*[qQ]ueue.addBulk"), [true]);
        assert_eq!(whole("**.*[qQ]ueue.*"), [false]);
        assert_eq!(whole("handle_*_event"), [false]);
        let on = CallPattern::new("on*").expect("valid pattern");
        let required = on.required_literals().expect("a literal");
        assert!(required[0].starts && !required[0].ends);
        assert_eq!(whole("**.x{Post,Put}"), [false, false]);
    }

    #[test]
    fn required_literal_is_the_longest_identifier_run() {
        assert_eq!(literals("**.publish"), Some(vec!["publish".to_string()]));
        assert_eq!(
            literals("**.*[pP]roducer.sendBatch"),
            Some(vec!["sendBatch".to_string()])
        );
        assert_eq!(
            literals("**.*[pP]roducer.produce"),
            Some(vec!["produce".to_string()])
        );
        assert_eq!(
            literals("**.$transaction"),
            Some(vec!["$transaction".to_string()])
        );
        assert_eq!(literals("**.*[qQ]ueue.add"), Some(vec!["add".to_string()]));
        assert_eq!(
            literals("**.*[pP]roducer.send"),
            Some(vec!["roducer".to_string()])
        );
    }

    #[test]
    fn alternatives_require_one_of_their_literals() {
        assert_eq!(
            literals("**.{post,put}().**.send"),
            Some(vec!["send".to_string()])
        );
        assert_eq!(
            literals("{PaymentIntent,Charge}.{create,capture}"),
            Some(vec!["capture".to_string(), "create".to_string()])
        );
        assert_eq!(
            literals("requests.{post,patch,delete}"),
            Some(vec!["requests".to_string()])
        );
    }

    #[test]
    fn every_run_of_a_pattern_is_required() {
        let sets = |pattern: &str| -> Vec<Vec<String>> {
            CallPattern::new(pattern)
                .expect("valid pattern")
                .required_literal_sets()
                .iter()
                .map(|set| set.iter().map(|l| l.text.clone()).collect())
                .collect()
        };
        assert_eq!(sets("**.transaction.sale"), [["transaction"], ["sale"]]);
        assert_eq!(
            sets("**.{post,put}().**.send"),
            [vec!["post", "put"], vec!["send"]]
        );
        assert!(sets("**.*").is_empty());
    }

    #[test]
    fn patterns_of_wildcards_require_nothing() {
        assert_eq!(literals("**"), None);
        assert_eq!(literals("*.*"), None);
        assert_eq!(literals("{*,**}"), None);
    }

    #[test]
    fn literal_precheck_never_changes_a_match() {
        for (pattern, callee) in [
            ("**.*[pP]roducer.send", "this.kafkaProducer.send"),
            ("**.{post,put}().**.send", "client.put().json().send"),
            ("stripe.*.{create,capture}", "stripe.paymentIntents.capture"),
            ("**.*Outbox*.**", "trx.OrderOutbox.insert"),
        ] {
            assert!(matches(pattern, callee), "{pattern} should match {callee}");
        }
        assert!(!matches("**.*[pP]roducer.send", "this.consumer.send"));
    }

    #[test]
    fn last_segments_are_literal_only_when_the_pattern_says_so() {
        let last = |pattern: &str| last_segment_alternatives(pattern);
        assert_eq!(last("**.publish"), Some(vec!["publish".to_string()]));
        assert_eq!(
            last("stripe.*.{create,capture}"),
            Some(vec!["create".to_string(), "capture".to_string()])
        );
        assert_eq!(
            last("**.{post,put}()"),
            Some(vec!["post()".to_string(), "put()".to_string()])
        );
        assert_eq!(last("**.*Outbox*"), None);
        assert_eq!(last("**.outbox.**"), None);
        assert_eq!(last("{a.b,c}"), None);
        assert_eq!(last_segment("client.post().json().send"), "send");
        assert_eq!(last_segment("a[x.y].b(c.d)"), "b(c.d)");
        assert_eq!(last_segment("fetch"), "fetch");
    }

    #[test]
    fn merged_sets_keep_every_pattern_matching() {
        let set = |patterns: &[&str]| {
            let owned: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
            PatternSet::new(&owned).expect("valid patterns")
        };
        let mut merged = PatternSet::default();
        merged.extend(set(&["**.publish"]));
        merged.extend(set(&["**.{post,put}().**.send"]));
        assert!(merged.matches("bus.publish") && merged.matches("client.post().send"));
        assert!(!merged.matches("bus.subscribe"));
        merged.extend(set(&["**.*Outbox*"]));
        assert!(merged.matches("trx.OrderOutbox"));
        assert!(merged.matches("bus.publish"));
    }

    #[test]
    fn chains_match_with_parentheses_kept() {
        assert!(matches(
            "**.{post,put}().**.send",
            "client.post().json().send"
        ));
        assert!(matches("**.{post,put}().**.send", "client.put().send"));
        assert!(!matches("**.{post,put}().**.send", "client.get().send"));
        assert!(matches("**.$transaction", "prisma.$transaction"));
    }
}
