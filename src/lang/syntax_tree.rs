//! Helpers shared by the tree-sitter frontends (JavaScript/TypeScript, Python).

use crate::model::{Comment, Span};
use tree_sitter::Node;

/// Converts byte offsets into 1-based line/character-column spans.
///
/// Columns count characters. On ASCII-only lines that is the byte offset; on
/// other lines, checkpoints every [`CHECKPOINT_BYTES`] bytes bound the
/// counting, so a 1 MB minified line costs no more than a short one.
pub struct LineIndex<'s> {
    source: &'s str,
    line_starts: Vec<usize>,
    /// Per line: whether it is pure ASCII.
    ascii_lines: Vec<bool>,
    /// `(byte, column-0-based)` at character boundaries inside non-ASCII
    /// lines, in byte order.
    checkpoints: Vec<(usize, u32)>,
}

/// Distance between column checkpoints on non-ASCII lines.
const CHECKPOINT_BYTES: usize = 256;

impl<'s> LineIndex<'s> {
    /// Index the line starts of `source`.
    pub fn new(source: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        let mut ascii_lines = Vec::with_capacity(line_starts.len());
        let mut checkpoints = Vec::new();
        for (line, &start) in line_starts.iter().enumerate() {
            let end = line_starts.get(line + 1).copied().unwrap_or(source.len());
            let text = source.get(start..end).unwrap_or("");
            let ascii = text.is_ascii();
            ascii_lines.push(ascii);
            if !ascii {
                let mut next = CHECKPOINT_BYTES;
                for (column, (offset, _)) in text.char_indices().enumerate() {
                    if offset >= next {
                        checkpoints.push((start + offset, column as u32));
                        next = offset + CHECKPOINT_BYTES;
                    }
                }
            }
        }
        LineIndex {
            source,
            line_starts,
            ascii_lines,
            checkpoints,
        }
    }

    /// 1-based line and character column of a byte offset.
    pub fn position(&self, byte: usize) -> (u32, u32) {
        let byte = byte.min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= byte) - 1;
        let start = self.line_starts[line];
        if self.ascii_lines.get(line).copied().unwrap_or(true) {
            return (line as u32 + 1, (byte - start) as u32 + 1);
        }
        let nearest = self.checkpoints.partition_point(|&(at, _)| at <= byte);
        let (from, column) = match nearest.checked_sub(1).map(|i| self.checkpoints[i]) {
            Some((at, column)) if at >= start => (at, column),
            _ => (start, 0),
        };
        let counted = self
            .source
            .get(from..byte)
            .map_or(byte - from, |prefix| prefix.chars().count());
        (line as u32 + 1, column + counted as u32 + 1)
    }

    /// The span of a byte range.
    pub fn span(&self, start_byte: usize, end_byte: usize) -> Span {
        let (start_line, start_col) = self.position(start_byte);
        let (end_line, end_col) = self.position(end_byte);
        Span {
            start_byte,
            end_byte,
            start_line,
            start_col,
            end_line,
            end_col,
        }
    }

    /// The span of a tree-sitter node.
    pub fn node_span(&self, node: Node<'_>) -> Span {
        self.span(node.start_byte(), node.end_byte())
    }

    /// The source text of a tree-sitter node.
    pub fn text(&self, node: Node<'_>) -> &'s str {
        self.source.get(node.byte_range()).unwrap_or("")
    }
}

/// Whether a node of kind `statement` stands under `root`, outside any
/// nested node of the `skipped` kinds (functions and classes, which run
/// later if at all). Iterative: no recursion.
pub fn contains_statement(root: Node<'_>, statement: &str, skipped: &[&str]) -> bool {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.kind() == statement {
            return true;
        }
        let enter = node == root || !skipped.contains(&node.kind());
        if enter && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.node() == root {
                return false;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return false;
            }
        }
    }
}

/// Count the ERROR and MISSING nodes of a tree (iteratively: no recursion).
pub fn count_syntax_errors(root: Node<'_>) -> usize {
    if !root.has_error() {
        return 0;
    }
    let mut count = 0;
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        // Only descend into subtrees that contain an error, and not into an
        // ERROR node itself (its inside counts once).
        if node.has_error() && !node.is_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
}

/// Collect every comment node of a tree, stripping markers.
///
/// Comments start with `//`, `/*` or `#` in every tree-sitter grammar Handoff
/// uses, so rather than visiting every node of the tree, each such position in
/// the source is looked up (`descendant_for_byte_range` descends one path):
/// the cost follows the comment markers, not the size of the tree. Markers
/// inside strings, URLs and divisions are looked up and rejected.
pub fn collect_comments(root: Node<'_>, index: &LineIndex<'_>) -> Vec<Comment> {
    // Compare symbol ids, not names (a grammar may alias several symbols to
    // one name).
    let language = root.language();
    let comment_kinds: Vec<u16> = (0..language.node_kind_count())
        .filter_map(|id| u16::try_from(id).ok())
        .filter(|&id| language.node_kind_for_id(id) == Some("comment"))
        .collect();
    let bytes = index.source.as_bytes();
    let mut comments = Vec::new();
    // The end of the last comment: markers inside it are not new comments.
    let mut covered = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let marker = match byte {
            b'#' => true,
            b'/' => matches!(bytes.get(at + 1), Some(b'/' | b'*')),
            _ => false,
        };
        if !marker || at < covered {
            continue;
        }
        let Some(node) = root.descendant_for_byte_range(at, at + 1) else {
            continue;
        };
        if node.start_byte() == at && comment_kinds.contains(&node.kind_id()) {
            comments.push(Comment {
                text: strip_comment_markers(index.text(node)),
                span: index.node_span(node),
            });
            covered = node.end_byte();
        }
    }
    comments
}

/// Remove `//`, `#`, `/* */` and leading `*` from a comment's text.
pub fn strip_comment_markers(raw: &str) -> String {
    let trimmed = raw.trim();
    let inner = if let Some(rest) = trimmed.strip_prefix("/*") {
        rest.strip_suffix("*/").unwrap_or(rest)
    } else if let Some(rest) = trimmed.strip_prefix("//") {
        rest.trim_start_matches('/').trim_start_matches('!')
    } else if let Some(rest) = trimmed.strip_prefix('#') {
        rest
    } else {
        trimmed
    };
    inner
        .lines()
        .map(|l| l.trim().trim_start_matches('*').trim())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let index = LineIndex::new("é = 1\nab");
        assert_eq!(index.position(0), (1, 1));
        assert_eq!(index.position(2), (1, 2));
        assert_eq!(index.position(7), (2, 1));
        assert_eq!(index.position(8), (2, 2));
    }

    #[test]
    fn long_non_ascii_lines_use_checkpoints() {
        let line: String = "é".repeat(1000) + "x";
        let index = LineIndex::new(&line);
        let x = line.len() - 1;
        assert_eq!(index.position(x), (1, 1001));
        assert_eq!(index.position(600), (1, 301));
    }

    #[test]
    fn comment_markers_are_stripped() {
        assert_eq!(strip_comment_markers("// expect: a/b"), "expect: a/b");
        assert_eq!(strip_comment_markers("# expect: a/b"), "expect: a/b");
        assert_eq!(strip_comment_markers("/* x\n * y */"), "x y");
    }
}
