//! Where workflows start, found in one file: route handlers, message
//! consumers and jobs, each with the other systems it reaches (through the
//! packs' sinks and the see-through layer's helper summaries) and the
//! topics, queues and tasks it publishes or enqueues.
//!
//! Listeners of in-process events — the DOM and canvas (`click`,
//! `transformend`), processes (`SIGTERM`), streams and a job library's own
//! lifecycle (`error`, `failed`, `completed`) — and code of user interfaces
//! are left out here, with the reason, so `init` can say what it skipped.

use super::names;
use super::registry::{Registry, channel_stem};
use crate::flow::{ScopeWalker, WalkState, destination};
use crate::gate::handler_entry;
use crate::knowledge::{Delivery, HandlerRole, Knowledge, SinkKind};
use crate::model::{
    BlockKind, Call, FileModel, Function, FunctionOrigin, Language, Node, Span, Value,
};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// Folders that hold user-interface code (components, pages, the browser bundle).
const UI_FOLDERS: &[&str] = &[
    "components",
    "frontend",
    "ui",
    "public",
    "static",
    "assets",
    "www",
    "browser",
    "hooks",
];

static HELPER_PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\(([^()\s:]+\.(?:py|ts|tsx|js|jsx|mjs|cjs|mts|cts|rs)):(\d+)\)")
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// A route handler, consumer or job that may start or carry a workflow.
#[derive(Debug, Clone)]
pub struct EntryPoint {
    /// What it is.
    pub role: HandlerRole,
    /// How a reviewer names it (`POST /api/orders`, `task send_receipt`).
    pub label: String,
    /// Its file.
    pub path: String,
    /// Its first line.
    pub line: u32,
    /// Its language.
    pub language: Language,
    /// The business noun it acts on (`orders`), a slug.
    pub noun: String,
    /// The names producers use for it: its topic, queue or task name and,
    /// for a task without one, its function's name and dotted path.
    pub keys: BTreeSet<String>,
    /// Its topic, queue or task name as registered, if written.
    pub topic: Option<String>,
    /// The systems it reaches, by label (`e-mail provider (Django)`).
    pub reaches: BTreeMap<String, SinkKind>,
    /// The topics, queues and tasks it publishes or enqueues.
    pub publishes: BTreeSet<String>,
    /// The in-process channels it hands work to, each received by a
    /// background worker the project spawns (by [`channel_stem`]).
    pub feeds: BTreeSet<String>,
    /// Other files of the project it reaches through helpers.
    pub helper_files: BTreeSet<String>,
    /// The helpers of other files its chains run through, by file and
    /// first line, outermost first (a route that calls the job's own
    /// enqueue helper, which calls the generic one).
    pub through: Vec<(String, u32)>,
    /// Whether it is known as a job only by a job-like name that starts with
    /// a producer's verb (`enqueueReportJob`): it enqueues jobs rather than
    /// runs one, so it joins the workflow of the jobs it starts but starts
    /// none of its own.
    pub producer: bool,
}

/// Why a handler is not a workflow entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeftOut {
    /// It listens to an in-process, UI, process or library lifecycle event.
    InProcessEvent,
    /// It is user-interface code.
    UserInterface,
    /// It reaches no other system and nothing joins it to one.
    NoBoundary,
}

/// First words of a function named like a job (`*Job`) that starts jobs
/// rather than runs one.
const PRODUCER_VERBS: &[&str] = &[
    "enqueue", "queue", "schedule", "dispatch", "add", "push", "submit", "publish", "trigger",
    "emit", "start", "create",
];

/// How a spawned background worker is labelled (`worker run_updates`).
const WORKER_LABEL: &str = "worker ";

/// Methods that hand a message to an in-process channel.
const CHANNEL_SENDS: &[&str] = &[
    "send",
    "try_send",
    "send_async",
    "blocking_send",
    "send_timeout",
    "unbounded_send",
    "put",
    "put_nowait",
];

/// Methods a background worker waits on for its next piece of work: a
/// channel or stream's next message, a timer's tick, a connection.
const WAITS: &[&str] = &[
    "recv",
    "recv_async",
    "recv_timeout",
    "next",
    "tick",
    "sleep",
    "sleep_until",
    "changed",
    "notified",
    "accept",
    "get",
    "receive",
];

