//! What a branch of code does with a failure, and how a value is read later:
//! the shared reading behind the rejection rules.
//!
//! A catch handler, an `if let Err(e)` body or a consumer's early-return
//! branch is summarised as an [`Outcome`]: what it logs and at which level,
//! whether the failure travels on (rethrow, `raise`, `Err(..)`, an error
//! status), whether some other call takes care of it (a retry, a nack, a
//! dead-letter write, an error report), and what it returns.

use super::scope::ScopeWalker;
use crate::knowledge::{Knowledge, LogLevel, Sink, SinkKind, SinkOrigin};
use crate::model::{
    Argument, BlockKind, Call, CallResult, Comment, FileModel, Function, Node, Return, Span, Value,
    for_each_call_in,
};
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;

/// An HTTP error status written as a number or a well-known constant.
static ERROR_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b[45]\d\d\b|HTTP_[45]\d\d|BAD_GATEWAY|INTERNAL_SERVER_ERROR|SERVICE_UNAVAILABLE|GATEWAY_TIMEOUT|BAD_REQUEST|UNPROCESSABLE|BadGateway|InternalServerError|ServiceUnavailable|GatewayTimeout|BadRequest",
    )
    .expect("the error-status pattern is a valid regular expression")
});

/// How a `return` (or `throw`) leaves a failure branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// `return;` / `return` with nothing: nothing is said to the caller.
    Bare,
    /// `throw`, `raise`, `Err(..)`, an error status: the failure travels on.
    Failure,
    /// `null`, `None`, `false`, `undefined`: a value the caller can test.
    Sentinel,
    /// `true`, `{ success: true }`, `Ok(())`, `res.json(..)`: success reported.
    Success(String),
    /// Some other value, returned as if nothing had failed (a fallback).
    Fallback(String),
}

/// What a block of statements does with a failure.
#[derive(Debug, Default)]
pub struct Outcome<'a> {
    /// The logging calls, with their level.
    pub logs: Vec<(&'a Call, LogLevel)>,
    /// A logger passed by name as the whole handler (`.catch(console.log)`).
    pub passed_logger: Option<(String, LogLevel)>,
    /// Whether the failure travels on (rethrow, `raise`, `Err`, error status).
    pub propagates: bool,
    /// The first other call, which takes care of the failure in some way
    /// (a retry, a nack, a dead-letter write, an error callback).
    pub handled_by: Option<&'a Call>,
    /// Whether the branch records something in a variable (a flag, an error).
    pub assigns: bool,
    /// How the branch returns, in source order.
    pub exits: Vec<Exit>,
    /// Whether the branch says the failure is tolerated: a comment or a log
    /// message in it calls the effect best effort or optional, or the
    /// failure one that may happen (`# best effort`, 'may not be deployed
    /// yet'). Such a swallow is the author's documented choice.
    pub tolerated: bool,
    /// The name the error is bound to (`catch (err)`, `Err(e)`): a return
    /// that carries it hands the failure to the caller.
    binding: Option<String>,
}

/// Phrases that say a failure is tolerated (see [`Outcome::tolerated`]):
/// the effect is best effort or optional, what fails may not exist yet, or
/// the code falls back to another path ('falling back to the HTML page'),
/// the process is shutting down, or the failure is ignored on purpose
/// ("Revoke the token, ignoring any failure", "a failed revoke should not
/// fail the logout").
static TOLERANCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)best[ -]effort|\b(?:may|might|can) not (?:exist|be (?:deployed|installed|configured|available|present|enabled|created))|\b(?:optional|non-fatal|not fatal|non-critical|not critical)\b|safe to (?:ignore|ack|skip|continue|proceed|drop)|fire[- ]and[- ]forget|not our problem|can be ignored|ignored on purpose|intentionally ignored|\b(?:it's|it is|this is|that's|that is) (?:fine|ok|okay|safe|expected)\b|\bfall(?:s|ing)?[ -]?back (?:to|on)\b|\bfallback\b|\bshutting down\b|\bignor(?:e|es|ed|ing) (?:any |all |the )?(?:failures?|errors?|exceptions?)\b|\b(?:failures?|errors?|exceptions?) (?:is|are) ignored\b|\b(?:should|must|does|do|will)(?: not|n't) fail the\b",
    )
    .expect("the tolerance pattern is a valid regular expression")
});

/// Whether a function's documentation says its failures are tolerated: the
/// comment block right above it (a JSDoc, `//` or `#` lines, decorators in
/// between) or a Python docstring opening its body calls it best effort or
/// optional (`/** Best-effort revoke of the token ... */`).
pub fn documents_tolerance(function: &Function, source: &str, comments: &[Comment]) -> bool {
    documentation(function, source, comments)
        .iter()
        .any(|text| TOLERANCE.is_match(text))
}

/// Whether `span` lies in a `catch`/`except` handler of `function` (not of
/// a nested function) that always ends by raising: an effect made there
/// (a cleanup, a cancel) is made while the failure is reported anyway, so
/// its own failure hides nothing from the caller.
pub fn in_rethrowing_handler(function: &Function, span: Span, source: &str) -> bool {
    fn visit(nodes: &[Node], span: Span, source: &str) -> bool {
        nodes.iter().any(|node| match node {
            Node::Block(block)
                if block.span.start_byte <= span.start_byte
                    && span.end_byte <= block.span.end_byte =>
            {
                crate::flow::retry::always_rethrows(block, source)
                    || visit(&block.body, span, source)
            }
            _ => false,
        })
    }
    visit(&function.body, span, source)
}

