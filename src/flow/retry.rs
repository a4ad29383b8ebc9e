//! Retry scopes: the code that runs again when something in it fails.
//!
//! The [`super::ScopeWalker`] asks this module, at every callback, decorated
//! function and loop, whether it re-runs on failure: the callback of a retry
//! wrapper (`pRetry(fn)`, `Retry::spawn(strategy, || ..)`), a function whose
//! decorator retries it (`@retry`, `@shared_task(autoretry_for=..)`), or a
//! hand-written retry loop (`for attempt in range(3): try: .. except: sleep`).
//! Which libraries retry is knowledge (`retries:` in the packs); what a
//! hand-written retry loop looks like is decided here, from the syntax.

use crate::knowledge::{Knowledge, identifier_words};
use crate::model::{Block, BlockKind, Call, FileModel, Function, Node, Span, Value};
use std::collections::HashSet;

/// How code comes to run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryKind {
    /// The callback of a retry wrapper call (`pRetry(fn)`, backon `.retry()`).
    Wrapper,
    /// A function retried by its decorator or task options (`@retry`,
    /// Celery `autoretry_for`, a task calling `self.retry`).
    Decorator,
    /// A hand-written loop that tries again after a failure.
    Loop,
}

/// A region of code that runs again when it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryScope {
    /// How the code comes to run again.
    pub kind: RetryKind,
    /// What retries it, for messages (`p-retry`, `tenacity @retry`,
    /// `the retry loop \`for attempt in range(3)\``).
    pub label: String,
    /// Where the retry is set up: the wrapper call, the decorator, the loop.
    pub origin: Span,
    /// The code that runs again on every attempt (the callback, the
    /// decorated function, the loop).
    pub region: Span,
    /// Whether the evidence is direct (a retry library, a loop whose header
    /// counts attempts) rather than a heuristic (an unnamed loop that sleeps
    /// after a failure).
    pub certain: bool,
    /// Whether the code re-runs only where it asks for a retry (Celery
    /// `self.retry(..)`) rather than on any failure.
    pub explicit: bool,
}

/// Words that, in a loop header, say the loop counts attempts.
const ATTEMPT_WORDS: &[&str] = &[
    "attempt", "attempts", "retry", "retries", "retrying", "retried", "tries", "try", "tried",
];

/// Words that name a retry schedule: the delays a loop waits between attempts
/// (`for delay in RETRY_DELAYS`, `for (const wait of backoffSchedule)`).
const SCHEDULE_WORDS: &[&str] = &[
    "delay",
    "delays",
    "backoff",
    "backoffs",
    "schedule",
    "wait",
    "waits",
    "interval",
    "intervals",
    "pause",
    "pauses",
    "sleep",
    "sleeps",
];

/// Options set, somewhere in the file, to more than one attempt (`attempts: 5`),
/// for retry entries with `when_file_options`.
pub fn file_retry_options(model: &FileModel) -> HashSet<String> {
    let mut options = HashSet::new();
    model.module.for_each_call(&mut |call| {
        for arg in &call.args {
            if let Some(keyword) = &arg.keyword
                && more_than_one(&arg.value)
            {
                options.insert(keyword.clone());
            }
            collect_counted_options(&arg.value, &mut options);
        }
    });
    options
}

fn collect_counted_options(value: &Value, options: &mut HashSet<String>) {
    if let Value::Object(props) = value {
        for prop in props {
            if more_than_one(&prop.value) {
                options.insert(prop.key.clone());
            }
            collect_counted_options(&prop.value, options);
        }
    }
}

/// A literal count above one, or a value the code computes (a constant, a
/// setting), which we take to be a real retry budget.
fn more_than_one(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.trim().parse::<f64>().is_ok_and(|n| n > 1.0),
        Value::Path(p) => !matches!(p.as_str(), "None" | "null" | "undefined"),
        Value::Call(_) => true,
        _ => false,
    }
}

/// The retry scope of a callback passed to `call`, when `call` is a retry
/// wrapper (`pRetry(async () => ..)`).
pub fn wrapper_scope(
    call: &Call,
    callback: &Function,
    knowledge: &Knowledge,
    file_options: &HashSet<String>,
) -> Option<RetryScope> {
    let mechanism = knowledge.retry_wrapper(call, &|o| file_options.contains(o))?;
    Some(RetryScope {
        kind: RetryKind::Wrapper,
        label: wrapper_label(&mechanism.label, call),
        origin: call.span,
        region: callback.span,
        certain: true,
        explicit: false,
    })
}

/// A wrapper's label for messages: the library (`p-retry`), or — for a
/// project's own helper matched by name — the call itself (`this.retryDb`).
pub fn wrapper_label(label: &str, call: &Call) -> String {
    if label.starts_with("a ") {
        format!("`{}`", crate::flow::shorten(&call.callee, 40))
    } else {
        label.to_string()
    }
}

/// The retry scope of a declared function retried by its decorator, or by
/// itself: a call of its own name in a failure branch (`catch (e) { return
/// postWithRetry(url, body, attempt + 1) }`) runs the whole function again.
pub fn function_scope(
    function: &Function,
    knowledge: &Knowledge,
    file_options: &HashSet<String>,
) -> Option<RetryScope> {
    decorator_scope(function, knowledge, file_options).or_else(|| recursive_scope(function))
}

