//! Bounded source excerpts: what a finding quotes of its code. A line of
//! minified or generated code can be a megabyte long; a finding shows a
//! window of a few hundred characters around its span, marked where it was
//! cut, so the cost of a finding never grows with the length of its line.

use crate::model::Span;

/// Characters of one line a finding shows at most (besides the cut marks).
pub const WINDOW: usize = 240;

/// Characters kept before the span's start when the line is cut.
const LEAD: usize = 80;

/// Lines of a span a finding shows at most.
pub const MAX_LINES: usize = 6;

/// The mark where a line was cut.
pub const CUT: char = '…';

/// Characters a message, question or related note keeps at most: they quote
/// code of the change (callee paths, topics, names), which can be long.
pub const MAX_MESSAGE: usize = 1_000;

/// The quoted code of a span.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Excerpt {
    /// The lines, each at most [`WINDOW`] characters plus cut marks.
    pub lines: Vec<String>,
    /// Characters of the first line left out before the window (0 when the
    /// window starts at the line's start). The window then begins with
    /// [`CUT`].
    pub cut: u32,
}

/// The excerpt of `span` in `text` (the version the span points into). It
/// costs a few windows of work, whatever the length of the lines.
pub fn excerpt(text: &str, span: &Span) -> Excerpt {
    let Some(start) = span_start(text, span) else {
        return Excerpt::default();
    };
    let (from, kept) = window_start(text, start);
    let cut_before = text[..from].chars().next_back().is_some_and(|c| c != '\n');
    let cut = if cut_before {
        span.start_col.saturating_sub(1).saturating_sub(kept)
    } else {
        0
    };
    let count = (span.end_line.saturating_sub(span.start_line) as usize + 1).min(MAX_LINES);
    let mut lines = Vec::with_capacity(count);
    let mut position = Some(from);
    while let Some(from) = position.filter(|_| lines.len() < count) {
        let (line, end) = window(text, from, cut_before && lines.is_empty());
        lines.push(line);
        position = (lines.len() < count)
            .then(|| text[end..].find('\n').map(|newline| end + newline + 1))
            .flatten();
    }
    Excerpt { lines, cut }
}

/// Clip `text` to [`MAX_MESSAGE`] characters, marking the cut.
pub fn clip_message(text: &str) -> String {
    clip(text, MAX_MESSAGE)
}

/// Clip `text` to `max` characters, marking the cut with [`CUT`].
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}{CUT}", &text[..end]),
        None => text.to_string(),
    }
}

/// The byte offset of the span's first character, when the span fits the
/// text (a span from another version or a synthetic one does not).
fn span_start(text: &str, span: &Span) -> Option<usize> {
    let start = span.start_byte;
    let fits = start <= text.len() && text.is_char_boundary(start);
    // A span at byte 0 on a later line was not located by byte: find its line.
    if fits && (start > 0 || span.start_line <= 1) {
        return Some(start);
    }
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if index + 1 == span.start_line as usize {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Where the first line's window starts: at most [`LEAD`] characters before
/// `start`, never before its line. Returns the offset and the characters
/// kept before `start`.
fn window_start(text: &str, start: usize) -> (usize, u32) {
    let mut from = start;
    let mut kept = 0u32;
    for (index, c) in text[..start].char_indices().rev() {
        if c == '\n' || kept as usize == LEAD {
            break;
        }
        from = index;
        kept += 1;
    }
    (from, kept)
}

/// The window of the line at `from` (at most [`WINDOW`] characters, `CUT`
/// where cut) and the offset where the window ended. `cut_before` marks a
/// left cut.
fn window(text: &str, from: usize, cut_before: bool) -> (String, usize) {
    let rest = &text[from..];
    let mut end = rest.len();
    let mut cut_after = false;
    for (shown, (index, c)) in rest.char_indices().enumerate() {
        if c == '\n' || rest[index..].starts_with("\r\n") {
            end = index;
            break;
        }
        if shown == WINDOW {
            end = index;
            cut_after = true;
            break;
        }
    }
    let mut line = String::with_capacity(end + 2 * CUT.len_utf8());
    if cut_before {
        line.push(CUT);
    }
    line.push_str(&rest[..end]);
    if cut_after {
        line.push(CUT);
    }
    (line, from + end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, needle: &str) -> Span {
        let start = text.find(needle).unwrap();
        let end = start + needle.len();
        let position = |offset: usize| {
            let before = &text[..offset];
            let line = before.matches('\n').count() as u32 + 1;
            let column = before.rsplit('\n').next().unwrap().chars().count() as u32 + 1;
            (line, column)
        };
        let (start_line, start_col) = position(start);
        let (end_line, end_col) = position(end);
        Span {
            start_byte: start,
            end_byte: end,
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }

    #[test]
    fn short_lines_are_quoted_whole() {
        let text = "a();\n  bus.publish('x',\n    {});\nb();\n";
        let quoted = excerpt(text, &span_of(text, "bus.publish('x',\n    {})"));
        assert_eq!(quoted.lines, ["  bus.publish('x',", "    {});"]);
        assert_eq!(quoted.cut, 0);
    }

    #[test]
    fn a_long_line_shows_a_marked_window_around_the_span() {
        let text = format!(
            "{}bus.publish('x'){}\n",
            "a;".repeat(50_000),
            "b;".repeat(50_000)
        );
        let span = span_of(&text, "bus.publish('x')");
        let quoted = excerpt(&text, &span);
        let line = &quoted.lines[0];
        assert_eq!(quoted.lines.len(), 1);
        assert!(line.starts_with(CUT) && line.ends_with(CUT), "{line}");
        assert_eq!(line.chars().count(), WINDOW + 2);
        let visible = line
            .chars()
            .skip(1 + (span.start_col - 1 - quoted.cut) as usize);
        assert!(visible.collect::<String>().starts_with("bus.publish('x')"));
        assert_eq!(quoted.cut as usize, 100_000 - LEAD);
    }

    #[test]
    fn a_span_near_the_start_of_a_long_line_is_cut_on_the_right_only() {
        let text = format!("x = bus.publish('x'){}\r\nnext\n", "é".repeat(10_000));
        let quoted = excerpt(&text, &span_of(&text, "bus.publish('x')"));
        assert_eq!(quoted.cut, 0);
        assert!(quoted.lines[0].starts_with("x = bus"));
        assert!(quoted.lines[0].ends_with(CUT));
    }

    #[test]
    fn crlf_lines_drop_the_carriage_return() {
        let text = "f();\r\ng();\r\n";
        assert_eq!(
            excerpt(text, &span_of(text, "f();\r\ng()")).lines,
            ["f();", "g();"]
        );
    }

    #[test]
    fn at_most_six_lines_are_quoted() {
        let text = "call(\n".to_string() + &"  a,\n".repeat(20) + ")\n";
        let quoted = excerpt(&text, &span_of(&text, text.trim_end()));
        assert_eq!(quoted.lines.len(), MAX_LINES);
    }

    #[test]
    fn a_span_outside_the_text_quotes_nothing() {
        let span = Span {
            start_byte: 0,
            end_byte: 0,
            start_line: 9,
            start_col: 1,
            end_line: 9,
            end_col: 2,
        };
        assert!(excerpt("one line\n", &span).lines.is_empty());
    }

    #[test]
    fn clipping_counts_characters_and_marks_the_cut() {
        assert_eq!(clip("ééééé", 3), "ééé…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
