//! Entry points grouped into workflows a maintainer would name: by the
//! business noun they act on, with the producer of a topic, queue or task
//! and its consumers joined into one workflow (a route that enqueues a job
//! that e-mails is one workflow), ranked by how many boundaries they cross.

use super::entries::{EntryPoint, LeftOut};
use super::names::grouping_key;
use crate::knowledge::HandlerRole;
use crate::model::Ecosystem;
use std::collections::BTreeSet;
use std::fmt::Write;

/// At most this many entry points are named in a workflow's evidence line.
const EVIDENCE_ENTRIES: usize = 2;

/// A workflow inferred from entry points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferredWorkflow {
    /// Its name (`orders`), a lowercase slug.
    pub name: String,
    /// The files of its entry points and of the helpers they reach, sorted.
    pub paths: BTreeSet<String>,
    /// The topics, queues and tasks it publishes and consumes, sorted.
    pub topics: BTreeSet<String>,
    /// One line saying what it was inferred from.
    pub evidence: String,
    /// How many boundaries it crosses: the distinct systems its entry
    /// points reach, plus each hop from a producer to a consumer.
    pub boundaries: usize,
    /// How many entry points it has.
    pub entries: usize,
    /// The ecosystem of its first entry point.
    pub ecosystem: Ecosystem,
}

/// What was left out, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Omissions {
    /// Listeners of in-process, UI, process and library lifecycle events.
    pub events: Vec<String>,
    /// Handlers in user-interface code.
    pub user_interface: Vec<String>,
    /// Entry points that reach no other system and join none that does.
    pub no_boundary: Vec<String>,
    /// Workflows beyond the cap, with their boundary counts.
    pub beyond_cap: Vec<(String, usize)>,
    /// Functions named like jobs that enqueue jobs rather than run one, and
    /// joined no job they start.
    pub producers: Vec<String>,
}

impl Omissions {
    /// Record handlers a file left out.
    pub fn add(&mut self, left_out: Vec<(LeftOut, String)>) {
        for (reason, label) in left_out {
            match reason {
                LeftOut::InProcessEvent => self.events.push(label),
                LeftOut::UserInterface => self.user_interface.push(label),
                LeftOut::NoBoundary => self.no_boundary.push(label),
            }
        }
    }
}

/// A workflow being assembled: indexes into the entry points.
struct Group {
    key: String,
    name: String,
    members: Vec<usize>,
    /// Members joined as consumers of another member's topic.
    hops: usize,
}

/// Group entry points into workflows, at most `cap` of them, most
/// boundaries first.
pub fn infer(
    entries: &[EntryPoint],
    cap: usize,
    omissions: &mut Omissions,
) -> Vec<InferredWorkflow> {
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| {
        let e = &entries[i];
        (e.role != HandlerRole::Route, e.path.clone(), e.line)
    });
    // A channel counts when a worker that receives from it reaches out.
    let reaching_keys: BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.role != HandlerRole::Route)
        .filter(|e| !e.reaches.is_empty() || !e.publishes.is_empty())
        .flat_map(|e| e.keys.iter().map(String::as_str))
        .collect();
    let reaches_out = |e: &EntryPoint| {
        !e.reaches.is_empty()
            || !e.publishes.is_empty()
            || e.feeds.iter().any(|f| reaching_keys.contains(f.as_str()))
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut assigned: Vec<bool> = vec![false; entries.len()];
    for &index in &order {
        if assigned[index] || !reaches_out(&entries[index]) {
            continue;
        }
        // A route whose chain runs through another entry point's function
        // (the enqueue helper of a job) belongs to that entry's workflow.
        let entry = &entries[index];
        let joined = entry
            .through
            .iter()
            .filter(|_| entry.role == HandlerRole::Route)
            .find_map(|(path, line)| {
                entries.iter().find(|other| {
                    other.role != HandlerRole::Route
                        && other.line == *line
                        && other.path == *path
                        && reaches_out(other)
                })
            });
        let group = group_for(&mut groups, joined.map_or(&entry.noun, |o| &o.noun));
        assigned[index] = true;
        groups[group].members.push(index);
        join_consumers(entries, &mut groups[group], &mut assigned);
    }
    for (index, entry) in entries.iter().enumerate() {
        if !assigned[index] {
            omissions.no_boundary.push(entry.label.clone());
        }
    }
    // A group of enqueue helpers named like jobs that joined no job is no
    // workflow: the jobs they start were not found.
    let (groups, producers): (Vec<Group>, Vec<Group>) = groups
        .into_iter()
        .partition(|g| g.hops > 0 || g.members.iter().any(|&i| !entries[i].producer));
    for group in producers {
        omissions
            .producers
            .extend(group.members.iter().map(|&i| entries[i].label.clone()));
    }
    let mut workflows: Vec<InferredWorkflow> =
        groups.iter().map(|g| workflow_of(entries, g)).collect();
    workflows.sort_by(|a, b| {
        (b.boundaries, b.entries)
            .cmp(&(a.boundaries, a.entries))
            .then_with(|| a.name.cmp(&b.name))
    });
    for dropped in workflows.iter().skip(cap) {
        omissions
            .beyond_cap
            .push((dropped.name.clone(), dropped.boundaries));
    }
    workflows.truncate(cap);
    workflows
}