/// The retry scope of a function that calls itself again when it fails.
fn recursive_scope(function: &Function) -> Option<RetryScope> {
    let name = crate::flow::derived::short_name(function);
    if name.is_empty() || name.starts_with('<') {
        return None;
    }
    let own = |callee: &str| {
        callee == name
            || callee
                .strip_prefix("this.")
                .or_else(|| callee.strip_prefix("self."))
                .or_else(|| callee.strip_prefix("Self."))
                == Some(name)
    };
    let mut again: Option<&Call> = None;
    scan_blocks(&function.body, &mut |block| {
        if again.is_none() && is_failure_branch(block) && !asks_the_operator(&block.body) {
            crate::model::for_each_call_in(&block.body, &mut |call| {
                if again.is_none() && own(&call.callee) {
                    again = Some(call);
                }
            });
        }
    });
    let again = again?;
    Some(RetryScope {
        kind: RetryKind::Decorator,
        label: format!(
            "its own call `{}` when it fails",
            crate::flow::shorten(&again.text, 40),
        ),
        origin: again.span,
        region: function.span,
        certain: true,
        explicit: false,
    })
}

/// Calls that wait for a person at the terminal or in the browser to answer
/// (`input("Try again? Y/N")`, `click.confirm(..)`, `window.confirm(..)`):
/// a failure branch that asks one before going round again leaves the retry
/// to the operator, who sees the failure; it is not an automatic repeat.
const OPERATOR_PROMPTS: &[&str] = &[
    "input",
    "raw_input",
    "click.confirm",
    "click.prompt",
    "typer.confirm",
    "typer.prompt",
    "Confirm.ask",
    "Prompt.ask",
    "inquirer.prompt",
    "readline.question",
    "rl.question",
    "confirm",
    "window.confirm",
    "prompt",
    "window.prompt",
];

/// Whether `nodes` ask the operator before going on ([`OPERATOR_PROMPTS`]).
fn asks_the_operator(nodes: &[Node]) -> bool {
    let mut asks = false;
    crate::model::for_each_call_in(nodes, &mut |call| {
        asks |= OPERATOR_PROMPTS.contains(&call.callee.as_str());
    });
    asks
}

/// The retry scope of a declared function retried by its decorator.
fn decorator_scope(
    function: &Function,
    knowledge: &Knowledge,
    file_options: &HashSet<String>,
) -> Option<RetryScope> {
    let (decorator, mechanism) =
        knowledge.retry_decorator(function, &|o| file_options.contains(o))?;
    Some(RetryScope {
        kind: RetryKind::Decorator,
        label: mechanism.label.clone(),
        origin: decorator.span,
        region: function.span,
        certain: true,
        explicit: mechanism.is_explicit(),
    })
}

/// The retry scope of a loop, when it is a hand-written retry loop.
///
/// A loop retries when its header counts attempts (`for attempt in
/// range(3)`, `while (tries--)`, `for _ in range(MAX_RETRIES)`, tenacity's
/// `for attempt in Retrying(..)`); or, for a bounded count with an unnamed
/// variable or an endless loop, when the loop catches a failure and sleeps
/// before going round again, and (endless loops) leaves on success.
pub fn loop_scope(block: &Block, knowledge: &Knowledge) -> Option<RetryScope> {
    let BlockKind::Loop { header } = &block.kind else {
        return None;
    };
    let header = header.trim();
    // A loop that asks the operator whether to go on is theirs to repeat.
    if asks_the_operator(&block.body) {
        return None;
    }
    // A loop named for polling (`for _ in range(MAX_POLL_ATTEMPTS)`,
    // `while polling`) goes round to wait for a result, not after a
    // failure: what it repeats asks whether the result is ready.
    if identifier_words(header)
        .iter()
        .any(|word| matches!(word.as_str(), "poll" | "polls" | "polling"))
    {
        return None;
    }
    let scope = |label: String, certain: bool| RetryScope {
        kind: RetryKind::Loop,
        label,
        origin: block.span,
        region: block.span,
        certain,
        explicit: false,
    };
    if header.contains("Retrying(") {
        let shown = crate::flow::shorten(header, 48);
        return Some(scope(format!("tenacity `for {shown}`"), true));
    }
    let certain = match split_iteration(header) {
        Some((variable, iterable)) => iteration_retries(variable, iterable, block, knowledge),
        None if header.contains(';') => c_style_loop_retries(header, block, knowledge),
        None => while_loop_retries(header, block, knowledge),
    }?;
    Some(scope(retry_loop_label(header), certain))
}

/// How a retry loop with this header is named in messages.
fn retry_loop_label(header: &str) -> String {
    if header.is_empty() || header == "loop" {
        return "the retry `loop`".to_string();
    }
    let shown = crate::flow::shorten(header, 48);
    let written = if header.contains(';') || header.contains(" of ") {
        format!("for ({shown})")
    } else if header.contains(" in ") {
        format!("for {shown}")
    } else {
        format!("while {shown}")
    };
    format!("the retry loop `{written}`")
}

/// Whether the text names a count of attempts (`attempt`, `MAX_RETRIES`).
fn counts_attempts(text: &str) -> bool {
    identifier_words(text)
        .iter()
        .any(|w| ATTEMPT_WORDS.contains(&w.as_str()))
}

