//! Markdown that text from a pull request cannot subvert.
//!
//! Everything Handoff puts into GitHub Markdown — paths, messages, questions,
//! code, suite names from `.handoff.yml` — may come from the change under
//! review. These helpers make sure such text can never close the code fence
//! or code span it sits in, inject raw HTML (comments, `<img>`, `<details>`),
//! build links or images, start a heading or list, or @-mention a user or a
//! team (a zero-width joiner follows every `@`), nor reference issues (`#12`).

/// U+200D ZERO WIDTH JOINER: invisible, and breaks GitHub's `@mention` and
/// `#123` reference detection.
const JOINER: char = '\u{200D}';

/// Plain text as inline Markdown: it renders as the same characters and
/// means nothing else. New lines become spaces (the text stays one inline run).
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    let chars: Vec<char> = raw.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        let next = chars.get(index + 1).copied();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' | '\t' => out.push(' '),
            '@' => {
                out.push('@');
                out.push(JOINER);
            }
            '#' => {
                out.push_str("\\#");
                if next.is_some_and(|n| n.is_ascii_alphanumeric()) {
                    out.push(JOINER);
                }
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            // Block markers only matter at the start of a line; the text may start one.
            '-' | '+' | '=' if index == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if index > 0 && chars[..index].iter().all(char::is_ascii_digit) => {
                out.push('\\');
                out.push(c);
            }
            // GFM links a bare `scheme://…` and `www.…` (found by fuzzing):
            // an entity for the colon and a joiner before the dot keep
            // them text.
            ':' if chars.get(index + 1) == Some(&'/') => out.push_str("&#58;"),
            '.' if index >= 3
                && chars[index - 3..index]
                    .iter()
                    .all(|w| w.eq_ignore_ascii_case(&'w')) =>
            {
                out.push(JOINER);
                out.push('.');
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The length of the longest run of `mark` in `text`.
fn longest_run(text: &str, mark: char) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for c in text.chars() {
        if c == mark {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// Text as an inline code span: the backtick fence is longer than any run of
/// backticks inside, so the text cannot end the span. New lines become spaces.
pub fn code_span(raw: &str) -> String {
    let flat = code_span_text(raw);
    if flat.trim().is_empty() {
        // An empty or blank span would not render as code; show the spaces.
        return format!("`{}`", "\u{00A0}".repeat(flat.chars().count().max(1)));
    }
    let fence = "`".repeat(longest_run(&flat, '`') + 1);
    // A space on both sides keeps a leading or trailing backtick (or space)
    // from joining the fence; CommonMark strips exactly one on each side.
    let pad = flat.starts_with('`')
        || flat.ends_with('`')
        || flat.starts_with(' ')
        || flat.ends_with(' ');
    if pad {
        format!("{fence} {flat} {fence}")
    } else {
        format!("{fence}{flat}{fence}")
    }
}

/// Backtick runs longer than this are cut in a code span: its fence must be
/// longer than any run inside, and CommonMark renderers (cmark-gfm, comrak)
/// stop matching backtick strings past 80.
const MAX_BACKTICK_RUN: usize = 16;

/// The text [`code_span`] shows for `raw`: control characters as spaces, and
/// every run of more than [`MAX_BACKTICK_RUN`] backticks cut to that many,
/// marked `…`.
pub fn code_span_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut run = 0;
    for c in raw.chars() {
        if c == '`' {
            run += 1;
            if run <= MAX_BACKTICK_RUN {
                out.push('`');
            } else if run == MAX_BACKTICK_RUN + 1 {
                out.push('…');
            }
            continue;
        }
        run = 0;
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// A fenced code block: the fence is longer than any backtick run in the code,
/// so no line of it can close the block. `language` is an info-string word
/// chosen by Handoff (letters only; anything else is dropped).
pub fn code_block(code: &str, language: &str) -> String {
    let fence = "`".repeat((longest_run(code, '`') + 1).max(3));
    let language: String = language
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mut out = format!("{fence}{language}\n");
    for line in code.lines() {
        let line: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// A rule's message or question: prose with `` `code` `` spans (the code is
/// usually from the pull request). Code spans are re-fenced with
/// [`code_span`], prose is escaped with [`text`]; an unmatched backtick is
/// literal text.
pub fn message(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    let mut prose = String::new();
    let mut rest = raw;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].chars().take_while(|&c| c == '`').count();
        let after = &rest[open + run..];
        match closing_run(after, run) {
            Some(close) => {
                prose.push_str(&rest[..open]);
                out.push_str(&text(&prose));
                prose.clear();
                let code = &after[..close];
                // CommonMark strips one space on each side of padded spans.
                let code = if code.len() >= 2
                    && code.starts_with(' ')
                    && code.ends_with(' ')
                    && !code.trim().is_empty()
                {
                    &code[1..code.len() - 1]
                } else {
                    code
                };
                out.push_str(&code_span(code));
                rest = &after[close + run..];
            }
            None => {
                prose.push_str(&rest[..open + run]);
                rest = after;
            }
        }
    }
    prose.push_str(rest);
    out.push_str(&text(&prose));
    out
}

/// The byte offset in `text` of a backtick run of exactly `run` backticks.
fn closing_run(text: &str, run: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'`' {
            let length = bytes[index..].iter().take_while(|&&b| b == b'`').count();
            if length == run {
                return Some(index);
            }
            index += length;
        } else {
            index += 1;
        }
    }
    None
}

/// Inline Markdown made safe for a GFM table cell: every `|` ends up escaped
/// (GFM splits cells before it parses code spans, pairing backslashes from
/// the left), and new lines become spaces.
pub fn table_cell(inline: &str) -> String {
    let mut out = String::with_capacity(inline.len() + 8);
    let mut backslashes = 0usize;
    for c in inline.chars() {
        match c {
            '|' => {
                if backslashes % 2 == 0 {
                    out.push('\\');
                }
                out.push('|');
                backslashes = 0;
            }
            '\\' => {
                out.push(c);
                backslashes += 1;
            }
            '\r' | '\n' => {
                out.push(' ');
                backslashes = 0;
            }
            c => {
                out.push(c);
                backslashes = 0;
            }
        }
    }
    out
}

/// A link whose visible text is `label` (already safe inline Markdown) and
/// whose target is a URL Handoff built; characters that could end the link
/// destination are percent-encoded.
pub fn link(label: &str, url: &str) -> String {
    let mut target = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => target.push_str("%20"),
            '(' => target.push_str("%28"),
            ')' => target.push_str("%29"),
            '<' => target.push_str("%3C"),
            '>' => target.push_str("%3E"),
            '"' => target.push_str("%22"),
            '`' => target.push_str("%60"),
            '|' => target.push_str("%7C"),
            '\\' => target.push_str("%5C"),
            c if c.is_control() => {}
            c => target.push(c),
        }
    }
    format!("[{label}]({target})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backtick_run_no_renderer_can_fence_is_cut() {
        let long = format!("a{}b", "`".repeat(100));
        let shown = code_span_text(&long);
        assert_eq!(shown, format!("a{}…b", "`".repeat(MAX_BACKTICK_RUN)));
        assert_eq!(
            code_span(&long),
            format!(
                "{fence}{shown}{fence}",
                fence = "`".repeat(MAX_BACKTICK_RUN + 1)
            )
        );
    }

    #[test]
    fn code_span_fence_is_longer_than_any_backtick_run_inside() {
        assert_eq!(code_span("publish('a')"), "`publish('a')`");
        assert_eq!(code_span("a ``b`` c"), "```a ``b`` c```");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("line1\nline2"), "`line1 line2`");
    }

    #[test]
    fn code_block_cannot_be_closed_by_the_code() {
        let code = "const a = 1;\n```\n<script>alert(1)</script>\n````\n";
        let block = code_block(code, "js");
        assert!(block.starts_with("`````js\n"), "{block}");
        assert!(block.ends_with("\n`````\n"), "{block}");
        let inner: Vec<&str> = block.lines().skip(1).collect();
        let closing = inner.iter().position(|l| l.starts_with("`````"));
        assert_eq!(
            closing,
            Some(inner.len() - 1),
            "only the last line closes: {block}"
        );
        assert_eq!(code_block("x", "js\"><b>"), "```jsb\nx\n```\n");
    }

    #[test]
    fn html_is_escaped_in_text_and_messages() {
        assert_eq!(
            text("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(text("a && b"), "a &amp;&amp; b");
        assert_eq!(
            text("<!-- handoff:summary -->"),
            "&lt;\\!-- handoff:summary --&gt;"
        );
        assert!(!message("see <details open>").contains('<'));
    }

    #[test]
    fn mentions_and_issue_references_are_broken_by_a_joiner() {
        assert_eq!(text("ping @octocat"), "ping @\u{200D}octocat");
        assert_eq!(text("@org/team"), "@\u{200D}org/team");
        assert_eq!(text("fixes #12"), "fixes \\#\u{200D}12");
        assert_eq!(
            message("`@octocat` and @octocat"),
            "`@octocat` and @\u{200D}octocat"
        );
    }

    #[test]
    fn markdown_syntax_in_text_is_literal() {
        assert_eq!(
            text("![x](http://e/x.png)"),
            "\\!\\[x\\](http&#58;//e/x.png)"
        );
        assert_eq!(text("# title"), "\\# title");
        assert_eq!(text("- item"), "\\- item");
        assert_eq!(text("1. item"), "1\\. item");
        assert_eq!(text("**bold** _it_"), "\\*\\*bold\\*\\* \\_it\\_");
        assert_eq!(text("a\nb"), "a b");
        assert_eq!(text("a\\`b"), "a\\\\\\`b");
    }

    #[test]
    fn message_keeps_code_spans_and_escapes_prose() {
        assert_eq!(
            message("publishes `order.created` inside <trx>"),
            "publishes `order.created` inside &lt;trx&gt;"
        );
        assert_eq!(message("a ``x`y`` b"), "a ``x`y`` b");
        assert_eq!(message("unmatched ` tick"), "unmatched \\` tick");
        assert_eq!(message("`a`` b"), "\\`a\\`\\` b");
        assert_eq!(message("`a``b`"), "```a``b```");
    }

    #[test]
    fn code_from_the_pull_request_cannot_escape_its_span() {
        // A topic name with backticks, interpolated by a rule into `...`.
        let rendered = message("publishes `a` <b>@here</b> `` to the bus");
        assert_eq!(
            rendered,
            "publishes `a` &lt;b&gt;@\u{200D}here&lt;/b&gt; \\`\\` to the bus"
        );
        let span = code_span("x` <b>@here</b> `");
        assert_eq!(span, "`` x` <b>@here</b> ` ``");
    }

    #[test]
    fn table_cells_escape_pipes_even_in_code() {
        assert_eq!(table_cell(&message("a | b `c|d`")), "a \\| b `c\\|d`");
        // A backslash before the pipe must not pair with the escape.
        assert_eq!(table_cell(&text("a\\|b")), "a\\\\\\|b");
        assert_eq!(table_cell(&code_span("c\\|d")), "`c\\|d`");
        assert_eq!(table_cell("x\ny"), "x y");
    }

    #[test]
    fn link_targets_cannot_end_early() {
        assert_eq!(link("x", "https://h/a b)c"), "[x](https://h/a%20b%29c)");
    }
}
