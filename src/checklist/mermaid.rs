//! The Mermaid `flowchart` of the touched handoff chain: route or job →
//! transaction → side effects → topic → consumers, risky edges in red.

use crate::gate::{Boundary, BoundaryKind, BoundaryMap, Entry, Located, Side};
use crate::knowledge::HandlerRole;
use crate::report::safe_mermaid::{label as safe_label, path_tail, text as safe_text};
use std::collections::HashMap;
use std::fmt::Write;

/// At most this many boundaries are drawn; the rest are counted in a note.
const MAX_DRAWN: usize = 40;

/// At most this many consumers are drawn per topic.
const MAX_CONSUMERS_PER_TOPIC: usize = 10;

/// Past this many nodes the chart runs top-down: a long left-to-right row is
/// shrunk to an unreadable size in a comment.
const MAX_NODES_LEFT_TO_RIGHT: usize = 4;

/// The colour of risky edges and nodes (GitHub's danger red).
const RISK_COLOUR: &str = "#d73a49";

#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `["…"]`: a route or plain function.
    Rectangle,
    /// `[["…"]]`: a consumer or job.
    Subroutine,
    /// `{{"…"}}`: a transaction.
    Hexagon,
    /// `("…")`: a side effect.
    Rounded,
    /// `(["…"])`: a topic.
    Stadium,
}

struct DiagramNode {
    id: String,
    /// Already escaped (see [`safe_label`]).
    label: String,
    shape: Shape,
    class: Option<&'static str>,
}

struct DiagramEdge {
    from: String,
    to: String,
    label: String,
    risky: bool,
    dashed: bool,
}

/// A flowchart under construction.
#[derive(Default)]
struct Flowchart {
    nodes: Vec<DiagramNode>,
    edges: Vec<DiagramEdge>,
    ids: HashMap<String, String>,
}

impl Flowchart {
    /// The id of the node with this key, adding it on first sight; `lines`
    /// are its label's lines, as found (escaped here).
    fn node(&mut self, key: String, lines: &[String], shape: Shape) -> String {
        if let Some(id) = self.ids.get(&key) {
            return id.clone();
        }
        let id = format!("n{}", self.nodes.len() + 1);
        self.nodes.push(DiagramNode {
            id: id.clone(),
            label: safe_label(lines),
            shape,
            class: None,
        });
        self.ids.insert(key, id.clone());
        id
    }

    fn mark(&mut self, id: &str, class: &'static str) {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.id == id) {
            node.class = Some(class);
        }
    }

    fn edge(&mut self, from: &str, to: &str, label: &str, risky: bool, dashed: bool) {
        if let Some(existing) = self.edges.iter_mut().find(|e| e.from == from && e.to == to) {
            existing.risky |= risky;
            return;
        }
        self.edges.push(DiagramEdge {
            from: from.to_string(),
            to: to.to_string(),
            label: label.to_string(),
            risky,
            dashed,
        });
    }

    fn render(&self) -> String {
        let direction = if self.nodes.len() > MAX_NODES_LEFT_TO_RIGHT {
            "TD"
        } else {
            "LR"
        };
        let mut out = format!("flowchart {direction}\n");
        for node in &self.nodes {
            let label = &node.label;
            let shaped = match node.shape {
                Shape::Rectangle => format!("[\"{label}\"]"),
                Shape::Subroutine => format!("[[\"{label}\"]]"),
                Shape::Hexagon => format!("{{{{\"{label}\"}}}}"),
                Shape::Rounded => format!("(\"{label}\")"),
                Shape::Stadium => format!("([\"{label}\"])"),
            };
            let _ = writeln!(out, "  {}{shaped}", node.id);
        }
        for edge in &self.edges {
            let label = if edge.risky {
                format!("⚠ {}", edge.label)
            } else {
                edge.label.clone()
            };
            let arrow = if edge.dashed { "-.->" } else { "-->" };
            if label.is_empty() {
                let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
            } else {
                let _ = writeln!(
                    out,
                    "  {} {arrow}|\"{}\"| {}",
                    edge.from,
                    safe_text(&label),
                    edge.to
                );
            }
        }
        let _ = writeln!(
            out,
            "  classDef risky stroke:{RISK_COLOUR},stroke-width:2px,color:{RISK_COLOUR}"
        );
        let _ = writeln!(out, "  classDef removed stroke-dasharray:4 4,color:#6a737d");
        for class in ["risky", "removed"] {
            let ids: Vec<&str> = self
                .nodes
                .iter()
                .filter(|n| n.class == Some(class))
                .map(|n| n.id.as_str())
                .collect();
            if !ids.is_empty() {
                let _ = writeln!(out, "  class {} {class}", ids.join(","));
            }
        }
        let risky: Vec<String> = self
            .edges
            .iter()
            .enumerate()
            .filter(|(_, e)| e.risky)
            .map(|(i, _)| i.to_string())
            .collect();
        if !risky.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:{RISK_COLOUR},stroke-width:2px",
                risky.join(",")
            );
        }
        out
    }
}