/// Whether a `for variable in iterable` loop retries, and if so whether
/// certainly (`None` when it does not retry).
fn iteration_retries(
    variable: &str,
    iterable: &str,
    block: &Block,
    knowledge: &Knowledge,
) -> Option<bool> {
    // Iterating over records (`for attempt in job.attempts`) is not
    // retrying: only a count of attempts is, or a schedule of delays
    // named as one (`RETRY_DELAYS`, `backoffSchedule`) whose loop
    // catches a failure and waits.
    if !is_count(iterable) {
        let names_schedule = |text: &str| {
            identifier_words(text)
                .iter()
                .any(|w| SCHEDULE_WORDS.contains(&w.as_str()))
        };
        let schedule = is_plain_name(iterable)
            && (names_schedule(iterable) || names_schedule(variable))
            && catches_then_sleeps(&block.body, knowledge);
        return schedule.then(|| counts_attempts(iterable));
    }
    if counts_attempts(variable) || counts_attempts(iterable) {
        return Some(true);
    }
    catches_then_sleeps(&block.body, knowledge).then_some(false)
}

/// Whether a C-style `for (init; condition; step)` loop retries, and if so
/// whether certainly.
fn c_style_loop_retries(header: &str, block: &Block, knowledge: &Knowledge) -> Option<bool> {
    if counts_attempts(header) {
        return Some(true);
    }
    let condition = header.split(';').nth(1).unwrap_or("");
    (bounded_by_literal(condition) && catches_then_sleeps(&block.body, knowledge)).then_some(false)
}

/// Whether a `while` or endless loop retries (counting its attempts, or
/// endless and catching, sleeping and leaving on success), and if so whether
/// certainly.
fn while_loop_retries(header: &str, block: &Block, knowledge: &Knowledge) -> Option<bool> {
    if counts_attempts(header) {
        return Some(true);
    }
    let endless = matches!(
        header,
        "" | "loop" | "True" | "true" | "1" | "(true)" | "(True)"
    );
    if !endless || !catches_failure(&block.body) {
        return None;
    }
    // `Err(e) if attempts < 3 =>`, `if attempt >= MAX_RETRIES: raise`,
    // `attempts += 1`: the loop counts its attempts.
    if counts_attempts_inside(&block.body, &counts_attempts) {
        return Some(true);
    }
    (sleeps(&block.body, knowledge) && leaves_on_success(&block.body)).then_some(false)
}

/// `attempt in range(3)` → (`attempt`, `range(3)`); `const x of xs` →
/// (`x`, `xs`). `None` for C-style and `while` headers.
fn split_iteration(header: &str) -> Option<(&str, &str)> {
    if header.contains(';') {
        return None;
    }
    for separator in [" in ", " of "] {
        if let Some((variable, iterable)) = header.split_once(separator) {
            let variable = variable
                .trim()
                .trim_start_matches("const ")
                .trim_start_matches("let ")
                .trim_start_matches("var ")
                .trim_start_matches("await ")
                .trim();
            let plain = variable
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | ' ' | ',' | '(' | ')'));
            if plain {
                return Some((variable, iterable.trim()));
            }
        }
    }
    None
}

/// A bounded count: `range(3)`, `range(MAX_RETRIES)`, `0..3`, `1..=n`, or a
/// list of numbers (backoff delays `[1, 2, 4]`).
fn is_count(iterable: &str) -> bool {
    let iterable = iterable.trim_start_matches('(').trim();
    let numbers = iterable.len() > 2
        && iterable.starts_with('[')
        && iterable.ends_with(']')
        && iterable[1..iterable.len() - 1]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | ' ' | '.' | '_'));
    numbers
        || iterable.starts_with("range(")
        || iterable.starts_with("0..")
        || iterable.starts_with("1..")
        || iterable.starts_with("Array(")
        || iterable.starts_with("[...Array(")
}

/// A name or member path (`RETRY_DELAYS`, `self.backoff`, `config.retry.delays`),
/// not a call or an expression.
fn is_plain_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | ':'))
}

/// A C-style loop condition against a small literal: `i < 3`, `n <= 5`.
fn bounded_by_literal(condition: &str) -> bool {
    let Some((_, bound)) = condition.split_once('<') else {
        return false;
    };
    bound
        .trim_start_matches('=')
        .trim()
        .parse::<u32>()
        .is_ok_and(|n| n <= 10)
}

/// Whether the loop body catches a failure (a `catch`/`except`, a Rust
/// `Err(..)` arm) and sleeps or backs off somewhere in the loop.
fn catches_then_sleeps(body: &[Node], knowledge: &Knowledge) -> bool {
    catches_failure(body) && sleeps(body, knowledge)
}

fn catches_failure(body: &[Node]) -> bool {
    let mut catches = false;
    scan_blocks(body, &mut |block| {
        catches |= is_failure_branch(block);
    });
    catches
}

fn sleeps(body: &[Node], knowledge: &Knowledge) -> bool {
    let mut sleeps = false;
    crate::model::for_each_call_in(body, &mut |call| {
        sleeps |= knowledge.is_retry_sleep(call);
    });
    sleeps
}

