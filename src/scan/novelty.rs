//! Which head findings the change introduced: new means the change
//! introduced the risk, not that a fingerprinted line was edited.
//!
//! A head finding is *new* when
//! - the base version has no equivalent finding: the same rule and the same
//!   risk (the trigger's [`risk_shape`], argument values left out) in the same
//!   enclosing function — or, for code moved between functions or a renamed
//!   function, in any function of the file; and
//! - the change touched the finding's span, a related span in its file, or the
//!   function around it, pure deletions included: deleting the
//!   `raise_for_status()` below a call touches no line of the call, yet it is
//!   what introduces the risk.
//!
//! So an unchecked call whose argument was edited stays *existing*, and a
//! call whose safeguard was deleted becomes *new*. The fingerprint (the exact
//! trigger code) keeps its meaning; this identity only decides new versus
//! existing.

use super::Status;
use crate::diff::ChangedFile;
use crate::flow::functions_around;
use crate::model::FileModel;
use crate::rules::RawFinding;
use std::collections::HashMap;

/// How the change touches one head finding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Touch {
    /// The change touched the finding's span or a related span of its file.
    pub(super) span: bool,
    /// The change touched the outermost function around the finding (the
    /// whole file for module-level code).
    pub(super) function: bool,
}

impl Touch {
    /// Whether the change touched the finding at all (then, and only then,
    /// the base version decides whether it is new).
    pub(super) fn any(self) -> bool {
        self.span || self.function
    }
}

/// How `change` touches `finding`, a finding of the head version `model`.
pub(super) fn touch(finding: &RawFinding, model: &FileModel, change: &ChangedFile) -> Touch {
    let related = finding
        .related
        .iter()
        .filter(|r| r.path.is_none())
        .map(|r| r.span);
    let span = std::iter::once(finding.span)
        .chain(related)
        .any(|span| change.touches_region(span.start_line, span.end_line));
    let function = match functions_around(model, finding.span).last() {
        Some(outermost) => {
            change.touches_region(outermost.span.start_line, outermost.span.end_line)
        }
        None => change.touches_anything(),
    };
    Touch { span, function }
}

/// The status of each head finding, given how the change touches it and the
/// base version's findings (empty for an added file).
pub(super) fn classify(
    head: &[&RawFinding],
    touches: &[Touch],
    base: &[&RawFinding],
) -> Vec<Status> {
    let head_shapes: Vec<String> = head.iter().map(|f| risk_shape(&f.trigger_text)).collect();
    let mut in_function: HashMap<(&str, &str, String), usize> = HashMap::new();
    for finding in base {
        let key = (
            finding.rule.as_str(),
            finding.function.as_str(),
            risk_shape(&finding.trigger_text),
        );
        *in_function.entry(key).or_insert(0) += 1;
    }
    // Findings whose own span the change left alone are the likelier heirs of
    // a base finding; among equals, source order.
    let mut order: Vec<usize> = (0..head.len()).collect();
    order.sort_by_key(|&i| (touches[i].span, i));
    let mut matched = vec![false; head.len()];
    for &i in &order {
        let key = (
            head[i].rule.as_str(),
            head[i].function.as_str(),
            head_shapes[i].clone(),
        );
        matched[i] = take(&mut in_function, &key);
    }
    // What is left in the base may have moved to another function.
    let mut in_file: HashMap<(&str, String), usize> = HashMap::new();
    for ((rule, _, shape), count) in in_function {
        *in_file.entry((rule, shape)).or_insert(0) += count;
    }
    for &i in &order {
        if !matched[i] {
            matched[i] = take(
                &mut in_file,
                &(head[i].rule.as_str(), head_shapes[i].clone()),
            );
        }
    }
    matched
        .iter()
        .zip(touches)
        .map(|(&matched, touch)| {
            if !matched && touch.any() {
                Status::New
            } else {
                Status::Existing
            }
        })
        .collect()
}

/// Takes one from the count under `key`; false when none is left.
fn take<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, usize>, key: &K) -> bool {
    match counts.get_mut(key) {
        Some(count) if *count > 0 => {
            *count -= 1;
            true
        }
        _ => false,
    }
}

/// The risk a trigger stands for, without its argument values: the code with
/// white space removed and the contents of every bracket pair dropped
/// (`requests.post(url, json={"a": 1})` → `requests.post()`,
/// `client.post(url).send().await?` → `client.post().send().await?`).
/// Brackets inside string literals and comments do not count; a trigger
/// whose brackets do not balance that way is kept whole.
pub fn risk_shape(trigger: &str) -> String {
    shape_of(trigger).unwrap_or_else(|| trigger.chars().filter(|c| !c.is_whitespace()).collect())
}

fn shape_of(trigger: &str) -> Option<String> {
    let chars: Vec<char> = trigger.chars().collect();
    let mut shape = String::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match skip_literal_or_comment(&chars, i) {
            Skip::Past(end) => {
                if depth == 0 && matches!(c, '"' | '\'' | '`') {
                    shape.extend(chars[i..end].iter().filter(|c| !c.is_whitespace()));
                }
                i = end;
                continue;
            }
            Skip::Unterminated => return None,
            Skip::Nothing => {}
        }
        match c {
            '(' | '[' | '{' => {
                if depth == 0 {
                    shape.push(c);
                }
                depth += 1;
            }
            ')' | ']' | '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    shape.push(c);
                }
            }
            c if depth == 0 && !c.is_whitespace() => shape.push(c),
            _ => {}
        }
        i += 1;
    }
    (depth == 0).then_some(shape)
}