/// The group of a business noun, created if needed.
fn group_for(groups: &mut Vec<Group>, noun: &str) -> usize {
    let key = grouping_key(noun);
    if let Some(index) = groups.iter().position(|g| g.key == key) {
        return index;
    }
    groups.push(Group {
        key,
        name: noun.to_string(),
        members: Vec::new(),
        hops: 0,
    });
    groups.len() - 1
}

/// Add the consumers and jobs of every topic the group's members publish,
/// transitively (a job that publishes brings its consumers too).
fn join_consumers(entries: &[EntryPoint], group: &mut Group, assigned: &mut [bool]) {
    let mut cursor = 0;
    while cursor < group.members.len() {
        let producer = &entries[group.members[cursor]];
        for channel in &producer.feeds {
            for (index, consumer) in entries.iter().enumerate() {
                if !assigned[index]
                    && consumer.role != HandlerRole::Route
                    && consumer.keys.contains(channel)
                {
                    assigned[index] = true;
                    group.members.push(index);
                    group.hops += 1;
                }
            }
        }
        for topic in &producer.publishes {
            for (index, consumer) in entries.iter().enumerate() {
                if assigned[index] || consumer.role == HandlerRole::Route {
                    continue;
                }
                if consumer.keys.iter().any(|key| names_match(topic, key)) {
                    assigned[index] = true;
                    group.members.push(index);
                    group.hops += 1;
                }
            }
        }
        cursor += 1;
    }
}

/// Whether a published name and a consumer's key name the same thing:
/// equal, or one is the other's last dotted segment (`send_receipt.delay`
/// enqueues the task registered as `orders.tasks.send_receipt`).
fn names_match(published: &str, key: &str) -> bool {
    if published == key {
        return true;
    }
    let last = |name: &str| name.rsplit('.').next().unwrap_or(name).to_string();
    (!published.contains('.') && last(key) == published)
        || (!key.contains('.') && last(published) == key)
}

fn workflow_of(entries: &[EntryPoint], group: &Group) -> InferredWorkflow {
    let members: Vec<&EntryPoint> = group.members.iter().map(|&i| &entries[i]).collect();
    let mut systems: BTreeSet<&str> = BTreeSet::new();
    let mut paths = BTreeSet::new();
    let mut topics = BTreeSet::new();
    for member in &members {
        systems.extend(member.reaches.keys().map(String::as_str));
        paths.insert(member.path.clone());
        paths.extend(member.helper_files.iter().cloned());
        topics.extend(member.publishes.iter().filter(|t| is_topic(t)).cloned());
        if let Some(topic) = member.topic.as_ref().filter(|t| is_topic(t))
            && member.role != HandlerRole::Route
        {
            topics.insert(topic.clone());
        }
    }
    InferredWorkflow {
        name: group.name.clone(),
        paths,
        topics,
        evidence: evidence(&members),
        boundaries: systems.len() + group.hops,
        entries: members.len(),
        ecosystem: members
            .first()
            .map_or(Ecosystem::Js, |m| m.language.ecosystem()),
    }
}

/// Whether a name can be a topic pattern of `.handoff.yml` as it is.
fn is_topic(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/-".contains(c))
}

/// `POST /orders (src/orders.ts:3) → Stripe; publishes order.paid ·
/// worker.on order.paid (src/worker.ts:1) → e-mail provider`.
fn evidence(members: &[&EntryPoint]) -> String {
    let mut out = String::new();
    for (position, member) in members.iter().take(EVIDENCE_ENTRIES).enumerate() {
        if position > 0 {
            out.push_str(" · ");
        }
        let _ = write!(out, "{} ({}:{})", member.label, member.path, member.line);
        let systems: Vec<&str> = member.reaches.keys().map(String::as_str).collect();
        if !systems.is_empty() {
            let _ = write!(out, " → {}", systems.join(", "));
        }
        let published: Vec<&str> = member.publishes.iter().map(String::as_str).collect();
        if !published.is_empty() {
            let _ = write!(out, "; enqueues {}", published.join(", "));
        }
        let fed: Vec<&str> = member.feeds.iter().map(String::as_str).collect();
        if !fed.is_empty() {
            let _ = write!(out, "; hands work to the {} channel", fed.join(", "));
        }
    }
    if members.len() > EVIDENCE_ENTRIES {
        let more = members.len() - EVIDENCE_ENTRIES;
        let _ = write!(
            out,
            " · and {more} more entry point{}",
            if more == 1 { "" } else { "s" }
        );
    }
    out
}