/// Whether a condition, a match-arm guard or an assignment inside the loop
/// names an attempt counter.
fn counts_attempts_inside(body: &[Node], counts: &dyn Fn(&str) -> bool) -> bool {
    body.iter().any(|node| match node {
        Node::Block(block) => {
            let named = match &block.kind {
                BlockKind::If { condition } => tests_a_counter(condition, counts),
                BlockKind::Arm { pattern } => tests_a_counter(pattern, counts),
                _ => false,
            };
            named || counts_attempts_inside(&block.body, counts)
        }
        Node::Assign(assign) => counts(&assign.target),
        _ => false,
    })
}

/// Whether a condition tests an attempt counter: a variable named for
/// attempts (`attempts < 3`, `if retries:`), or a constant named so that the
/// condition orders against (`i >= MAX_RETRIES`). A constant it is only
/// compared with for identity (`result is RETRY_LATER`, `kind ==
/// RETRY_EVENT`) is a sentinel value, not a count.
fn tests_a_counter(condition: &str, counts: &dyn Fn(&str) -> bool) -> bool {
    // Each clause of `a and b` / `a || b` is a test of its own: the
    // constant must be ordered against in its own clause.
    condition
        .split(" and ")
        .flat_map(|clause| clause.split(" or "))
        .flat_map(|clause| clause.split("&&"))
        .flat_map(|clause| clause.split("||"))
        .any(|clause| {
            let orders = clause.char_indices().any(|(at, c)| match c {
                '<' => true,
                '>' => !matches!(clause[..at].chars().last(), Some('-' | '=')),
                _ => false,
            });
            clause
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|name| counts(name))
                .any(|name| orders || name.chars().any(char::is_lowercase))
        })
}

/// Whether a success path leaves the loop: a `return` inside a `try` block or
/// inside an `Ok(..)` arm.
fn leaves_on_success(body: &[Node]) -> bool {
    let mut leaves = false;
    scan_blocks(body, &mut |block| {
        let success = match &block.kind {
            BlockKind::Try => true,
            BlockKind::Arm { pattern } => pattern.trim_start().starts_with("Ok"),
            _ => false,
        };
        leaves |= success && block.body.iter().any(|n| matches!(n, Node::Return(_)));
    });
    leaves
}