/// What starts at a position of a trigger's code.
enum Skip {
    /// A string literal or comment, ending before this index.
    Past(usize),
    /// A string literal that never ends (a Rust lifetime, a cut-off text).
    Unterminated,
    /// Code.
    Nothing,
}

/// Whether a string literal or comment starts at `i`, and where it ends.
fn skip_literal_or_comment(chars: &[char], i: usize) -> Skip {
    let c = chars[i];
    let next = chars.get(i + 1).copied();
    let line_end = |from: usize| {
        chars[from..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(chars.len(), |p| from + p)
    };
    match (c, next) {
        ('"' | '\'' | '`', _) => {
            let mut j = i + 1;
            while j < chars.len() {
                match chars[j] {
                    '\\' => j += 2,
                    q if q == c => return Skip::Past(j + 1),
                    _ => j += 1,
                }
            }
            Skip::Unterminated
        }
        ('/', Some('/')) => Skip::Past(line_end(i)),
        ('#', Some(next)) if next.is_whitespace() => Skip::Past(line_end(i)),
        ('/', Some('*')) => {
            let rest = &chars[i + 2..];
            let close = rest.windows(2).position(|w| w == ['*', '/']);
            Skip::Past(close.map_or(chars.len(), |p| i + 2 + p + 2))
        }
        _ => Skip::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;
    use crate::rules::{Confidence, RuleId, Severity};

    #[test]
    fn risk_shape_drops_argument_values_and_keeps_the_call_shape() {
        assert_eq!(
            risk_shape("requests.post(url, json={\"a\": 1})"),
            "requests.post()"
        );
        assert_eq!(
            risk_shape("client\n    .post(url)\n    .send()\n    .await?"),
            "client.post().send().await?"
        );
        assert_eq!(risk_shape("fetch(url, { method: 'POST' })"), "fetch()");
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert_eq!(risk_shape("bus.publish(\")\", x)"), "bus.publish()");
        assert_eq!(
            risk_shape("requests.post(url,  # retried (see below)\n  json=x)"),
            "requests.post()"
        );
        assert_eq!(risk_shape("f(a /* ) */, b)"), "f()");
    }

    #[test]
    fn unbalanced_code_is_kept_whole() {
        assert_eq!(risk_shape("f(a, b"), "f(a,b");
        assert_eq!(risk_shape("post::<&'a str>(x)"), "post::<&'astr>(x)");
    }

    fn finding(function: &str, trigger: &str) -> RawFinding {
        RawFinding {
            rule: RuleId::new("rejection/unchecked-response"),
            severity: Severity::High,
            confidence: Confidence::High,
            span: Span::default(),
            function: function.to_string(),
            trigger_text: trigger.to_string(),
            message: String::new(),
            questions: Vec::new(),
            related: Vec::new(),
        }
    }

    const TOUCHED: Touch = Touch {
        span: true,
        function: true,
    };
    const IN_TOUCHED_FUNCTION: Touch = Touch {
        span: false,
        function: true,
    };
    const UNTOUCHED: Touch = Touch {
        span: false,
        function: false,
    };

    #[test]
    fn an_equivalent_base_finding_makes_a_touched_finding_existing() {
        let head = finding("charge", "requests.post(url, json=b)");
        let base = finding("charge", "requests.post(url, json=a)");
        assert_eq!(
            classify(&[&head], &[TOUCHED], &[&base]),
            vec![Status::Existing]
        );
        assert_eq!(classify(&[&head], &[TOUCHED], &[]), vec![Status::New]);
    }

    #[test]
    fn only_a_touched_finding_can_be_new() {
        let head = finding("charge", "requests.post(url)");
        assert_eq!(
            classify(&[&head], &[UNTOUCHED], &[]),
            vec![Status::Existing]
        );
        assert_eq!(
            classify(&[&head], &[IN_TOUCHED_FUNCTION], &[]),
            vec![Status::New]
        );
    }

    #[test]
    fn each_base_finding_matches_one_head_finding_preferring_untouched_ones() {
        let first = finding("charge", "requests.post(holds)");
        let second = finding("charge", "requests.post(charges)");
        let base = finding("charge", "requests.post(charges)");
        assert_eq!(
            classify(
                &[&first, &second],
                &[TOUCHED, IN_TOUCHED_FUNCTION],
                &[&base]
            ),
            vec![Status::New, Status::Existing]
        );
    }

    #[test]
    fn a_finding_moved_to_another_function_is_matched_in_the_file() {
        let head = finding("charge_order", "requests.post(url)");
        let base = finding("charge", "requests.post(url)");
        let other = finding("refund", "requests.put(url)");
        assert_eq!(
            classify(&[&head], &[TOUCHED], &[&base]),
            vec![Status::Existing]
        );
        assert_eq!(classify(&[&head], &[TOUCHED], &[&other]), vec![Status::New]);
    }
}
