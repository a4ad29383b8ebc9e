//! HTML that text from a pull request cannot subvert: the escaping layer for
//! text inside raw HTML that Handoff writes into GitHub Markdown (a
//! `<summary>` line, a `<sub>` note).
//!
//! GitHub does not process Markdown inside an HTML block, so
//! [`safe_markdown`](super::safe_markdown) is the wrong layer there: a code
//! span shows its backticks and an `<img>` in a path becomes an element.
//! Here every character that means something to HTML is an entity, and the
//! `@` of a mention and the `#` of an issue reference are broken by a
//! zero-width joiner, as in Markdown text.

/// U+200D ZERO WIDTH JOINER (see [`safe_markdown`](super::safe_markdown)).
const JOINER: char = '\u{200D}';

/// Plain text as HTML character data: it renders as the same characters and
/// means nothing else. New lines and control characters become spaces.
pub fn text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' | '#' => {
                out.push(c);
                out.push(JOINER);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text as an inline `<code>` element.
pub fn code(raw: &str) -> String {
    format!("<code>{}</code>", text(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_character_data() {
        assert_eq!(
            text("src/<img src=x onerror=\"a('1')\">.js"),
            "src/&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;.js"
        );
        assert_eq!(text("a &amp; b"), "a &amp;amp; b");
        assert_eq!(text("<!-- x -->\nnext"), "&lt;!-- x --&gt; next");
    }

    #[test]
    fn mentions_and_references_are_broken() {
        assert_eq!(text("@octocat #12"), "@\u{200D}octocat #\u{200D}12");
    }

    #[test]
    fn code_wraps_escaped_text() {
        assert_eq!(code("a<b>:3"), "<code>a&lt;b&gt;:3</code>");
    }
}