/// Whether a failure of `call` is documented as tolerated: a function around
/// it says so in its documentation (`/** Best-effort revoke ... */`), or a
/// handler of the innermost `try` around it does (`# Cleanup is best-effort`),
/// or the function it is made in ends a session or connection
/// ([`tears_down`]).
pub fn tolerated_around(
    model: &crate::model::FileModel,
    call: &Call,
    try_stack: &[crate::flow::TryContext<'_>],
    source: &str,
) -> bool {
    let around = crate::flow::functions_around(model, call.span);
    around
        .first()
        .is_some_and(|function| tears_down(&function.name))
        || around
            .iter()
            .any(|function| documents_tolerance(function, source, &model.comments))
        || try_stack.last().is_some_and(|tried| {
            tried.handlers.iter().any(|handler| {
                let span = handler.span();
                TOLERANCE.is_match(source.get(span.start_byte..span.end_byte).unwrap_or(""))
            })
        })
}

/// Whether a function's name says it ends a session, a connection or a
/// running service (`close`, `logout`, `disconnect`, `stop`, `__aexit__`):
/// a request it makes on the way out (logging off a device's API session,
/// announcing a bridge offline) leaves nothing behind that the caller
/// relies on, whatever the other side answers.
pub fn tears_down(function_name: &str) -> bool {
    let last = function_name
        .rsplit(['.', ' ', '>', ':'])
        .next()
        .unwrap_or(function_name);
    if matches!(last, "__exit__" | "__aexit__" | "__del__") {
        return true;
    }
    let words = crate::knowledge::identifier_words(last);
    match words.as_slice() {
        [word] => matches!(
            word.as_str(),
            "close"
                | "aclose"
                | "disconnect"
                | "logout"
                | "logoff"
                | "signout"
                | "teardown"
                | "dispose"
                | "stop"
                | "shutdown"
        ),
        [first, second] => matches!(
            (first.as_str(), second.as_str()),
            ("log" | "sign", "out" | "off") | ("tear" | "shut", "down")
        ),
        _ => false,
    }
}

/// Words in a function's documentation that say what it calls only answers:
/// a language model's completion or embedding, generated and not stored.
const ANSWER_WORDS: &[&str] = &["completion", "completions", "embedding", "embeddings"];

/// Whether a function's documentation says the request it makes asks a
/// language model for an answer (`"""Send a chat completions request."""`):
/// repeated or refused, nothing is changed.
pub fn documented_as_a_read(function: &Function, source: &str, comments: &[Comment]) -> bool {
    documentation(function, source, comments)
        .iter()
        .any(|text| {
            let words = crate::knowledge::identifier_words(text);
            let has_any = |list: &[&str]| words.iter().any(|word| list.contains(&word.as_str()));
            has_any(ANSWER_WORDS) && has_any(MODEL_WORDS)
        })
}

/// Words that place a completion with a language model (not an order's or
/// a job's completion).
const MODEL_WORDS: &[&str] = &[
    "model",
    "models",
    "llm",
    "llms",
    "chat",
    "prompt",
    "gpt",
    "openai",
    "anthropic",
    "language",
    "ai",
    "embedding",
    "embeddings",
];

/// A function's documentation: the comment blocks ending on the lines just
/// above it (each joined to the next one up when no more than a line apart)
/// and a Python docstring opening its body, within its first lines.
fn documentation<'s>(
    function: &Function,
    source: &'s str,
    comments: &'s [Comment],
) -> Vec<&'s str> {
    let start = function.span.start_line;
    if start == 0 {
        return Vec::new();
    }
    let mut texts = Vec::new();
    let mut above = start;
    for comment in comments.iter().rev() {
        if comment.span.start_line >= start {
            continue;
        }
        if comment.span.end_line + 2 < above {
            break;
        }
        texts.push(comment.text.as_str());
        above = comment.span.start_line;
    }
    let text = source
        .get(function.span.start_byte..function.span.end_byte)
        .unwrap_or("");
    let head_end = text
        .match_indices('\n')
        .nth(11)
        .map_or(text.len(), |(i, _)| i);
    let head = &text[..head_end];
    if let Some(doc) = ["\"\"\"", "'''"].iter().find_map(|quote| {
        head.split_once(quote)
            .and_then(|(_, rest)| rest.split_once(quote))
            .map(|(doc, _)| doc)
    }) {
        texts.push(doc);
    }
    texts
}

impl<'a> Outcome<'a> {
    /// Summarise `nodes`, the body of a branch whose source is `span`.
    ///
    /// Nested functions are not entered (they run later, if at all); nested
    /// blocks are, so a conditional rethrow counts as propagating. The source
    /// text is searched for `throw`/`raise` as well, because a bare `raise`
    /// carries no call the model could record.
    pub fn read(
        nodes: &'a [Node],
        span: Span,
        source: &str,
        binding: Option<&str>,
        knowledge: &Knowledge,
    ) -> Self {
        let mut outcome = Outcome {
            binding: binding
                .map(str::trim)
                .filter(|b| !b.is_empty() && b.chars().all(is_ident_char) && *b != "_")
                .map(str::to_string),
            ..Outcome::default()
        };
        outcome.collect(nodes, knowledge);
        let text = source.get(span.start_byte..span.end_byte).unwrap_or("");
        if has_word(text, "raise") || has_word(text, "throw") {
            outcome.propagates = true;
        }
        outcome.tolerated = TOLERANCE.is_match(text);
        outcome
    }

    fn collect(&mut self, nodes: &'a [Node], knowledge: &Knowledge) {
        for node in nodes {
            match node {
                Node::Call(call) => {
                    if let Some(exit) = self.call(call, knowledge) {
                        self.push_exit(exit);
                    }
                }
                Node::Return(ret) => {
                    let exit = self.exit(ret, knowledge);
                    self.push_exit(exit);
                }
                Node::Assign(_) => self.assigns = true,
                Node::Block(block) => match block.kind {
                    // Handlers of a nested try belong to it, not to this branch.
                    BlockKind::Catch { .. } | BlockKind::Finally => {}
                    _ => self.collect(&block.body, knowledge),
                },
                Node::Function(_) => {}
            }
        }
    }

    fn push_exit(&mut self, exit: Exit) {
        if exit == Exit::Failure {
            self.propagates = true;
        }
        self.exits.push(exit);
    }

    /// Record a statement-level call; a response call is also an exit.
    fn call(&mut self, call: &'a Call, knowledge: &Knowledge) -> Option<Exit> {
        if let Some(level) = knowledge.log_level(call) {
            self.logs.push((call, level));
            None
        } else if knowledge.is_response(call) {
            Some(if reports_failure(call) {
                Exit::Failure
            } else {
                Exit::Success(call.text.clone())
            })
        } else {
            self.handled_by.get_or_insert(call);
            None
        }
    }

    fn exit(&mut self, ret: &'a Return, knowledge: &Knowledge) -> Exit {
        if let Some(Value::Call(call)) = &ret.value
            && !call.is_new
            && !matches!(call.callee.as_str(), "Ok" | "Err" | "Some")
        {
            // `return logger.warn(..)`, `return res.json(..)`, `return nack(msg)`:
            // the call says what the branch does.
            return self.call(call, knowledge).unwrap_or(Exit::Bare);
        }
        if let Some(binding) = &self.binding
            && has_word(&ret.value_text, binding)
        {
            // `return { result: NOT_DELETED, message: e.message }`
            return Exit::Failure;
        }
        classify_return_text(&ret.value_text)
    }

    /// A handler that is a logger passed by name (`.catch(console.log)`).
    pub fn passing_to_logger(logger: &str, level: LogLevel) -> Self {
        Outcome {
            passed_logger: Some((logger.to_string(), level)),
            ..Outcome::default()
        }
    }

    /// Whether some log in the branch is at `error` level or above.
    pub fn alerts(&self) -> bool {
        self.logs.iter().any(|(_, level)| *level >= LogLevel::Error)
            || self
                .passed_logger
                .as_ref()
                .is_some_and(|(_, level)| *level >= LogLevel::Error)
    }

    /// The loudest log of the branch, if any.
    pub fn loudest_log(&self) -> Option<(&'a Call, LogLevel)> {
        self.logs.iter().copied().max_by_key(|(_, level)| *level)
    }

