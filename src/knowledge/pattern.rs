//! Call patterns: globs over normalised callee paths.
//!
//! A pattern is written with `.` between segments, like the callee it matches:
//! `eventBus.publish`, `**.publish` (any receiver), `stripe.*.create` (`*` stays
//! within one segment), `client.{post,put}().**.send` (alternatives, and `**`
//! for any number of segments, including none).

use globset::{Glob, GlobBuilder, GlobMatcher};
use std::collections::HashSet;
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
    required: Option<Vec<String>>,
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
        Ok(CallPattern {
            source: pattern.to_string(),
            glob,
            matcher: OnceLock::new(),
            required: required_literals(pattern),
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
                .any(|literal| callee.contains(literal.as_str()))
        {
            return false;
        }
        self.matcher
            .get_or_init(|| self.glob.compile_matcher())
            .is_match(to_slashes(callee).as_ref() as &str)
    }

    /// Identifier texts one of which every callee this pattern matches
    /// contains, verbatim: `["publish"]` for `**.publish`, `["post", "put"]`
    /// for `**.{post,put}().**.send`, `["roducer"]` for `**.*[pP]roducer.send`.
    /// `None` when the pattern requires no identifier text (`**`, `*.*`).
    ///
    /// Frontends record callee segments as written in the source, so a file
    /// whose text contains none of these cannot contain a matching call: this
    /// is what literal prefilters are built from.
    pub fn required_literals(&self) -> Option<&[String]> {
        self.required.as_deref()
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// Any of several patterns.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    patterns: Vec<CallPattern>,
    /// Every possible last segment, when every pattern's is literal: one
    /// lookup rejects most callees for the whole set.
    lasts: Option<HashSet<String>>,
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
            .map(|lasts| lasts.into_iter().flatten().cloned().collect());
        Ok(PatternSet { patterns, lasts })
    }

    /// Add the patterns of another set.
    pub fn extend(&mut self, other: PatternSet) {
        self.lasts = match (self.lasts.take(), other.lasts) {
            // An empty set constrains nothing it is merged with.
            (Some(mine), Some(theirs)) => Some(mine.into_iter().chain(theirs).collect()),
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

/// Whether a character can be part of an identifier in a callee (`$` for
/// JavaScript's `$transaction`).
fn is_identifier_char(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_' || ch == '$'
}

/// The best set of literals one of which every match of `pattern` contains
/// (see [`CallPattern::required_literals`]): the candidate whose shortest
/// literal is longest, so that it rejects the most.
fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let mut candidates: Vec<Vec<String>> = Vec::new();
    let mut run = String::new();
    let mut chars = pattern.chars().peekable();
    let flush = |run: &mut String, candidates: &mut Vec<Vec<String>>| {
        if !run.is_empty() {
            candidates.push(vec![std::mem::take(run)]);
        }
    };
    while let Some(ch) = chars.next() {
        match ch {
            '[' => {
                flush(&mut run, &mut candidates);
                // A class matches one unknown character: skip to its end
                // (a `]` right after `[` or `[!` is a member, not the end).
                let mut first = true;
                for inner in chars.by_ref() {
                    if inner == ']' && !first {
                        break;
                    }
                    first = inner == '!' && first;
                }
            }
            '{' => {
                flush(&mut run, &mut candidates);
                let mut depth = 1;
                let mut body = String::new();
                for inner in chars.by_ref() {
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
                }
                let alternatives: Option<Vec<Vec<String>>> = split_alternatives(&body)
                    .into_iter()
                    .map(required_literals)
                    .collect();
                if let Some(alternatives) = alternatives {
                    let mut union: Vec<String> = alternatives.into_iter().flatten().collect();
                    union.sort();
                    union.dedup();
                    candidates.push(union);
                }
            }
            '\\' => {
                // An escaped character is literal, but rare enough in call
                // patterns that ending the run here costs nothing.
                flush(&mut run, &mut candidates);
                chars.next();
            }
            ch if is_identifier_char(ch) => run.push(ch),
            _ => flush(&mut run, &mut candidates),
        }
    }
    flush(&mut run, &mut candidates);
    candidates.into_iter().max_by_key(|candidate| {
        let shortest = candidate
            .iter()
            .map(|l| l.chars().count())
            .min()
            .unwrap_or(0);
        (shortest, std::cmp::Reverse(candidate.len()))
    })
}

/// The last segment of a callee (after its last `.` outside `()`/`[]`).
fn last_segment(callee: &str) -> &str {
    let mut depth = 0usize;
    for (index, ch) in callee.char_indices().rev() {
        match ch {
            ')' | ']' => depth += 1,
            '(' | '[' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => return &callee[index + 1..],
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
            .map(<[String]>::to_vec)
    }

    #[test]
    fn required_literal_is_the_longest_identifier_run() {
        assert_eq!(literals("**.publish"), Some(vec!["publish".to_string()]));
        assert_eq!(
            literals("**.*[pP]roducer.sendBatch"),
            Some(vec!["sendBatch".to_string()])
        );
        assert_eq!(
            literals("**.$transaction"),
            Some(vec!["$transaction".to_string()])
        );
        assert_eq!(literals("**.*[qQ]ueue.add"), Some(vec!["ueue".to_string()]));
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
