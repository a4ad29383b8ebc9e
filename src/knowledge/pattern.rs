//! Call patterns: globs over normalised callee paths.
//!
//! A pattern is written with `.` between segments, like the callee it matches:
//! `eventBus.publish`, `**.publish` (any receiver), `stripe.*.create` (`*` stays
//! within one segment), `client.{post,put}().**.send` (alternatives, and `**`
//! for any number of segments, including none).

use globset::{Glob, GlobBuilder, GlobMatcher};

/// A compiled callee pattern.
#[derive(Debug, Clone)]
pub struct CallPattern {
    source: String,
    matcher: GlobMatcher,
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
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether a normalised callee path matches.
    pub fn matches(&self, callee: &str) -> bool {
        self.matcher.is_match(to_slashes(callee).as_ref() as &str)
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
}

impl PatternSet {
    /// Compile every pattern; the error names the first bad one.
    pub fn new<'a>(
        patterns: impl IntoIterator<Item = &'a String>,
    ) -> Result<PatternSet, (String, String)> {
        let patterns = patterns
            .into_iter()
            .map(|p| CallPattern::new(p).map_err(|e| (p.clone(), e)))
            .collect::<Result<_, _>>()?;
        Ok(PatternSet { patterns })
    }

    /// Add the patterns of another set.
    pub fn extend(&mut self, other: PatternSet) {
        self.patterns.extend(other.patterns);
    }

    /// Whether any pattern matches.
    pub fn matches(&self, callee: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(callee))
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
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