/// `path:line` for a label, the path cut on the left when long.
fn place(path: &str, line: u32) -> String {
    format!("{}:{line}", path_tail(path))
}

/// The node of a transaction opened at `opened`.
fn transaction_node(chart: &mut Flowchart, path: &str, opened: &Located) -> String {
    chart.node(
        format!("tx-at:{path}:{}:{}", opened.line, opened.name),
        &[opened.name.clone(), place(path, opened.line)],
        Shape::Hexagon,
    )
}

/// The node of the function a transaction runs in, unless that function is
/// the transaction's own callback (`db.transaction(async (trx) => …)` is one
/// scope: one node).
fn outer_entry(chart: &mut Flowchart, boundary: &Boundary, opened: &Located) -> Option<String> {
    let entry = boundary.entry.as_ref()?;
    let own_callback =
        entry.role.is_none() && entry.label == opened.name && entry.line == opened.line;
    (!own_callback).then(|| entry_node(chart, &boundary.path, entry))
}

fn entry_node(chart: &mut Flowchart, path: &str, entry: &Entry) -> String {
    let shape = match entry.role {
        Some(HandlerRole::Consumer | HandlerRole::Job) => Shape::Subroutine,
        _ => Shape::Rectangle,
    };
    chart.node(
        format!("entry:{path}:{}", entry.start_byte),
        &[entry.label.clone(), place(path, entry.line)],
        shape,
    )
}

fn topic_node(chart: &mut Flowchart, map: &BoundaryMap, topic: &str) -> String {
    let mut lines = vec![topic.to_string()];
    if map.consumers_of(topic).next().is_none() {
        lines.push("no consumer found".to_string());
    }
    chart.node(format!("topic:{topic}"), &lines, Shape::Stadium)
}

/// The Mermaid source (without the fence) of the touched chain, and whether
/// some side effects were left out.
pub fn flowchart(map: &BoundaryMap) -> Option<(String, usize)> {
    let mut chart = Flowchart::default();
    let mut risky_topics: Vec<String> = Vec::new();
    for boundary in map.boundaries.iter().take(MAX_DRAWN) {
        match (&boundary.kind, boundary.side) {
            (BoundaryKind::SideEffect(_), Side::Head) => {
                let risky = draw_effect(&mut chart, map, boundary);
                risky_topics.extend(boundary.topics.iter().filter(|_| risky).cloned());
            }
            (BoundaryKind::SideEffect(effect), Side::Base) => {
                draw_removed_effect(&mut chart, map, boundary, &effect.callee);
            }
            (BoundaryKind::Transaction(transaction), Side::Head) => {
                let opened = Located {
                    name: transaction.opener.clone(),
                    line: boundary.span.start_line,
                };
                let from = outer_entry(&mut chart, boundary, &opened);
                let tx = transaction_node(&mut chart, &boundary.path, &opened);
                if let Some(from) = from {
                    chart.edge(&from, &tx, "opens", false, false);
                }
            }
            (BoundaryKind::Consumer(consumer), Side::Head) => {
                if let (Some(entry), Some(topic)) = (&boundary.entry, &consumer.topic) {
                    let node = entry_node(&mut chart, &boundary.path, entry);
                    let from = topic_node(&mut chart, map, topic);
                    chart.edge(&from, &node, "delivers", false, false);
                }
            }
            (BoundaryKind::Consumer(consumer), Side::Base) => {
                draw_removed_consumer(&mut chart, map, boundary, consumer);
            }
            _ => {}
        }
    }
    draw_consumers_of_topics(&mut chart, map, &risky_topics);
    if chart.nodes.is_empty() {
        return None;
    }
    let left_out = map.boundaries.len().saturating_sub(MAX_DRAWN);
    Some((chart.render(), left_out))
}

/// A side effect the change removed, with the topics it no longer
/// publishes to.
fn draw_removed_effect(
    chart: &mut Flowchart,
    map: &BoundaryMap,
    boundary: &Boundary,
    callee: &str,
) {
    let removed = chart.node(
        format!("removed:{}:{}", boundary.path, boundary.span.start_byte),
        &[
            format!("removed: {callee}"),
            format!(
                "{} before the change",
                place(&boundary.path, boundary.span.start_line)
            ),
        ],
        Shape::Rounded,
    );
    chart.mark(&removed, "removed");
    for topic in &boundary.topics {
        let node = topic_node(chart, map, topic);
        chart.edge(&removed, &node, "no longer publishes", false, true);
    }
}

/// A consumer the change removed, with the topic no longer delivered to it.
fn draw_removed_consumer(
    chart: &mut Flowchart,
    map: &BoundaryMap,
    boundary: &Boundary,
    consumer: &crate::gate::Consumer,
) {
    let removed = chart.node(
        format!("removed:{}:{}", boundary.path, boundary.span.start_byte),
        &[
            format!("removed consumer: {}", consumer.label),
            format!(
                "{} before the change",
                place(&boundary.path, boundary.span.start_line)
            ),
        ],
        Shape::Subroutine,
    );
    chart.mark(&removed, "removed");
    if let Some(topic) = &consumer.topic {
        let from = topic_node(chart, map, topic);
        chart.edge(&from, &removed, "no longer delivered", false, true);
    }
}