/// Whether a function waits, in a loop of its own body, for its next piece
/// of work (`while let Some(job) = rx.recv().await`, `loop { select! {
/// .. = rx.recv() => .. } }`, `loop { interval.tick().await; .. }`).
fn waits_in_a_loop(function: &Function) -> bool {
    fn in_nodes(nodes: &[Node], inside_loop: bool) -> bool {
        nodes.iter().any(|node| match node {
            Node::Call(call) if inside_loop => waits(call),
            Node::Block(block) => {
                let is_loop = matches!(block.kind, BlockKind::Loop { .. });
                let header_waits = match &block.kind {
                    BlockKind::Loop { header } => {
                        WAITS.iter().any(|w| header.contains(&format!(".{w}(")))
                    }
                    _ => false,
                };
                header_waits || in_nodes(&block.body, inside_loop || is_loop)
            }
            _ => false,
        })
    }
    fn waits(call: &Call) -> bool {
        let mut found = WAITS.contains(&call.method.as_str())
            || call
                .chain
                .iter()
                .any(|c| WAITS.contains(&c.method.as_str()));
        if !found {
            for arg in &call.args {
                if let Value::Call(inner) = &arg.value {
                    found |= waits(inner);
                }
            }
        }
        found
    }
    in_nodes(&function.body, false)
}

/// The entry points of one file, and the handlers left out with their label.
#[derive(Debug, Default)]
pub struct FileEntries {
    /// Entry points, in source order.
    pub entries: Vec<EntryPoint>,
    /// Handlers that are not entry points: why, and their label.
    pub left_out: Vec<(LeftOut, String)>,
}

/// A function that handles requests or messages, before its calls are read.
struct Candidate<'a> {
    function: &'a Function,
    role: HandlerRole,
    topic: Option<String>,
    label: String,
    noun: Option<String>,
    /// Names producers use for it beyond its own (the channels a spawned
    /// worker receives from).
    keys: BTreeSet<String>,
}

/// One parsed source file.
pub struct SourceFile<'a> {
    /// Its path.
    pub path: &'a str,
    /// Its text.
    pub source: &'a str,
    /// Its language.
    pub language: Language,
    /// Its model.
    pub model: &'a FileModel,
}

/// Find the entry points of one parsed file; `knowledge` is the packs with
/// the file's helpers (its own and imported) laid over them, `registry`
/// the route tables and queues of the whole repository.
pub fn find_entries(
    file: &SourceFile<'_>,
    registry: &Registry,
    knowledge: &Knowledge,
) -> FileEntries {
    let (path, language, model) = (file.path, file.language, file.model);
    let walker = ScopeWalker::new(knowledge, model);
    let structural = structural_candidates(path, model, knowledge, registry);
    let user_interface = is_user_interface(path, language, file.source);
    let mut entries: BTreeMap<usize, EntryPoint> = BTreeMap::new();
    let mut left_out: BTreeMap<usize, (LeftOut, String)> = BTreeMap::new();
    walker.walk(model, &mut |call, state| {
        let Some(candidate) = candidate_of(call, state, &structural) else {
            return;
        };
        let start = candidate.function.span.start_byte;
        if left_out.contains_key(&start) {
            return;
        }
        let entry = match entries.entry(start) {
            std::collections::btree_map::Entry::Occupied(found) => found.into_mut(),
            std::collections::btree_map::Entry::Vacant(slot) => {
                if let Some(reason) = rejection(&candidate, knowledge, user_interface) {
                    left_out.insert(start, (reason, candidate.label));
                    return;
                }
                slot.insert(new_entry(path, language, candidate))
            }
        };
        if walker.is_local_receiver(call, state) {
            return;
        }
        if CHANNEL_SENDS.contains(&call.method.as_str())
            && let Some(stem) = call.receiver.as_deref().and_then(channel_stem)
            && registry.is_worker_channel(&stem)
        {
            entry.feeds.insert(stem);
        }
        if let Some(sink) = knowledge.sink(call) {
            let system = sink.label.split(" via ").next().unwrap_or(&sink.label);
            entry.reaches.insert(system.to_string(), sink.kind);
            for caps in HELPER_PLACE.captures_iter(&sink.label) {
                if caps[1] != *path {
                    entry.helper_files.insert(caps[1].to_string());
                    if let Ok(line) = caps[2].parse() {
                        let place = (caps[1].to_string(), line);
                        if !entry.through.contains(&place) {
                            entry.through.push(place);
                        }
                    }
                }
            }
            if sink.kind == SinkKind::Event {
                if let Some(topic) = destination(call) {
                    entry.publishes.insert(topic);
                }
                // `emails.add('receipt', ..)` publishes to the `emails` queue.
                if let Some(queue) = call
                    .receiver
                    .as_deref()
                    .and_then(|r| registry.queue_of(path, language, file.source, r))
                {
                    entry.publishes.insert(queue);
                }
            }
        }
    });
    FileEntries {
        entries: entries.into_values().collect(),
        left_out: left_out.into_values().collect(),
    }
}

