//! Mermaid labels that text from a pull request cannot subvert: the escaping
//! layer for every name, path, topic and route drawn in a diagram.
//!
//! A label sits in double quotes (`n1["…"]`, `-->|"…"|`). Mermaid reads
//! `%%{…}%%` anywhere in the source as a directive and `%%` as a comment,
//! decodes `#name;` and `#123;` entity codes, and renders labels as HTML. So
//! every character that could end the quotes, start markup, form an entity,
//! a directive, a Markdown string or an HTML entity becomes an entity code,
//! and the only line break is the one the layer puts between label lines.
//! Long lines are cut (marked `…`) so diagrams stay readable.

/// Characters of one label line shown at most.
pub const MAX_LINE: usize = 48;

/// The label of a node or an edge: each line escaped and cut to
/// [`MAX_LINE`] characters, joined with Mermaid's line break.
pub fn label<S: AsRef<str>>(lines: &[S]) -> String {
    lines
        .iter()
        .map(|line| escape(&clip(line.as_ref())))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// One line escaped whole, not cut: for Handoff's own wording (edge labels)
/// that may quote a name from the change.
pub fn text(line: &str) -> String {
    escape(line)
}

/// A path for a label: cut on the left, where it is least telling.
pub fn path_tail(path: &str) -> String {
    let count = path.chars().count();
    if count <= MAX_LINE {
        return path.to_string();
    }
    let tail: String = path.chars().skip(count - (MAX_LINE - 1)).collect();
    format!("…{tail}")
}

/// One line cut to [`MAX_LINE`] characters, marked where cut.
fn clip(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE) {
        Some((end, _)) => {
            let keep = line[..end]
                .char_indices()
                .nth(MAX_LINE - 1)
                .map_or(end, |(i, _)| i);
            format!("{}…", &line[..keep])
        }
        None => line.to_string(),
    }
}

/// Entity codes for everything that means something to Mermaid or HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '%' => out.push_str("#37;"),
            '&' => out.push_str("#38;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\\' => out.push_str("#92;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_markup_directives_and_entities_become_entity_codes() {
        assert_eq!(
            label(&["publish(\"a#b\") <Order> `x` 50% &amp;\nnext"]),
            "publish(#quot;a#35;b#quot;) #lt;Order#gt; #96;x#96; 50#37; #38;amp; next"
        );
        assert_eq!(
            label(&["%%{init: {'theme':'dark'}}%%"]),
            "#37;#37;{init: {'theme':'dark'}}#37;#37;"
        );
    }

    #[test]
    fn only_the_layer_breaks_lines() {
        assert_eq!(
            label(&["a<br/>b", "src/a.js:1"]),
            "a#lt;br/#gt;b<br/>src/a.js:1"
        );
    }

    #[test]
    fn long_lines_are_cut_and_paths_keep_their_end() {
        let long = "x".repeat(100);
        let cut = label(&[long.as_str()]);
        assert_eq!(cut.chars().count(), MAX_LINE);
        assert!(cut.ends_with('…'));
        let path = format!("{}/checkout.js", "deep/".repeat(20));
        let tail = path_tail(&path);
        assert_eq!(tail.chars().count(), MAX_LINE);
        assert!(
            tail.starts_with('…') && tail.ends_with("/checkout.js"),
            "{tail}"
        );
    }
}