/// Whether a hand-written retry loop goes round again only after the other
/// service answered that it did not act: the loop catches no failure (a
/// transport error, whose outcome is unknown, leaves it), a branch tests the
/// answer for a rejection that comes before any work (429 Too Many Requests,
/// a rate limit, throttling, 401 Unauthorized), and every other branch leaves the loop — an
/// `else` that leaves, or a negated test (`if status != 429: return r`)
/// before the fall-through. Repeating such an attempt repeats nothing the
/// service did.
pub fn goes_round_only_on_rejection(block: &Block, source: &str) -> bool {
    // A handler that always raises again (`except ValueError: raise
    // ApiError(..)`) lets the failure leave the loop too.
    let mut catches = false;
    scan_blocks(&block.body, &mut |inner| {
        catches |= is_failure_branch(inner) && !always_rethrows(inner, source);
    });
    if !matches!(block.kind, BlockKind::Loop { .. }) || catches {
        return false;
    }
    let text = |span: Span| source.get(span.start_byte..span.end_byte).unwrap_or("");
    // The branches before the answer a rejection test reads is bound build
    // the request (`if 'reply_to' in params: ..`); the outcome is tested
    // from that binding on.
    let rejection_tests: Vec<&str> = block
        .body
        .iter()
        .filter_map(|node| match node {
            Node::Block(Block {
                kind: BlockKind::If { condition },
                ..
            }) if names_rejection(condition) => Some(condition.as_str()),
            _ => None,
        })
        .collect();
    let answer_at = block
        .body
        .iter()
        .position(|node| {
            let bound = match node {
                Node::Call(call) => call.bound_to.as_deref(),
                Node::Assign(assign) => Some(assign.target.as_str()),
                _ => None,
            };
            bound.is_some_and(|name| {
                rejection_tests
                    .iter()
                    .any(|condition| crate::flow::outcome::has_word(condition, name))
            })
        })
        .unwrap_or(0);
    let branches: Vec<(&str, &Block)> = block.body[answer_at..]
        .iter()
        .filter_map(|node| match node {
            Node::Block(branch) => match &branch.kind {
                BlockKind::If { condition } => Some((condition.trim(), branch)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    if !branches
        .iter()
        .any(|(condition, _)| names_rejection(condition))
    {
        return false;
    }
    let mut other_outcomes_leave = false;
    for (condition, branch) in branches {
        let branch_text = text(branch.span);
        let leaves = ["break", "return", "raise", "throw"]
            .iter()
            .any(|word| crate::flow::outcome::has_word(branch_text, word))
            && !crate::flow::outcome::has_word(branch_text, "continue");
        if names_rejection(condition) {
            other_outcomes_leave |= leaves && is_negated(condition);
        } else if !leaves {
            return false;
        } else if condition == "else" {
            other_outcomes_leave = true;
        }
    }
    other_outcomes_leave
}

/// Whether a retry loop takes the conflict a repeated write is answered
/// with (409, `CONFLICT`) for the work done: a branch on it leaves the loop
/// without raising (`elif resp.status_code == 409: return existing`). The
/// author wrote the loop for a repeat the service turns away, so a second
/// attempt does not do the work twice.
pub fn takes_conflict_for_done(block: &Block, source: &str) -> bool {
    fn in_nodes(nodes: &[Node], source: &str) -> bool {
        nodes.iter().any(|node| match node {
            Node::Block(block) => match &block.kind {
                BlockKind::Loop { .. } => false,
                BlockKind::If { condition } if names_conflict(condition) => {
                    let text = source
                        .get(block.span.start_byte..block.span.end_byte)
                        .unwrap_or("");
                    ["return", "break"]
                        .iter()
                        .any(|word| crate::flow::outcome::has_word(text, word))
                        && !["raise", "throw", "continue"]
                            .iter()
                            .any(|word| crate::flow::outcome::has_word(text, word))
                }
                _ => in_nodes(&block.body, source),
            },
            _ => false,
        })
    }
    matches!(block.kind, BlockKind::Loop { .. }) && in_nodes(&block.body, source)
}

/// Whether a condition tests for a conflict answer (409, `CONFLICT`).
fn names_conflict(condition: &str) -> bool {
    crate::flow::outcome::has_word(condition, "409") || condition.contains("CONFLICT")
}

/// Whether `call` sits in a handler of a retry loop's attempt that always
/// leaves the loop (ends in `return`, `break`, `raise` or `throw`): what the
/// handler does runs once, when the loop gives up, and is never repeated
/// (`except AuthError: notify(..); return`).
pub fn in_handler_that_leaves(block: &Block, call: Span, source: &str) -> bool {
    fn in_nodes(nodes: &[Node], call: Span, source: &str) -> bool {
        nodes.iter().any(|node| {
            let Node::Block(block) = node else {
                return false;
            };
            let holds =
                block.span.start_byte <= call.start_byte && call.end_byte <= block.span.end_byte;
            match &block.kind {
                _ if !holds => false,
                BlockKind::Loop { .. } => false,
                BlockKind::Catch { .. } => {
                    ends_in_exit(
                        &block.body,
                        block.span.start_byte,
                        block.span.end_byte,
                        source,
                    ) || in_nodes(&block.body, call, source)
                }
                _ => in_nodes(&block.body, call, source),
            }
        })
    }
    matches!(block.kind, BlockKind::Loop { .. }) && in_nodes(&block.body, call, source)
}

/// Whether a loop can never go round: it ends with an unconditional exit
/// (`break`, `return`, `raise`, `throw`), or with a `try` whose body does
/// and whose every handler does too; and nothing in it says `continue`.
/// Such a loop runs its body once (a retry-count header written for a
/// retry that was never built, or taken out): nothing in it is repeated.
pub fn never_goes_round(block: &Block, source: &str) -> bool {
    matches!(block.kind, BlockKind::Loop { .. })
        && !crate::flow::outcome::has_word(
            source
                .get(block.span.start_byte..block.span.end_byte)
                .unwrap_or(""),
            "continue",
        )
        && ends_in_exit(
            &block.body,
            block.span.start_byte,
            block.span.end_byte,
            source,
        )
}

/// Whether a retry loop can never go round again once `effect` has run: the
/// effect is in no `try` of the loop (its own failure leaves the loop), and
/// after it the pass ends in an exit (`break`, `return`, `raise`) with no
/// `try` or `continue` on the way (`try: conn = connect() except
/// Disconnected: sleep(..) else: conn.sendmail(..); break`): the loop goes
/// round only on failures before the effect, which never reached the other
/// side.
pub fn leaves_once_done(block: &Block, effect: Span, source: &str) -> bool {
    if !matches!(block.kind, BlockKind::Loop { .. }) {
        return false;
    }
    let mut path: Vec<(&[Node], usize)> = Vec::new();
    let mut nodes = block.body.as_slice();
    'descend: loop {
        for (index, node) in nodes.iter().enumerate() {
            let span = node.span();
            if span.start_byte <= effect.start_byte && effect.end_byte <= span.end_byte {
                path.push((nodes, index));
                match node {
                    Node::Block(inner) => match inner.kind {
                        BlockKind::Try
                        | BlockKind::Catch { .. }
                        | BlockKind::Finally
                        | BlockKind::Loop { .. } => return false,
                        _ => {
                            nodes = &inner.body;
                            continue 'descend;
                        }
                    },
                    Node::Function(_) => return false,
                    // `return client.send(..)`: the pass ends with it.
                    Node::Return(_) => return true,
                    _ => break 'descend,
                }
            }
        }
        return false;
    }
    // From the effect outwards: the statements after it at each level (the
    // other branches of its `if` chain left out), up to the end of the
    // block holding them.
    for depth in (0..path.len()).rev() {
        let (nodes, index) = path[depth];
        let end = match depth {
            0 => block.span.end_byte,
            _ => {
                let (outer, at) = path[depth - 1];
                outer[at].span().end_byte
            }
        };
        let mut last = index;
        while let (Node::Block(earlier), Some(Node::Block(later))) =
            (&nodes[last], nodes.get(last + 1))
            && earlier.continued_by(later, source)
        {
            last += 1;
        }
        let rest = &nodes[last + 1..];
        let start = nodes[last].span().end_byte;
        let text = source.get(start..end).unwrap_or("");
        let catches = rest
            .iter()
            .any(|node| matches!(node, Node::Block(b) if matches!(b.kind, BlockKind::Try)));
        if catches || crate::flow::outcome::has_word(text, "continue") {
            return false;
        }
        if ends_in_exit(rest, start, end, source) {
            return true;
        }
    }
    false
}

/// Whether the statements `nodes` of a block (from byte `start` to `end`)
/// always leave through their last statement: an exit (`break`, `return`,
/// `raise`, `throw`), or a `try` that ends in one and whose handlers all
/// end in one.
fn ends_in_exit(nodes: &[Node], start: usize, end: usize, source: &str) -> bool {
    ends_in(
        nodes,
        start,
        end,
        source,
        &["break", "return", "raise", "throw"],
    )
}

/// Whether a `catch`/`except` handler always ends by raising (`raise`,
/// `throw`, `raise Wrapped(..) from error`): whatever it does before, the
/// caller is told the work failed.
pub fn always_rethrows(handler: &Block, source: &str) -> bool {
    matches!(handler.kind, BlockKind::Catch { .. })
        && ends_in(
            &handler.body,
            handler.span.start_byte,
            handler.span.end_byte,
            source,
            &["raise", "throw"],
        )
}

/// Whether the statements `nodes` always leave through one of `exits`, as
/// [`ends_in_exit`] says for every exit.
fn ends_in(nodes: &[Node], start: usize, end: usize, source: &str, exits: &[&str]) -> bool {
    if matches!(nodes.last(), Some(Node::Return(_))) {
        return exits.contains(&"return");
    }
    if let Some(statement) = last_statement(nodes, start, end, source) {
        return exits.contains(&statement.split_whitespace().next().unwrap_or(""));
    }
    // `try: ..; break` followed by handlers that all leave.
    let Some(try_at) = nodes.iter().rposition(
        |node| matches!(node, Node::Block(block) if matches!(block.kind, BlockKind::Try)),
    ) else {
        return false;
    };
    let Node::Block(tried) = &nodes[try_at] else {
        return false;
    };
    let leaves = |block: &Block| {
        ends_in(
            &block.body,
            block.span.start_byte,
            block.span.end_byte,
            source,
            exits,
        )
    };
    nodes[try_at + 1..].iter().all(|node| match node {
        Node::Block(block) => match &block.kind {
            BlockKind::Catch { .. } => leaves(block),
            BlockKind::Finally => true,
            _ => false,
        },
        _ => false,
    }) && leaves(tried)
}

/// The text of the last statement of a block, when it is not a block of
/// its own: what follows the last node (exits are not nodes of the model),
/// or else the line the last node starts on (`raise self.error(..)`).
/// `None` when the last statement is a block.
fn last_statement<'s>(
    nodes: &[Node],
    start: usize,
    end: usize,
    source: &'s str,
) -> Option<&'s str> {
    let after = nodes.last().map_or(start, |node| node.span().end_byte);
    let trailing = source
        .get(after..end)?
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '}' | ';'));
    // `raise Refused(..) from error`: the rest of the node's own statement.
    let same_statement = nodes.last().is_some()
        && !trailing
            .split(['\n', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .is_empty();
    if let Some(piece) = (!same_statement)
        .then_some(trailing)
        .into_iter()
        .flat_map(|trailing| trailing.rsplit(['\n', ';', '{', ':']))
        .map(str::trim)
        .find(|piece| !piece.is_empty())
    {
        return Some(piece);
    }
    match nodes.last()? {
        Node::Block(_) | Node::Function(_) => None,
        node => {
            let at = node.span().start_byte;
            let line_start = source.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
            source.get(line_start..node.span().end_byte).map(str::trim)
        }
    }
}

/// Whether a condition (or an error's name) tests for an answer that
/// rejects the request before any work: 429, Too Many Requests, a rate
/// limit, throttling; 401, an unauthorized or expired token or login
/// session (the loop logs in again and asks again); or 400 and 422, a
/// request refused as malformed (the loop mends it and sends again).
pub fn names_rejection(condition: &str) -> bool {
    let squeezed: String = condition
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // 400 and 422 only as the very status (`== 400`), not as the floor of a
    // range of failures (`>= 400`, which 5xx answers fall in too).
    let exact = !condition.contains(['<', '>']);
    ["429", "401"]
        .iter()
        .chain(if exact {
            ["400", "422"].iter()
        } else {
            [].iter()
        })
        .any(|status| crate::flow::outcome::has_word(condition, status))
        || [
            "toomanyrequests",
            "ratelimit",
            "throttl",
            "unauthorized",
            "unauthorised",
            "unauthenticated",
            "invalidtoken",
            "tokenexpired",
            "expiredtoken",
            "sessiontimeout",
            "sessionexpired",
            "expiredsession",
            "notloggedin",
            "loginrequired",
        ]
        .iter()
        .any(|needle| squeezed.contains(needle))
}

/// Whether a condition is a negated test (`!=`, `!==`, `not`, `!(..)`).
fn is_negated(condition: &str) -> bool {
    condition.contains("!=")
        || condition.starts_with('!')
        || condition.starts_with("not ")
        || condition.contains(" not in ")
}

fn is_failure_branch(block: &Block) -> bool {
    match &block.kind {
        BlockKind::Catch { .. } => true,
        BlockKind::Arm { pattern } => pattern.trim_start().starts_with("Err"),
        _ => false,
    }
}

/// Visit every block under `nodes` (not descending into nested functions,
/// which run on their own).
fn scan_blocks<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Block)) {
    for node in nodes {
        if let Node::Block(block) = node {
            visit(block);
            scan_blocks(&block.body, visit);
        }
    }
}