/// The handler a call runs in: the walker's (a registration, decorator or
/// name the packs know), else the innermost structural candidate around it.
fn candidate_of<'a>(
    call: &Call,
    state: &WalkState<'a>,
    structural: &[Candidate<'a>],
) -> Option<Candidate<'a>> {
    if let (Some(function), Some(role)) = (state.handler, state.role) {
        // A route file's handler is named by the file (`POST /api/links`).
        if let Some(known) = structural
            .iter()
            .find(|c| c.function.span.start_byte == function.span.start_byte)
        {
            return Some(Candidate {
                function,
                role: known.role,
                topic: known.topic.clone(),
                label: known.label.clone(),
                noun: known.noun.clone(),
                keys: known.keys.clone(),
            });
        }
        let topic = state.handler_topic.map(str::to_string);
        let entry = handler_entry(function, role, topic.clone());
        return Some(Candidate {
            function,
            role,
            topic,
            label: entry.label,
            noun: None,
            keys: BTreeSet::new(),
        });
    }
    structural
        .iter()
        .filter(|c| contains(c.function.span, call.span))
        .min_by_key(|c| c.function.span.end_byte - c.function.span.start_byte)
        .map(|c| Candidate {
            function: c.function,
            role: c.role,
            topic: c.topic.clone(),
            label: c.label.clone(),
            noun: c.noun.clone(),
            keys: c.keys.clone(),
        })
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start_byte <= inner.start_byte && inner.end_byte <= outer.end_byte
}

/// Why a handler is no entry point, if it is not one.
fn rejection(
    candidate: &Candidate<'_>,
    knowledge: &Knowledge,
    user_interface: bool,
) -> Option<LeftOut> {
    if user_interface {
        return Some(LeftOut::UserInterface);
    }
    if candidate.role == HandlerRole::Route {
        return None;
    }
    let lifecycle = candidate
        .topic
        .as_deref()
        .is_some_and(|topic| knowledge.is_lifecycle_event(topic));
    let in_process = candidate.role == HandlerRole::Consumer
        && knowledge.delivery(candidate.function) == Delivery::AtMostOnce;
    (lifecycle || in_process).then_some(LeftOut::InProcessEvent)
}

/// Whether a candidate job is known only by a job-like name that starts with
/// a producer's verb (`enqueueBackgroundJob`, `schedule_cleanup_job`): no
/// decorator, registration or queue makes it a job, and its name says it
/// enqueues one.
fn is_named_producer(candidate: &Candidate<'_>) -> bool {
    let function = candidate.function;
    if candidate.role != HandlerRole::Job
        || candidate.topic.is_some()
        || !function.decorators.is_empty()
        || !matches!(
            function.origin,
            FunctionOrigin::Declaration | FunctionOrigin::Anonymous
        )
    {
        return false;
    }
    let name = crate::flow::derived::short_name(function);
    let first: String = name
        .trim_start_matches('_')
        .chars()
        .take_while(|c| c.is_ascii_lowercase())
        .collect();
    PRODUCER_VERBS.contains(&first.as_str())
}

fn new_entry(path: &str, language: Language, candidate: Candidate<'_>) -> EntryPoint {
    let function = candidate.function;
    let producer = is_named_producer(&candidate);
    let short = crate::flow::derived::short_name(function);
    let topic = candidate
        .topic
        .clone()
        .filter(|t| !names::is_schedule(t) && !t.trim().is_empty());
    let mut keys = candidate.keys.clone();
    if let Some(topic) = &topic {
        keys.insert(topic.clone());
    }
    if candidate.role != HandlerRole::Route && topic.is_none() {
        // A task without a name is called by its function (`send_receipt.delay`)
        // and registered under its dotted path (`orders.tasks.send_receipt`).
        if matches!(function.origin, FunctionOrigin::Declaration) {
            keys.insert(short.to_string());
            keys.insert(format!("{}.{short}", names::dotted_module(path)));
        }
    }
    let noun = candidate
        .noun
        .or_else(|| names::entry_noun(candidate.role, topic.as_deref(), function, path))
        .unwrap_or_else(|| names::slug(short));
    let label = match (candidate.role, &function.origin, topic.is_some()) {
        (HandlerRole::Job, FunctionOrigin::Declaration, false)
            if !candidate.label.starts_with(WORKER_LABEL) =>
        {
            format!("task {short}")
        }
        _ => candidate.label,
    };
    EntryPoint {
        role: candidate.role,
        label,
        path: path.to_string(),
        line: function.span.start_line,
        language,
        noun,
        keys,
        topic,
        reaches: BTreeMap::new(),
        publishes: BTreeSet::new(),
        feeds: BTreeSet::new(),
        helper_files: BTreeSet::new(),
        through: Vec::new(),
        producer,
    }
}