    /// The success the branch reports (`res.json({ ok: true })`, `return true`).
    pub fn reported_success(&self) -> Option<&str> {
        self.exits.iter().find_map(|exit| match exit {
            Exit::Success(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The fallback value the branch returns, if any.
    pub fn fallback(&self) -> Option<&str> {
        self.exits.iter().find_map(|exit| match exit {
            Exit::Fallback(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// Whether the failure ends here unseen: nothing propagates it, no other
    /// call takes care of it, nobody is alerted, no flag or sentinel tells
    /// the caller, and the branch does not say the failure is tolerated.
    /// What remains is silence, a low-level log, or success.
    pub fn swallows(&self) -> bool {
        !self.propagates
            && !self.tolerated
            && self.handled_by.is_none()
            && !self.alerts()
            && !self.assigns
            && !self.exits.contains(&Exit::Sentinel)
            && self.fallback().is_none()
    }
}

/// Whether the code tells someone the work succeeded once `after` is past,
/// in the function around it: a statement after it announces success in so
/// many words (`router.push('/success')`, `toast.success(..)`,
/// `logger.info("receipt sent")`), or the first `return` after it hands
/// back a value as if nothing failed (`return true`, `Ok(())`, a fallback)
/// — in that function or, when it returns nothing there (a callback), in the
/// function around it.
pub fn success_told_after(model: &FileModel, after: Span) -> bool {
    let functions = super::functions_around(model, after);
    if functions
        .first()
        .is_some_and(|function| announces_success_after(&function.body, after))
    {
        return true;
    }
    let mut after = after;
    for function in functions {
        match first_return_after(&function.body, after) {
            Some(ret) => {
                return matches!(
                    classify_return_text(&ret.value_text),
                    Exit::Success(_) | Exit::Fallback(_)
                ) || says_success(&ret.value_text);
            }
            None => after = function.span,
        }
    }
    false
}

/// Whether a statement after `span` announces success in so many words.
fn announces_success_after(nodes: &[Node], span: Span) -> bool {
    nodes.iter().any(|node| match node {
        Node::Call(call) if call.span.start_byte >= span.end_byte => says_success(&call.text),
        Node::Block(block) if block.span.end_byte > span.end_byte => {
            announces_success_after(&block.body, span)
        }
        _ => false,
    })
}

/// Whether a text says work was done (`"Sent report to Slack"`, `"success"`).
fn says_success(text: &str) -> bool {
    crate::knowledge::identifier_words(text)
        .iter()
        .any(|word| SUCCESS_WORDS.contains(&word.as_str()))
}

/// Words that announce that work was done.
const SUCCESS_WORDS: &[&str] = &[
    "success",
    "successful",
    "successfully",
    "succeeded",
    "sent",
    "delivered",
    "completed",
];

/// The first `return` of a function body that starts after `span` (nested
/// functions left out).
fn first_return_after(nodes: &[Node], span: Span) -> Option<&Return> {
    nodes.iter().find_map(|node| match node {
        Node::Return(ret) if ret.span.start_byte >= span.end_byte => Some(ret),
        Node::Block(block) if block.span.end_byte > span.end_byte => {
            first_return_after(&block.body, span)
        }
        _ => None,
    })
}

/// How a returned expression's text reads to a caller.
pub fn classify_return_text(text: &str) -> Exit {
    let trimmed = text.trim().trim_end_matches(';').trim();
    if trimmed.is_empty() {
        return Exit::Bare;
    }
    if trimmed.starts_with("throw") || trimmed.starts_with("raise") || trimmed.starts_with("Err(") {
        return Exit::Failure;
    }
    if matches!(
        trimmed,
        "null" | "undefined" | "None" | "false" | "False" | "void 0" | "nil" | "-1" | "0"
    ) {
        return Exit::Sentinel;
    }
    // `return (False, {})`, `return False, response`, `return [null, err]`
    let first_item = trimmed
        .trim_start_matches(['(', '['])
        .split(',')
        .next()
        .unwrap_or("")
        .trim();
    if trimmed.contains(',')
        && matches!(
            first_item,
            "False" | "false" | "None" | "null" | "undefined"
        )
    {
        return Exit::Sentinel;
    }
    if ERROR_STATUS.is_match(trimmed) {
        return Exit::Failure;
    }
    let lower = trimmed.to_ascii_lowercase();
    let compact = squeezed(&lower);
    if lower.contains("error")
        || lower.contains("fail")
        || lower.contains("not_")
        || lower.contains("unsuccessful")
        || lower.contains("denied")
        || lower.contains("rejected")
        || compact.contains("success:false")
        || compact.contains("\"success\":false")
        || compact.contains("'success':false")
        || compact.contains("ok:false")
        || compact.contains("'ok':false")
        || compact.contains("\"ok\":false")
    {
        return Exit::Failure;
    }
    let literal = lower.trim_matches(|c| c == '\'' || c == '"' || c == '`');
    if matches!(trimmed, "true" | "True")
        || trimmed.starts_with("Ok(")
        || matches!(literal, "ok" | "success" | "sent" | "done")
        || flags_success(&compact)
    {
        return Exit::Success(trimmed.to_string());
    }
    Exit::Fallback(trimmed.to_string())
}

/// `text` without its whitespace (`{ ok: true }` → `{ok:true}`).
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether a lower-cased text without whitespace sets a success flag
/// (`success:true`, `"ok":true`, `status:'ok'`).
fn flags_success(compact: &str) -> bool {
    [
        "success:true",
        "'success':true",
        "\"success\":true",
        "success=true",
        "ok:true",
        "'ok':true",
        "\"ok\":true",
        "status:'ok'",
        "\"status\":\"ok\"",
        "'status':'ok'",
    ]
    .iter()
    .any(|flag| compact.contains(flag))
}

/// Whether a response call carries a 4xx/5xx status (`res.status(502).json(..)`,
/// `JsonResponse(.., status=500)`).
pub fn reports_error_status(call: &Call) -> bool {
    ERROR_STATUS.is_match(&call.text)
}

/// Whether a response call tells its client that the work failed: an error
/// status, or a body that says so (`Response({'status': 'error', ..},
/// status=code)`, `res.json({ success: false })`) and does not also claim
/// success.
fn reports_failure(call: &Call) -> bool {
    if reports_error_status(call) {
        return true;
    }
    let body = call
        .text
        .split_once('(')
        .map_or(call.text.as_str(), |(_, args)| args);
    classify_return_text(body) == Exit::Failure
        && !flags_success(&squeezed(&body.to_ascii_lowercase()))
}

/// Whether `word` occurs in `text` as a whole word.
pub fn has_word(text: &str, word: &str) -> bool {
    word_positions(text, word).next().is_some()
}

/// Byte offsets where `word` occurs in `text` as a whole identifier (not
/// part of a longer name, not a member of something else: `x.res` is not `res`).
pub fn word_positions<'t>(text: &'t str, word: &'t str) -> impl Iterator<Item = usize> + 't {
    text.match_indices(word).filter_map(move |(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let starts = before.is_none_or(|c| !is_ident_char(c) && c != '.');
        let ends = after.is_none_or(|c| !is_ident_char(c));
        (starts && ends).then_some(at)
    })
}

/// Whether `c` can be part of an identifier.
pub fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// How a variable holding an HTTP response is read after it is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Usage {
    /// Never read again.
    Unused,
    /// Only its body is read (`.json()`, `.text`, `.data`), and used here.
    BodyOnly,
    /// Only its body is read, and returned as it is (`return res.json()`):
    /// the caller gets an error body as if it were the result.
    BodyReturned,
    /// Handed to other code (returned, passed on, compared): someone else may check.
    HandedOn,
    /// Its status is read (`.ok`, `.status_code`, `raise_for_status()`).
    Checked,
}

/// Fields of a response body that carry its outcome (`{ success }`,
/// `data.ok`, `body.error`).
const OUTCOME_FIELDS: &[&str] = &["success", "ok", "error", "errors", "status"];

/// The names the body of the response in `var` is bound to in `rest` (the
/// code after the call): `const json = await res.json()`, `const { success
/// } = await response.json()`, `data = resp.json()`, `const result = (await
/// res.json()) as Result`.
pub fn body_bindings(rest: &str, var: &str) -> Vec<String> {
    let Ok(pattern) = Regex::new(&format!(
        r"(\{{[^}}]*\}}|[A-Za-z_$][\w$]*)\s*(?::[^=;\n]+)?=\s*\(?\s*(?:await\s+)?{}\.(?:json|text)\(",
        regex::escape(var)
    )) else {
        return Vec::new();
    };
    pattern
        .captures_iter(rest)
        .flat_map(|captures| {
            captures[1]
                .split(|c: char| !is_ident_char(c))
                .filter(|name| !name.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether a response body bound to `names` is checked for its outcome in
/// `function`, whose code after the call is `rest`: an outcome field is read
/// (`{ success }`, `data.ok`, `body.error`, `'error' in body`), the body
/// goes through a schema that throws (`Schema.parse(data)`), or an `if` on
/// it throws (`if (typeof json.id !== 'string') throw ..`). An error body
/// then does not pass for a result.
pub fn body_checked(function: &Function, rest: &str, names: &[String]) -> bool {
    names.iter().any(|name| {
        OUTCOME_FIELDS.contains(&name.as_str())
            || OUTCOME_FIELDS.iter().any(|field| {
                rest.contains(&format!("{name}.{field}"))
                    || rest.contains(&format!("{name}?.{field}"))
                    || rest.contains(&format!("{name}[\"{field}\"]"))
                    || rest.contains(&format!("{name}['{field}']"))
                    // `if ('error' in result)`, `if "errors" in body:`
                    || rest.contains(&format!("'{field}' in {name}"))
                    || rest.contains(&format!("\"{field}\" in {name}"))
            })
            || rest.contains(&format!(".parse({name})"))
            || throws_on(&function.body, name)
    })
}

/// Whether an `if` under `nodes` whose condition reads `name` throws.
fn throws_on(nodes: &[Node], name: &str) -> bool {
    nodes.iter().any(|node| match node {
        Node::Block(block) => {
            let on_name = match &block.kind {
                BlockKind::If { condition } => mentions_word(condition, name),
                _ => false,
            };
            (on_name && block.body.iter().any(|inner| matches!(inner, Node::Return(ret) if ret.value_text.trim_start().starts_with("throw"))))
                || throws_on(&block.body, name)
        }
        _ => false,
    })
}

/// Whether `text` holds `word` as a whole identifier.
fn mentions_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

/// Members that read a response's body or metadata but not its status.
pub const BODY_READS: &[&str] = &[
    "json",
    "text",
    "body",
    "data",
    "blob",
    "arrayBuffer",
    "formData",
    "headers",
    "content",
    "bytes",
    "iter_content",
    "iter_lines",
    "read",
    "cookies",
    "url",
    "elapsed",
    "encoding",
    "clone",
    "bodyUsed",
];

/// Methods that turn a `Result` into something that no longer carries the error.
pub const RESULT_DISCARDS: &[&str] = &["ok", "unwrap_or_default", "unwrap_or", "unwrap_or_else"];

/// How `var` is read in `text` (the rest of the function after the binding).
pub fn usage_in(text: &str, var: &str, knowledge: &Knowledge) -> Usage {
    if var.is_empty() || var == "_" || !var.chars().all(is_ident_char) {
        return Usage::HandedOn;
    }
    let mut usage = Usage::Unused;
    for at in word_positions(text, var) {
        // `with session.post(..) as resp:` binds, it does not read.
        if text[..at].trim_end().ends_with(" as") {
            continue;
        }
        let rest = text[at + var.len()..].trim_start();
        let rest = rest
            .strip_prefix('?')
            .or_else(|| rest.strip_prefix('!'))
            .unwrap_or(rest);
        let here = if let Some(member) = rest.strip_prefix('.') {
            let name: String = member.chars().take_while(|c| is_ident_char(*c)).collect();
            if knowledge.is_status_check(&name) {
                Usage::Checked
            } else if BODY_READS.contains(&name.as_str()) {
                let after = member[name.len()..].trim_start();
                let after = after.strip_prefix("()").unwrap_or(after).trim_start();
                let after = after.strip_prefix(".await").unwrap_or(after).trim_start();
                if is_returned(&text[..at]) && !after.starts_with('[') {
                    Usage::BodyReturned
                } else {
                    Usage::BodyOnly
                }
            } else {
                Usage::HandedOn
            }
        } else if rest.starts_with('=') && !rest.starts_with("==") {
            // Reassigned (often in another branch): not a read.
            continue;
        } else {
            Usage::HandedOn
        };
        usage = usage.max(here);
    }
    usage
}

/// Whether the value `call` returns is bound to a plain variable that the
/// rest of `enclosing` never reads (`const sent = bus.publish(..)`, `task =
/// asyncio.create_task(..)`, `let handle = tokio::spawn(..)` and nothing
/// after): as good as dropped. A name starting with `_` says so on purpose.
pub fn bound_and_unread(
    call: &Call,
    source: &str,
    enclosing: &Function,
    comments: &[Comment],
    knowledge: &Knowledge,
) -> bool {
    if call.result != CallResult::Bound {
        return false;
    }
    let Some(var) = call.bound_to.as_deref() else {
        return false;
    };
    let var = var.trim().trim_start_matches("mut ").trim();
    if var.is_empty() || var.starts_with('_') || !var.chars().all(is_ident_char) {
        return false;
    }
    let rest = rest_of_function(source, call.span, enclosing, comments);
    usage_in(&rest, var, knowledge) == Usage::Unused
}

/// Whether the expression that starts after `before` is returned:
/// `return res.json()`, `return await res.json()`, `return (await res.json())`.
fn is_returned(before: &str) -> bool {
    let trimmed = before.trim_end().trim_end_matches('(').trim_end();
    let trimmed = trimmed.strip_suffix("await").unwrap_or(trimmed).trim_end();
    let trimmed = trimmed.trim_end_matches('(').trim_end();
    trimmed.ends_with("return")
        && trimmed[..trimmed.len() - "return".len()]
            .chars()
            .next_back()
            .is_none_or(|c| !is_ident_char(c))
}

/// Every call inside the argument values of `call` and its chain, including
/// the bodies of inline callbacks.
pub fn calls_in_arguments(call: &Call) -> Vec<&Call> {
    let mut found = Vec::new();
    for link in call.chain.iter().chain(std::iter::once(call)) {
        for arg in &link.args {
            calls_in_value(&arg.value, &mut found);
        }
    }
    found
}

fn calls_in_value<'a>(value: &'a Value, found: &mut Vec<&'a Call>) {
    match value {
        Value::Call(inner) => {
            for link in &inner.chain {
                found.push(link);
            }
            found.push(inner);
            found.extend(calls_in_arguments(inner));
        }
        Value::Function(function) => for_each_call_in(&function.body, &mut |c| found.push(c)),
        Value::Object(props) => props.iter().for_each(|p| calls_in_value(&p.value, found)),
        Value::Array(items) => items.iter().for_each(|v| calls_in_value(v, found)),
        _ => {}
    }
}

/// The spans of every call that is an inner link of a method chain. The
/// walker visits those links on their own too; rules that judge a chain as a
/// whole skip them and read the chain from its outermost call.
pub fn chain_links(model: &FileModel) -> HashSet<(usize, usize)> {
    let mut links = HashSet::new();
    model.module.for_each_call(&mut |call| {
        for link in &call.chain {
            links.insert((link.span.start_byte, link.span.end_byte));
        }
    });
    links
}

/// Whether `call` is an inner link of some chain (see [`chain_links`]).
pub fn is_chain_link(links: &HashSet<(usize, usize)>, call: &Call) -> bool {
    links.contains(&(call.span.start_byte, call.span.end_byte))
}

/// A response hook set on a client's `hooks` (requests: `session.hooks
/// ["response"].append(..)`, `self.session.hooks = {"response": [..]}`):
/// the client named before `.hooks`.
static RESPONSE_HOOKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"([A-Za-z_][\w.]*)\.hooks\s*(?:\[\s*["']response["']\s*\]|=\s*\{\s*["']response["']|\.update\(\s*\{\s*["']response["'])"#,
    )
    .expect("the response-hook pattern is valid")
});

/// The names bound in the file to a client that throws on an error status
/// (`const api = axios.create(..)`, a class field `http = ky.create(..)`),
/// with their `this.`/`self.` forms: calls made on them throw too. So do
/// clients given a response hook in a file that raises on a status
/// (`session.hooks["response"].append(lambda r, *a, **k:
/// r.raise_for_status())`, `httpx.Client(event_hooks={"response":
/// [raise_on_error]})`): the hook checks every answer.
pub fn throwing_receivers(
    model: &FileModel,
    knowledge: &Knowledge,
    source: &str,
) -> HashSet<String> {
    let mut names = HashSet::new();
    let hooks_raise = source.contains("raise_for_status");
    if hooks_raise {
        for hooked in RESPONSE_HOOKS.captures_iter(source) {
            insert_receiver(&mut names, &hooked[1]);
        }
    }
    model.module.for_each_call(&mut |call| {
        let Some(name) = call.bound_to.as_deref() else {
            return;
        };
        let hooked = hooks_raise
            && matches!(
                call.option_value("event_hooks"),
                Some(Value::Object(hooks)) if hooks.iter().any(|hook| hook.key == "response")
            );
        if !hooked && !knowledge.throws_on_error_status(call) {
            return;
        }
        insert_receiver(&mut names, name);
    });
    names
}

/// Add a client's name to `receivers`: `this.http = ..` names the member
/// only; a bare name is a variable or a class field (`http = ..` in a class
/// body, read as `this.http`).
fn insert_receiver(receivers: &mut HashSet<String>, name: &str) {
    match name
        .strip_prefix("this.")
        .or_else(|| name.strip_prefix("self."))
    {
        Some(member) => insert_member(receivers, member),
        None => {
            receivers.insert(name.to_string());
            receivers.insert(format!("this.{name}"));
            receivers.insert(format!("self.{name}"));
        }
    }
}

/// The names bound in the file to what a function of the project's own
/// code makes, out of sight (`async with get_client() as client`, `api =
/// make_api()`, with the factory imported from the project; `with
/// self.make_session() as session`, a method of the class itself): the
/// client is the project's own wrapper, whose methods own the response they
/// get (they may check the status and throw), as a project class's methods
/// do. Added to `receivers` with their `this.`/`self.` forms.
pub fn project_made_receivers(
    walker: &ScopeWalker<'_>,
    model: &FileModel,
    project_names: &HashSet<String>,
    receivers: &mut HashSet<String>,
) {
    // The walker, because `with` items are calls too.
    walker.walk(model, &mut |call, state| {
        let Some(name) = call.bound_to.as_deref() else {
            return;
        };
        let head = call.callee.split(['.', '(']).next().unwrap_or_default();
        let own_method = matches!(call.receiver.as_deref(), Some("self" | "this"));
        if !(own_method || project_names.contains(head)) {
            return;
        }
        match name
            .strip_prefix("this.")
            .or_else(|| name.strip_prefix("self."))
        {
            Some(member) => insert_member(receivers, member),
            // A plain name bound inside a function names that client in
            // that function only.
            None if std::ptr::eq(state.enclosing, &model.module) => {
                receivers.insert(name.to_string());
            }
            None => {
                receivers.insert(scoped_receiver(name, state.enclosing));
            }
        }
    });
}

/// Record a member of the object (`http` of `this.http = ..`) in both the
/// forms calls name it by: `this.http` and `self.http`.
fn insert_member(receivers: &mut HashSet<String>, member: &str) {
    receivers.insert(format!("this.{member}"));
    receivers.insert(format!("self.{member}"));
}

/// How [`project_made_receivers`] records a plain name bound inside
/// `function`: the name as seen from that function only.
pub fn scoped_receiver(name: &str, function: &Function) -> String {
    format!("{name}@{}", function.span.start_byte)
}

/// The receivers of calls made inside a `try` whose handler catches an
/// error-status exception (`except ObjectNotFound:`, `except
/// httpx.HTTPStatusError:`, `catch (e) { if (e instanceof HTTPError) .. }`
/// is not read): the code expects the client to throw on a rejection, so
/// every call made on it in the file does. Added to `receivers` with their
/// `this.`/`self.` forms.
pub fn status_catching_receivers(
    walker: &ScopeWalker<'_>,
    model: &FileModel,
    receivers: &mut HashSet<String>,
) {
    walker.walk(model, &mut |call, state| {
        let Some(receiver) = call.receiver.as_deref() else {
            return;
        };
        let expects_status_error = state.try_stack.iter().any(|context| {
            context.handlers.iter().any(|handler| {
                matches!(handler, Node::Block(block) if matches!(
                    &block.kind,
                    BlockKind::Catch { error_types, .. }
                        if error_types.iter().any(|error| names_status_error(error))
                ))
            })
        });
        if expects_status_error {
            receivers.insert(receiver.to_string());
        }
    });
}

/// Whether an exception type names an error status the client raises
/// (`ObjectNotFound`, `HTTPStatusError`, `HTTPError`, `ClientResponseError`,
/// `Unauthorized`, `Conflict`, `BadRequest`, `ApiException`), not a transport
/// failure (`ConnectionError`, `Timeout`).
fn names_status_error(error: &str) -> bool {
    let last = error.rsplit('.').next().unwrap_or(error);
    // Acronyms run into the next word (`HTTPStatusError` is `httpstatus`,
    // `error`): read the lowercased name, not its words.
    let name = last.to_ascii_lowercase();
    let has = |part: &str| name.contains(part);
    [
        "notfound",
        "badrequest",
        "status",
        "unauthorized",
        "forbidden",
        "conflict",
    ]
    .iter()
    .any(|part| has(part))
        || ((has("http") || has("response") || name.starts_with("api"))
            && (has("error") || has("exception")))
}

/// Whether `call` is made on a client in [`throwing_receivers`]
/// (`api.request(..)`, `this.http.post(..)`).
pub fn on_throwing_receiver(receivers: &HashSet<String>, call: &Call) -> bool {
    std::iter::once(call)
        .chain(call.chain.iter())
        .filter_map(|link| link.receiver.as_deref())
        .any(|receiver| receivers.contains(receiver))
}

/// Whether `call`, made in `function`, is on a client of `receivers`,
/// those bound in `function` only included (see [`scoped_receiver`]).
pub fn on_receiver_in(receivers: &HashSet<String>, call: &Call, function: &Function) -> bool {
    on_throwing_receiver(receivers, call)
        || std::iter::once(call)
            .chain(call.chain.iter())
            .filter_map(|link| link.receiver.as_deref())
            .any(|receiver| receivers.contains(&scoped_receiver(receiver, function)))
}

/// The callees that are awaited somewhere in the file: evidence that a call
/// to them returns a promise, coroutine or future.
pub fn awaited_callees(model: &FileModel) -> HashSet<String> {
    let mut callees = HashSet::new();
    model.module.for_each_call(&mut |call| {
        if call.awaited {
            callees.insert(call.callee.clone());
            for link in &call.chain {
                callees.insert(link.callee.clone());
            }
        }
    });
    callees
}

/// The source text after `span` up to the end of `function`, with comments
/// blanked out (a comment that names a variable does not read it).
pub fn rest_of_function(
    source: &str,
    span: Span,
    function: &Function,
    comments: &[Comment],
) -> String {
    let start = span.end_byte;
    let end = if function.span.end_byte > start {
        function.span.end_byte
    } else {
        source.len()
    };
    let Some(text) = source.get(start..end) else {
        return String::new();
    };
    let mut bytes = text.as_bytes().to_vec();
    for comment in comments {
        let from = comment.span.start_byte.max(start);
        let to = comment.span.end_byte.min(end);
        if from < to {
            for byte in &mut bytes[from - start..to - start] {
                // Keep UTF-8 continuation bytes intact by blanking ASCII only;
                // a non-ASCII comment character never reads a variable anyway.
                if byte.is_ascii() {
                    *byte = b' ';
                }
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// The enclosing function's name for messages: `` `checkout` `` or "the module".
pub fn function_phrase(function: &str) -> String {
    if function.is_empty() || function == "<module>" {
        "the module".to_string()
    } else {
        format!("`{function}`")
    }
}

/// Who turns the request down when a side effect of this kind fails.
pub fn rejecter(kind: SinkKind) -> &'static str {
    match kind {
        SinkKind::Event => "the broker",
        SinkKind::Email => "the e-mail provider",
        SinkKind::Http => "the receiving service",
        SinkKind::Payment => "the payment provider",
        SinkKind::Crm => "the CRM",
    }
}

/// Where an HTTP write goes, as written: its first argument (`CRM_URL`,
/// `` `${API}/contacts` ``), or the `url` option.
pub fn http_target(call: &Call) -> Option<String> {
    full_target(call).map(|target| crate::flow::shorten(&target, 50))
}

/// The whole target of an HTTP call, as written (see [`http_target`]).
pub fn full_target(call: &Call) -> Option<String> {
    let first = call
        .chain
        .iter()
        .chain(std::iter::once(call))
        .find_map(|c| positional_target(&c.args))
        .or_else(|| match call.option_value("url") {
            Some(Value::String(text) | Value::Path(text)) => Some(text.clone()),
            // `url=self.token_endpoint()`, as a positional argument's text is.
            Some(Value::Call(inner)) => Some(inner.text.clone()),
            _ => None,
        })?;
    (!first.is_empty()).then_some(first)
}

/// The words of a target that name an endpoint which only reads, though it
/// is called with POST for the size of its question: a query, a search, a
/// lookup, a count, an estimate, a language model's completion or embedding.
/// (`verify` is left out: verifying an
/// account writes.)
const READ_ENDPOINT_WORDS: &[&str] = &[
    "query",
    "queries",
    "search",
    "lookup",
    "find",
    "count",
    "estimate",
    "preview",
    // A language model's answer: generated, nothing stored.
    "completions",
    "embeddings",
    // A page fetched for its content.
    "browse",
    // A credential exchange (`/oauth/token`, `/api/token`): a refusal
    // leaves no token, and the next call fails loudly.
    "token",
    // Who the credentials belong to (OpenID Connect's `userinfo`).
    "userinfo",
    "whoami",
];

/// Verbs that open the name of a function which only asks another system
/// for something (`get_certificates`, `fetchAccessToken`, `list_builds`).
const READ_VERBS: &[&str] = &[
    "get", "fetch", "list", "load", "search", "query", "find", "lookup", "read", "poll", "browse",
    "retrieve",
];

/// Words in a function's name that say it changes something, whatever verb
/// opens it (`get_or_create_customer`, `fetch_and_store`).
const CHANGE_WORDS: &[&str] = &[
    "or",
    "and",
    "create",
    "set",
    "save",
    "store",
    "send",
    "post",
    "submit",
    "update",
    "delete",
    "remove",
    "add",
    "put",
    "make",
    "register",
    "charge",
    "pay",
    "cancel",
    "revoke",
    "refund",
    "publish",
    "notify",
    "sync",
    "upload",
    "push",
    "write",
    "apply",
    "approve",
    "activate",
    "deactivate",
];

/// Whether the innermost named function of `function` (a walk's function
/// path, `Plugin.get_certificates > callback`) is named for asking only: a
/// read verb first and no word that changes anything. A POST it makes is
/// the protocol's way of asking (a report, a token, a query body too large
/// for a URL).
pub fn named_as_a_read(function: &str) -> bool {
    innermost_name(function).is_some_and(|name| {
        reads_as_a_question(&crate::knowledge::identifier_words(name), READ_VERBS)
    })
}

/// The innermost named function of a walk's function path
/// (`Plugin.get_certificates > <anonymous>` gives `get_certificates`).
fn innermost_name(function: &str) -> Option<&str> {
    let name = function
        .rsplit(" > ")
        .find(|part| !part.is_empty() && part.chars().all(|c| c == '.' || is_ident_char(c)))?;
    Some(name.rsplit('.').next().unwrap_or(name))
}

/// Words that name a request as such, whatever it asks or changes: the
/// method of a project's own transport (`post`, `_request`, `apiCall`).
const TRANSPORT_WORDS: &[&str] = &[
    "post", "put", "patch", "delete", "del", "request", "send", "call", "fetch",
];

/// Words a transport method's name may hold besides [`TRANSPORT_WORDS`]
/// (`make_request`, `doFetch`, `postJson`, `raw_request`, `sendWithRetry`).
const TRANSPORT_HELPER_WORDS: &[&str] = &[
    "make",
    "do",
    "perform",
    "execute",
    "api",
    "http",
    "raw",
    "json",
    "async",
    "with",
    "retry",
    "retries",
    "authed",
    "authenticated",
    "signed",
];

/// Whether the innermost named function of `function` (a walk's function
/// path) is named for the request itself and nothing else (`post`,
/// `_request`, `make_request`, `apiCall`): a project's own transport, whose
/// callers give the request its meaning and read what it returns.
pub fn named_for_transport(function: &str) -> bool {
    let Some(name) = innermost_name(function) else {
        return false;
    };
    let words = crate::knowledge::identifier_words(name);
    words
        .iter()
        .any(|word| TRANSPORT_WORDS.contains(&word.as_str()))
        && words.iter().all(|word| {
            TRANSPORT_WORDS.contains(&word.as_str())
                || TRANSPORT_HELPER_WORDS.contains(&word.as_str())
        })
}

/// Whether an HTTP call only asks: its target names a read
/// ([`targets_a_read`]), its body names a GraphQL query or a JSON-RPC
/// method that reads ([`crate::flow::rpc::operation_only_asks`]), or its
/// target says nothing of what it is (`url`,
/// `options`) and the function making it is named for a read
/// ([`named_as_a_read`]). A target that names its endpoint (`AUDIT_URL`)
/// is believed over the function's name, except a name that asks a
/// language model for an answer ([`named_for_a_model_answer`]).
pub fn asks_only(call: &Call, function: &str) -> bool {
    targets_a_read(call)
        || crate::flow::rpc::operation_only_asks(call)
        || asks_for_a_credential(call, function)
        || (target_says_nothing(call) && named_as_a_read(function))
        || named_for_a_model_answer(function)
}

/// The words a function named for asking a model may hold besides the
/// answer's own (`makeCompletionRequest`, `completionWithRetry`,
/// `createChatCompletion`, `get_embeddings`): any other word (`onCompletion`,
/// `notifyOrderCompletion`, `saveCompletion`) names something else.
const MODEL_REQUEST_WORDS: &[&str] = &[
    "make", "create", "get", "fetch", "request", "with", "retry", "retries", "call", "chat",
    "text", "stream", "async", "model", "llm", "generate",
];

/// Whether a named function of `function` (a walk's function path,
/// `Chat.completionWithRetry > this.caller.call`) is named for asking a
/// language model for an answer (`makeCompletionRequest`,
/// `create_embeddings`) and for nothing else: as for its documentation
/// ([`documented_as_a_read`]), the request it makes only asks.
pub fn named_for_a_model_answer(function: &str) -> bool {
    function
        .split(" > ")
        .filter(|part| !part.is_empty() && part.chars().all(|c| c == '.' || is_ident_char(c)))
        .any(|part| {
            let name = part.rsplit('.').next().unwrap_or(part);
            let words = crate::knowledge::identifier_words(name);
            words
                .iter()
                .any(|word| ANSWER_WORDS.contains(&word.as_str()))
                && words.iter().all(|word| {
                    ANSWER_WORDS.contains(&word.as_str())
                        || MODEL_REQUEST_WORDS.contains(&word.as_str())
                })
        })
}

/// Whether the effect `sink` that `call` makes in `function` is an HTTP
/// request that only asks (a token, a query, a report, see [`asks_only`]), or
/// a helper of the project named for asking that reaches one
/// (`fetch_exporter_jwt(..)`, `get_current_user(..)`): it hands no work to
/// the other system, so its failure loses no handoff, its repetition repeats
/// none, and it announces no state that a transaction could take back.
pub fn only_asks(call: &Call, sink: &Sink, function: &str) -> bool {
    sink.kind == SinkKind::Http
        && (asks_only(call, function)
            || (sink.origin != SinkOrigin::Pack
                && (reads_as_a_question(
                    &crate::knowledge::identifier_words(&call.method),
                    HELPER_READ_VERBS,
                ) || named_for_a_credential(&call.method))))
}

/// The words that name a credential a service issues.
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "tokens",
    "credential",
    "credentials",
    "jwt",
    "bearer",
];

/// The verbs of a function that obtains a credential rather than making or
/// ending one: `exchange_token`, `refreshAccessToken`,
/// `_exchange_client_credentials`, `get_jwt`.
const OBTAIN_VERBS: &[&str] = &[
    "exchange", "refresh", "get", "fetch", "obtain", "request", "acquire", "renew", "load",
];

/// Whether a request asks another system for a credential: an OAuth grant
/// (a body that names its `grant_type`), or a request made by a function
/// named for obtaining a token (`exchange_token`, `refresh_access_token`).
/// A refused request leaves no credential, and the next call that needs one
/// fails loudly; a repeated one hands over a second token and changes
/// nothing else. Revoking, creating or deleting a token is not this.
pub fn asks_for_a_credential(call: &Call, function: &str) -> bool {
    call.text.contains("grant_type")
        || function
            .split(" > ")
            .map(|part| part.rsplit('.').next().unwrap_or(part))
            .any(named_for_a_credential)
}

/// Whether a function's name says it obtains a credential (see
/// [`asks_for_a_credential`]).
pub fn named_for_a_credential(name: &str) -> bool {
    let words = crate::knowledge::identifier_words(name);
    words
        .iter()
        .any(|word| CREDENTIAL_WORDS.contains(&word.as_str()))
        && words
            .iter()
            .any(|word| OBTAIN_VERBS.contains(&word.as_str()))
        && !words
            .iter()
            .any(|word| CHANGE_WORDS.contains(&word.as_str()) || word == "revoke")
}

/// Verbs that open the name of a project helper which only asks another
/// system for something (`fetch_jwt`, `get_current_user`). Fewer than
/// [`READ_VERBS`]: a helper that loads or polls may hand something over.
const HELPER_READ_VERBS: &[&str] = &[
    "get", "fetch", "list", "search", "query", "find", "lookup", "retrieve",
];

/// Words of a target that say nothing of the endpoint it names.
const PLAIN_TARGET_WORDS: &[&str] = &[
    "url", "uri", "endpoint", "options", "opts", "config", "request", "req", "target", "full",
    "base", "path", "self", "this", "params", "api",
];

/// Whether an HTTP call's target is a name that says nothing of the
/// endpoint (`url`, `options`, `self.url`).
fn target_says_nothing(call: &Call) -> bool {
    full_target(call).is_none_or(|target| {
        target.chars().all(|c| c == '.' || is_ident_char(c))
            && crate::knowledge::identifier_words(&target)
                .iter()
                .all(|word| PLAIN_TARGET_WORDS.contains(&word.as_str()))
    })
}

/// Whether the target of an HTTP call names a read: the last segment of its
/// path (`https://api.example.com/v1/query`, `/_search`) or, for a target
/// held in a name, that name (`OSV_QUERY_URL`, `searchEndpoint`). A template
/// part or query string after the segment is left out.
pub fn targets_a_read(call: &Call) -> bool {
    let Some(target) = full_target(call) else {
        return false;
    };
    let path = target.split(['?', '#']).next().unwrap_or(&target);
    let mut segments = path.trim_end_matches(['/', '"', '\'', '`']).rsplit('/');
    let mut last = segments.next().unwrap_or(path);
    // `/v1/queries/run`, `/search/execute`: a verb that only sets the
    // resource before it going names no endpoint of its own.
    if RUN_VERBS.contains(&last.to_lowercase().as_str())
        && let Some(resource) = segments.next()
    {
        last = resource;
    }
    // Only a plain segment (`get_current_account`, `users.list`,
    // `provider.userinfo?.url`) is read for its words, not an expression.
    let plain = !last.is_empty()
        && last
            .chars()
            .all(|c| is_ident_char(c) || matches!(c, '.' | '-' | '?' | '!'));
    let is_path = plain && last.len() < path.len();
    // `provider.userinfo.url`: a member path names its endpoint before the
    // plain word that holds its address.
    let last = if plain {
        last.split('.')
            .rev()
            .map(|segment| segment.trim_end_matches(['?', '!']))
            .find(|segment| !PLAIN_TARGET_WORDS.contains(&segment.to_lowercase().as_str()))
            .unwrap_or(last)
    } else {
        last.rsplit('.').next().unwrap_or(last)
    };
    let words = crate::knowledge::identifier_words(last);
    words
        .iter()
        .any(|word| READ_ENDPOINT_WORDS.contains(&word.as_str()))
        || (is_path && reads_as_a_question(&words, ENDPOINT_READ_VERBS))
}

/// Path segments that only set the resource named before them going
/// (`/queries/run`).
const RUN_VERBS: &[&str] = &["run", "execute", "exec"];

/// Verbs that open the method an RPC-style endpoint names in its path when
/// it only answers (`/2/users/get_current_account`, `users.list`). Fewer
/// than [`READ_VERBS`]: at the end of a path `read` marks something read,
/// `poll` and `load` name things a POST creates or imports.
const ENDPOINT_READ_VERBS: &[&str] =
    &["get", "list", "search", "query", "find", "lookup", "browse"];

/// Whether the words of a name open with one of `verbs` and hold no word
/// that changes anything: a function named for a read (`get_certificates`),
/// or the method an RPC-style endpoint names in its path.
fn reads_as_a_question(words: &[String], verbs: &[&str]) -> bool {
    words
        .first()
        .is_some_and(|first| verbs.contains(&first.as_str()))
        && !words
            .iter()
            .any(|word| CHANGE_WORDS.contains(&word.as_str()))
}

/// What a call's positional arguments say it writes to: the first one, or
/// the one after a method (`request("POST", url)`, `request(Method::POST,
/// url)`); the route of octokit's `request("POST /repos/{owner}/..")`.
fn positional_target(args: &[Argument]) -> Option<String> {
    let mut positional = args.iter().filter(|arg| arg.keyword.is_none());
    let first = positional.next()?;
    let target = match first.http_method() {
        Some(method) => match &first.value {
            Value::String(text) if text.len() > method.len() => {
                return Some(text[method.len()..].trim().to_string());
            }
            _ => positional.next()?,
        },
        None => first,
    };
    (!matches!(target.value, Value::Object(_) | Value::Function(_))).then(|| unquote(&target.text))
}

/// A string literal's text without its quotes or Python prefix (`f"..."`).
fn unquote(text: &str) -> String {
    let prefix = text
        .char_indices()
        .take_while(|(_, c)| matches!(c, 'f' | 'F' | 'r' | 'R' | 'b' | 'B' | 'u' | 'U'))
        .count();
    let unprefixed = match text[prefix..].chars().next() {
        Some('\'' | '"') if prefix <= 2 => &text[prefix..],
        _ => text,
    };
    unprefixed
        .trim_matches(|c| c == '\'' || c == '"' || c == '`')
        .to_string()
}

/// The side effect as a reviewer would name it: "the `order.created`
/// message", "the request to `CRM_URL`", "the e-mail sent by `send_mail`".
/// `outer` is the whole chain the call is a link of (or the call itself):
/// a request's URL sits on its first link (`client.post(url).send()`).
pub fn effect_phrase(call: &Call, outer: &Call, kind: SinkKind) -> String {
    let callee = crate::flow::callee_name(call);
    let first = http_target(outer);
    match kind {
        SinkKind::Event => match crate::flow::destination(call) {
            Some(topic) => format!("the `{}` message", crate::flow::shorten(&topic, 50)),
            None => format!("the message sent by `{callee}`"),
        },
        SinkKind::Http => match first {
            Some(url) => format!("the request to `{url}`"),
            None => format!("the request sent by `{callee}`"),
        },
        SinkKind::Email => format!("the e-mail sent by `{callee}`"),
        SinkKind::Payment => format!("the payment call `{callee}`"),
        SinkKind::Crm => format!("the CRM write `{callee}`"),
    }
}

/// The name bound by an `Err(e)` pattern or `if let Err(e) = ..` condition.
pub fn err_binding(pattern: &str) -> Option<&str> {
    let start = pattern.find("Err(")? + "Err(".len();
    let rest = &pattern[start..];
    let end = rest.find(')')?;
    Some(rest[..end].trim())
}

/// The text of the first string argument of a call, for quoting a log message.
pub fn log_message(call: &Call) -> String {
    match call.first_string_arg() {
        Some(text) => format!("'{}'", crate::flow::shorten(text, 60)),
        None => format!("`{}`", crate::flow::shorten(&call.text, 60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_that_name_an_error_status() {
        for status in [
            "ObjectNotFound",
            "httpx.HTTPStatusError",
            "requests.HTTPError",
            "aiohttp.ClientResponseError",
            "Unauthorized",
            "ConflictError",
            "BadRequest",
            "ApiException",
        ] {
            assert!(super::names_status_error(status), "{status}");
        }
        for other in [
            "ConnectionError",
            "Timeout",
            "KeyError",
            "EventArrivedEarly",
            "Exception",
            "CapitalError",
        ] {
            assert!(!super::names_status_error(other), "{other}");
        }
    }

    #[test]
    fn rethrow_and_error_results_are_failures() {
        assert_eq!(classify_return_text("throw err"), Exit::Failure);
        assert_eq!(classify_return_text("Err(e.into())"), Exit::Failure);
        assert_eq!(
            classify_return_text("res.status(502).json({ error: 'x' })"),
            Exit::Failure
        );
        assert_eq!(
            classify_return_text("{ success: false, reason }"),
            Exit::Failure
        );
    }

    #[test]
    fn success_shapes_are_recognised() {
        assert_eq!(
            classify_return_text("{ success: true }"),
            Exit::Success("{ success: true }".to_string())
        );
        assert_eq!(
            classify_return_text("Ok(())"),
            Exit::Success("Ok(())".to_string())
        );
        assert_eq!(classify_return_text("None"), Exit::Sentinel);
        assert_eq!(classify_return_text(""), Exit::Bare);
        assert_eq!(
            classify_return_text("order"),
            Exit::Fallback("order".to_string())
        );
    }

    /// The first call of `source`, parsed as `language`.
    fn first_call(language: crate::model::Language, source: &str) -> Call {
        let model = crate::lang::parse(language, source);
        let mut calls = Vec::new();
        model
            .module
            .for_each_call(&mut |call| calls.push(call.clone()));
        calls.into_iter().next().expect("the source has a call")
    }

    #[test]
    fn a_method_argument_is_the_method_and_the_url_follows_it() {
        use crate::model::Language::{JavaScript, Python, Rust};
        let cases = [
            (
                Python,
                "requests.request('POST', url, json=body)\n",
                "POST",
                "url",
            ),
            (Python, "s.request(method='DELETE', url=u)\n", "DELETE", "u"),
            (
                JavaScript,
                "octokit.request('POST /repos/{owner}/{repo}/issues', {});\n",
                "POST",
                "/repos/{owner}/{repo}/issues",
            ),
            (
                JavaScript,
                "client.request('patch', `/orders/${id}`, body);\n",
                "patch",
                "/orders/${id}",
            ),
            (
                Rust,
                "fn f() { client.request(reqwest::Method::POST, url).send(); }\n",
                "POST",
                "url",
            ),
        ];
        for (language, source, method, target) in cases {
            let call = first_call(language, source);
            assert_eq!(call.http_method(), Some(method), "{source}");
            assert_eq!(http_target(&call).as_deref(), Some(target), "{source}");
        }
        let read = first_call(JavaScript, "client.request(options);\n");
        assert_eq!(read.http_method(), None);
        let named = first_call(Python, "notify('POSTED', url)\n");
        assert_eq!(
            named.http_method(),
            None,
            "a word that starts like a method is not one"
        );
    }

    fn python() -> Knowledge {
        crate::knowledge::KnowledgeBase::builtin()
            .expect("built-in packs are valid")
            .for_ecosystem(crate::model::Ecosystem::Python)
            .clone()
    }

    #[test]
    fn a_response_body_returned_as_is_differs_from_one_indexed_locally() {
        let knowledge = python();
        assert_eq!(
            usage_in("\n    return response.json()\n", "response", &knowledge),
            Usage::BodyReturned
        );
        assert_eq!(
            usage_in(
                "\n    return response.json()[\"id\"]\n",
                "response",
                &knowledge
            ),
            Usage::BodyOnly
        );
        assert_eq!(
            usage_in(
                "\n    response.raise_for_status()\n",
                "response",
                &knowledge
            ),
            Usage::Checked
        );
        assert_eq!(
            usage_in("\n    return handle(response)\n", "response", &knowledge),
            Usage::HandedOn
        );
    }

    #[test]
    fn a_reassignment_or_a_with_binding_is_not_a_read() {
        let knowledge = python();
        let text = " as resp:\n    resp = other()\n    log(x)\n";
        assert_eq!(usage_in(text, "resp", &knowledge), Usage::Unused);
    }

    #[test]
    fn words_are_matched_whole_and_not_as_members() {
        assert!(has_word("    raise\n", "raise"));
        assert!(!has_word("raised_error()", "raise"));
        assert_eq!(
            word_positions("x.res + res", "res").collect::<Vec<_>>(),
            [8]
        );
    }
}