/// Consumers of every drawn topic, touched or not; an edge is risky when
/// the topic is published before commit and the consumer returns early.
fn draw_consumers_of_topics(chart: &mut Flowchart, map: &BoundaryMap, risky_topics: &[String]) {
    let mut topics: Vec<String> = chart
        .ids
        .keys()
        .filter_map(|key| key.strip_prefix("topic:").map(str::to_string))
        .collect();
    topics.sort();
    for topic in &topics {
        let from = topic_node(chart, map, topic);
        for consumer in map.consumers_of(topic).take(MAX_CONSUMERS_PER_TOPIC) {
            let to = entry_node(chart, &consumer.path, &consumer.entry);
            let early = !consumer.early_returns.is_empty();
            let risky = risky_topics.contains(topic) && early;
            let label = if risky {
                "delivers, may arrive before commit and be skipped"
            } else {
                "delivers"
            };
            chart.edge(&from, &to, label, risky, false);
            if risky {
                chart.mark(&to, "risky");
            }
        }
    }
}

/// Draw one head-side side effect with its entry, transaction and topic.
/// Returns whether its incoming edge is risky.
fn draw_effect(chart: &mut Flowchart, map: &BoundaryMap, boundary: &Boundary) -> bool {
    let BoundaryKind::SideEffect(effect) = &boundary.kind else {
        return false;
    };
    let described = match (&effect.destination, effect.outbox) {
        (_, true) => format!("{} (outbox row)", effect.callee),
        (Some(_), false) if !boundary.topics.is_empty() => effect.callee.clone(),
        (Some(destination), false) => format!("{} → {destination}", effect.callee),
        (None, false) => format!("{} ({})", effect.callee, effect.label),
    };
    let node = chart.node(
        // The same call on the same line (minified code) is drawn once.
        format!(
            "effect:{}:{}:{described}",
            boundary.path, boundary.span.start_line
        ),
        &[described, place(&boundary.path, boundary.span.start_line)],
        Shape::Rounded,
    );
    let has_finding = !boundary.findings.is_empty();
    let unkeyed_retry = effect.non_idempotent && effect.idempotency_key.is_none();
    let (from, label, risky) = match (&effect.transaction, &effect.deferred_by) {
        (Some(transaction), deferred) => {
            let from = outer_entry(chart, boundary, transaction);
            let tx = transaction_node(chart, &boundary.path, transaction);
            if let Some(from) = from {
                chart.edge(&from, &tx, "opens", false, false);
            }
            match deferred {
                Some(deferral) => (tx, format!("after commit ({})", deferral.name), has_finding),
                None if effect.outbox => (tx, "same commit".to_string(), has_finding),
                None => (tx, "before commit".to_string(), true),
            }
        }
        (None, Some(deferral)) => match &boundary.entry {
            Some(entry) => (
                entry_node(chart, &boundary.path, entry),
                format!("after commit ({})", deferral.name),
                has_finding,
            ),
            None => (String::new(), String::new(), has_finding),
        },
        (None, None) => {
            let (label, risky) = match (&effect.retry, &effect.loop_header) {
                (Some(retry), _) => (
                    format!("retried by {}", retry.name),
                    unkeyed_retry || has_finding,
                ),
                (None, Some(_)) => ("once per loop iteration".to_string(), has_finding),
                (None, None) => ("calls".to_string(), has_finding),
            };
            match &boundary.entry {
                Some(entry) => (entry_node(chart, &boundary.path, entry), label, risky),
                None => (String::new(), label, risky),
            }
        }
    };
    if !from.is_empty() {
        chart.edge(&from, &node, &label, risky, false);
    }
    if risky {
        chart.mark(&node, "risky");
    }
    for topic in &boundary.topics {
        let to = topic_node(chart, map, topic);
        let label = if effect.outbox {
            "relay publishes"
        } else {
            "publishes"
        };
        chart.edge(&node, &to, label, false, false);
    }
    risky
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risky_edges_are_styled_by_index_and_prefixed() {
        let mut chart = Flowchart::default();
        let a = chart.node("a".into(), &["A".to_string()], Shape::Rectangle);
        let b = chart.node("b".into(), &["B".to_string()], Shape::Hexagon);
        let c = chart.node("c".into(), &["C".to_string()], Shape::Rounded);
        chart.edge(&a, &b, "opens", false, false);
        chart.edge(&b, &c, "before commit", true, false);
        chart.edge(&b, &c, "again", false, false);
        let text = chart.render();
        assert!(
            text.contains("  n2 -->|\"⚠ before commit\"| n3\n"),
            "{text}"
        );
        assert!(
            text.contains("  linkStyle 1 stroke:#d73a49,stroke-width:2px\n"),
            "{text}"
        );
        assert_eq!(
            text.matches("n2 -->").count(),
            1,
            "edges are not duplicated: {text}"
        );
        assert!(text.contains("  n2{{\"B\"}}\n"), "{text}");
    }
}