/// Whether a file is user-interface code: JSX/TSX components, code that
/// runs in the browser ([`crate::context::runs_in_browser`]), or a file
/// under a components, frontend, UI or static-assets folder.
fn is_user_interface(path: &str, language: Language, source: &str) -> bool {
    if language == Language::Tsx
        || path.ends_with(".jsx")
        || crate::context::runs_in_browser(language, source)
    {
        return true;
    }
    path.split('/')
        .rev()
        .skip(1)
        .any(|segment| UI_FOLDERS.contains(&segment))
}

/// Handlers the walker does not register but the packs' structure names:
/// the exported verbs of a route file (Next.js `export async function
/// POST`, `export const POST = withAuth(async (req) => ..)`), functions a
/// route table registers by reference (`post(create_order)`) and the
/// request methods of view classes (`CaseViewSet.create`).
fn structural_candidates<'a>(
    path: &str,
    model: &'a FileModel,
    knowledge: &Knowledge,
    registry: &Registry,
) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    if let Some(route) = knowledge.route_of_file(path) {
        let noun = names::noun_from_route(&route.route);
        for (name, function) in exported_handlers(&model.module.body, route.exports) {
            out.push(Candidate {
                function,
                role: HandlerRole::Route,
                topic: Some(route.route.clone()),
                label: format!("{} {}", name.to_ascii_uppercase(), route.route),
                noun: noun.clone(),
                keys: BTreeSet::new(),
            });
        }
    }
    let mut stack: Vec<&'a Function> = vec![&model.module];
    while let Some(function) = stack.pop() {
        let declared = matches!(function.origin, FunctionOrigin::Declaration);
        let short = crate::flow::derived::short_name(function);
        if let Some(table) = registry.route_of(path, short).filter(|_| declared) {
            out.push(Candidate {
                function,
                role: HandlerRole::Route,
                topic: Some(table.route.clone()),
                label: format!("{} {}", table.verb, table.route),
                noun: names::noun_from_route(&table.route),
                keys: BTreeSet::new(),
            });
        } else if knowledge.is_view_method(function) {
            let class = function.class.as_deref().unwrap_or_default();
            out.push(Candidate {
                function,
                role: HandlerRole::Route,
                topic: None,
                label: format!("{class}.{short}"),
                noun: names::noun_from_class(class),
                keys: BTreeSet::new(),
            });
        } else if let Some(channels) = registry.spawned(short).filter(|_| declared)
            && waits_in_a_loop(function)
        {
            // A background worker: started as a task and waiting, in a loop,
            // for the next message, tick or trigger.
            out.push(Candidate {
                function,
                role: HandlerRole::Job,
                topic: None,
                label: format!("{WORKER_LABEL}{short}"),
                noun: None,
                keys: channels.clone(),
            });
        }
        push_functions(&function.body, &mut stack);
    }
    out
}

fn push_functions<'a>(nodes: &'a [Node], stack: &mut Vec<&'a Function>) {
    for node in nodes {
        match node {
            Node::Function(function) => stack.push(function),
            Node::Block(block) => push_functions(&block.body, stack),
            _ => {}
        }
    }
}

/// Module-level functions named like the route file's handlers, and the
/// callbacks of calls bound to such a name (`const POST = withAuth(fn)`).
fn exported_handlers<'a>(nodes: &'a [Node], exports: &[String]) -> Vec<(String, &'a Function)> {
    let mut out = Vec::new();
    for node in nodes {
        match node {
            Node::Function(function) if exports.contains(&function.name) => {
                out.push((function.name.clone(), function));
            }
            Node::Call(call) => {
                let Some(name) = call
                    .bound_to
                    .as_deref()
                    .filter(|n| exports.iter().any(|e| e == n))
                else {
                    continue;
                };
                if let Some(function) = first_callback(call) {
                    out.push((name.to_string(), function));
                }
            }
            _ => {}
        }
    }
    out
}

/// The first inline function among a call's arguments, nested calls included
/// (`withAuth(withRateLimit(async (req) => ..))`).
fn first_callback(call: &Call) -> Option<&Function> {
    call.args.iter().find_map(|arg| match &arg.value {
        Value::Function(function) => Some(function.as_ref()),
        Value::Call(inner) => first_callback(inner),
        _ => None,
    })
}