/// What an author writes to say that repeating an attempt does no harm:
/// the request is idempotent, safe to retry or replay, or records nothing;
/// or that the retry is limited to making the connection (nothing was sent).
static SAFE_TO_REPEAT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\bidempotent\b|safe to (?:retry|repeat|replay|resend|re-send|re-run|rerun)|\b(?:retrying|repeating|replaying|resending)\b[^.]{0,60}\bis (?:safe|harmless)\b|\brecords nothing\b|\bchanges nothing\b|\bretr(?:y|ies)\b[^.]{0,40}\b(?:limited to|only (?:on|for|while|during))\b[^.]{0,30}\bconnect",
    )
    .expect("the safe-to-repeat pattern is a valid regular expression")
});

/// Whether a comment inside the retry (`origin` to the end of `region`) or
/// in the lines right above where it is set up says that repeating the
/// attempt is safe ([`SAFE_TO_REPEAT`]).
pub fn documented_as_safe_to_repeat(
    comments: &[crate::model::Comment],
    origin: Span,
    region: Option<Span>,
    source: &str,
) -> bool {
    let end = region.map_or(origin.end_byte, |region| {
        region.end_byte.max(origin.end_byte)
    });
    // The comment block right above the retry: up to three lines before it.
    let above = source[..origin.start_byte.min(source.len())]
        .char_indices()
        .rev()
        .filter(|(_, c)| *c == '\n')
        .nth(3)
        .map_or(0, |(at, _)| at);
    comments.iter().any(|comment| {
        comment.span.start_byte >= above
            && comment.span.end_byte <= end
            && SAFE_TO_REPEAT.is_match(&comment.text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iteration_headers_split_into_variable_and_iterable() {
        assert_eq!(
            split_iteration("attempt in range(3)"),
            Some(("attempt", "range(3)"))
        );
        assert_eq!(
            split_iteration("const delay of retryDelays"),
            Some(("delay", "retryDelays"))
        );
        assert_eq!(split_iteration("let i = 0; i < 3; i++"), None);
        assert_eq!(split_iteration("tries--"), None);
    }

    #[test]
    fn counts_and_small_literal_bounds_are_recognised() {
        assert!(is_count("range(MAX_RETRIES)"));
        assert!(is_count("0..3"));
        assert!(is_count("[1, 2, 4]"));
        assert!(!is_count("orders"));
        assert!(!is_count("job.attempts"));
        assert!(bounded_by_literal(" i < 3"));
        assert!(bounded_by_literal(" i <= 5"));
        assert!(!bounded_by_literal(" i < items.length"));
        assert!(!bounded_by_literal(" i < 1000"));
    }

    fn parsed_loop(source: &str, path: &str) -> Block {
        let language = crate::model::Language::from_path(path).expect("a known extension");
        let model = crate::lang::parse(language, source);
        let Some(Node::Function(function)) = model.module.body.first() else {
            panic!("the fixture starts with a function");
        };
        let mut found = None;
        scan_blocks(&function.body, &mut |block| {
            if found.is_none() && matches!(block.kind, BlockKind::Loop { .. }) {
                found = Some(block.clone());
            }
        });
        found.expect("the fixture has a loop")
    }

    #[test]
    fn loops_that_go_round_only_on_an_answered_rejection_are_told_apart() {
        let rate_limited = "def push(c, url, body):\n    attempts = 0\n    while attempts <= MAX_RETRIES:\n        attempts += 1\n        status = c.post(url, body).status_code\n        if status == HTTPStatus.TOO_MANY_REQUESTS:\n            time.sleep(2)\n        elif status >= 400:\n            log.error('failed')\n            break\n        else:\n            break\n";
        let source = rate_limited;
        assert!(goes_round_only_on_rejection(
            &parsed_loop(source, "a.py"),
            source
        ));
        let negated = "def push(c, url, body):\n    for attempt in range(3):\n        r = c.post(url, body)\n        if r.status_code != 429:\n            return r\n        time.sleep(attempt)\n";
        assert!(goes_round_only_on_rejection(
            &parsed_loop(negated, "a.py"),
            negated
        ));
        let falls_through_on_errors = "def push(c, url, body):\n    for attempt in range(3):\n        r = c.post(url, body)\n        if r.status_code == 429:\n            time.sleep(1)\n            continue\n        if r.ok:\n            break\n";
        assert!(!goes_round_only_on_rejection(
            &parsed_loop(falls_through_on_errors, "a.py"),
            falls_through_on_errors
        ));
        let catches = "def push(c, url, body):\n    for attempt in range(3):\n        try:\n            r = c.post(url, body)\n        except Exception:\n            continue\n        if r.status_code != 429:\n            return r\n";
        assert!(!goes_round_only_on_rejection(
            &parsed_loop(catches, "a.py"),
            catches
        ));
        let refreshes_token = "def push(c, url, body):\n    for attempt in range(3):\n        r = c.post(url, body)\n        try:\n            doc = r.json()\n        except ValueError:\n            raise ApiError(r.text)\n        if doc.get('error') == 'invalid_token':\n            c.token = renew()\n        else:\n            return doc\n";
        assert!(goes_round_only_on_rejection(
            &parsed_loop(refreshes_token, "a.py"),
            refreshes_token
        ));
        let mends_refused_markup = "def push(c, url, params):\n    for attempt in range(3):\n        ret = c.post(url, data=params).json()\n        if ret.get('ok'):\n            return ret\n        elif ret.get('error_code') == 400:\n            params.pop('parse_mode', None)\n        else:\n            raise ApiError(ret)\n";
        assert!(goes_round_only_on_rejection(
            &parsed_loop(mends_refused_markup, "a.py"),
            mends_refused_markup
        ));
        let any_failure = "def push(c, url, body):\n    for attempt in range(3):\n        r = c.post(url, body)\n        if r.status_code >= 400:\n            time.sleep(1)\n        else:\n            return r\n";
        assert!(!goes_round_only_on_rejection(
            &parsed_loop(any_failure, "a.py"),
            any_failure
        ));
        let builds_the_request_first = "def push(c, url, params):\n    for attempt in range(3):\n        request = params.copy()\n        if 'reply_to' in request:\n            request['reply_to'] = str(request['reply_to'])\n        ret = c.post(url, data=request).json()\n        if ret.get('ok'):\n            return ret\n        elif ret.get('error_code') == 429:\n            time.sleep(1)\n        else:\n            raise ApiError(ret)\n";
        assert!(goes_round_only_on_rejection(
            &parsed_loop(builds_the_request_first, "a.py"),
            builds_the_request_first
        ));
        let javascript = "async function push(url, body) {\n  for (let attempt = 0; attempt < 3; attempt++) {\n    const res = await fetch(url, { method: 'POST', body });\n    if (res.status === 429) { await sleep(1000); continue; }\n    else { return res; }\n  }\n}\n";
        assert!(goes_round_only_on_rejection(
            &parsed_loop(javascript, "a.js"),
            javascript
        ));
    }

    #[test]
    fn sentinel_constants_are_no_attempt_counters() {
        let counts = |text: &str| counts_attempts(text);
        assert!(tests_a_counter("attempts < 3", &counts));
        assert!(tests_a_counter("i >= MAX_RETRIES", &counts));
        assert!(tests_a_counter("retry", &counts));
        assert!(!tests_a_counter("output[2] is RETRY_LATER", &counts));
        assert!(!tests_a_counter("kind == RETRY_EVENT", &counts));
        assert!(!tests_a_counter(
            "len(output) > 2 and output[2] is RETRY_LATER",
            &counts
        ));
        assert!(tests_a_counter("ok and i >= MAX_RETRIES", &counts));
        assert!(!tests_a_counter("Some(x) => RETRY_LATER", &counts));
    }

    /// The span of the first call named `callee` in `block`.
    fn call_span(block: &Block, callee: &str) -> Span {
        let mut found = None;
        crate::model::for_each_call_in(&block.body, &mut |call| {
            if found.is_none() && call.callee == callee {
                found = Some(call.span);
            }
        });
        found.expect("the loop makes the call")
    }

    #[test]
    fn a_pass_that_can_only_leave_after_the_effect_is_told_apart() {
        let cases = [
            // Only the connection is retried; the send is in the `else`.
            (
                "def go(m):\n    for attempt in range(3):\n        try:\n            conn = connect()\n        except Disconnected:\n            continue\n        else:\n            conn.send(m)\n            break\n",
                "a.py",
                "conn.send",
                true,
            ),
            // The send's own failure is caught and the loop goes round.
            (
                "def go(m):\n    for attempt in range(3):\n        try:\n            conn = connect()\n            conn.send(m)\n            break\n        except Disconnected:\n            continue\n",
                "a.py",
                "conn.send",
                false,
            ),
            // The branch that sends leaves; its `else` branch goes round.
            (
                "def go(m):\n    for attempt in range(3):\n        if ready():\n            conn.send(m)\n            break\n        else:\n            continue\n",
                "a.py",
                "conn.send",
                true,
            ),
            // A new `if` after the branch is not another branch of it.
            (
                "def go(m):\n    for attempt in range(3):\n        if ready():\n            conn.send(m)\n        if late():\n            break\n",
                "a.py",
                "conn.send",
                false,
            ),
            (
                "async function go(m) {\n  for (let i = 0; i < 3; i++) {\n    let conn;\n    try { conn = await connect(); } catch (e) { continue; }\n    if (m.urgent) {\n      await conn.send(m);\n      break;\n    } else if (m.late) {\n      continue;\n    } else {\n      continue;\n    }\n  }\n}\n",
                "a.js",
                "conn.send",
                true,
            ),
            (
                "fn go(m: &M) {\n    for attempt in 0..3 {\n        if m.urgent {\n            send(m);\n            return;\n        } else if m.late {\n            continue;\n        }\n        sleep(attempt);\n    }\n}\n",
                "a.rs",
                "send",
                true,
            ),
            (
                "fn go(m: &M) {\n    for attempt in 0..3 {\n        if m.urgent {\n            send(m);\n        }\n        sleep(attempt);\n    }\n}\n",
                "a.rs",
                "send",
                false,
            ),
        ];
        for (source, path, callee, leaves) in cases {
            let block = parsed_loop(source, path);
            assert_eq!(
                leaves_once_done(&block, call_span(&block, callee), source),
                leaves,
                "{source}"
            );
        }
    }
}
