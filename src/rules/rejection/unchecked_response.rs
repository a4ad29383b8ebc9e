//! `rejection/unchecked-response`.

use crate::flow::imports::project_local_names;
use crate::flow::outcome::{
    BODY_READS, Outcome, RESULT_DISCARDS, Usage, asks_only, body_bindings, body_checked,
    chain_links, documented_as_a_read, function_phrase, http_target, in_rethrowing_handler,
    is_chain_link, named_for_transport, on_receiver_in, on_throwing_receiver,
    project_made_receivers, rest_of_function, status_catching_receivers, success_told_after,
    throwing_receivers, tolerated_around, usage_in,
};
use crate::flow::telemetry::is_telemetry;
use crate::flow::{CallSite, WalkState, callee_name};
use crate::knowledge::{Knowledge, Sink, SinkKind, SinkOrigin};
use crate::model::{BlockKind, Call, CallResult, Ecosystem, Function, Language, Node, Span, Value};
use crate::rules::{
    Confidence, FileContext, FileRule, RawFinding, RelatedSpan, Rule, Severity, declare_rule,
};
use std::collections::HashSet;

declare_rule! {
    /// An HTTP write's response status is never checked, so a rejected request (4xx/5xx) looks like
    /// success.
    ///
    /// ## What it detects
    /// A POST/PUT/PATCH/DELETE made with a client that resolves normally on error statuses
    /// (`fetch`, `requests`, `httpx`, `aiohttp`, `reqwest`) whose response is dropped (in Rust
    /// also by a `match` or `if let` that only handles the transport error: `Ok(_) =>`,
    /// `if let Err(e) = ..send().await`), or whose body is read (`res.json()`, `response.json()`) without any status check: no `res.ok`,
    /// `res.status`, `status_code`, `raise_for_status()`, `error_for_status()`,
    /// `status().is_success()` later in the function (for Python's `http.client`, on the answer
    /// of `conn.getresponse()` after `conn.request(..)`). A response that is returned or handed to
    /// another function is left to that code; when the project's own helper returns it whole
    /// (`return fetch(url, { method: 'POST', .. })`, `return requests.post(..)`, Rust
    /// `Ok(client.post(..).send().await?)`), a caller that drops or only reads the body of what
    /// the helper returns is judged like the write itself, with the helper's call as the related
    /// location. Clients that throw on non-2xx by default (axios, got,
    /// ky, ofetch), responses kept on an object (`self.login = requests.post(..)`), Python bodies
    /// that are indexed locally (`resp.json()["id"]` raises on an error body), bodies whose outcome
    /// is checked (`const { success } = await res.json()`, `data.ok`, a schema's `.parse(data)`, an
    /// `if` on the body that throws), bodies that the project's own transport method returns whole
    /// (`async post(path, data) { .. return res.json() }`, `_request(..)`: its callers give the
    /// request its meaning and read the outcome the body carries), POSTs to an endpoint
    /// that only reads (its path or the constant holding it says query, search, lookup, count,
    /// token, userinfo, browse, or names an RPC method that only answers, `/users/get_current_account`,
    /// `users.list`; or a target that says nothing, `url`, `api_endpoint`, made by a function
    /// named for a read,
    /// `get_report(..)`; or a body naming a GraphQL query, `{ query: VERIFY_KEY_QUERY }`, or a
    /// JSON-RPC method that reads, `getBalance`;
    /// or a function documented or named as asking a model for a completion,
    /// `makeCompletionRequest`; a query sent to be run, `/queries/run`),
    /// calls told to raise on an error status (aiohttp's `raise_for_status=True`; a call told not
    /// to, `throwHttpErrors: false`, is judged whatever its client), writes whose
    /// failure the code documents as tolerated (`# cleanup is best-effort` in the handler around
    /// them) or that are made in a handler ending in `raise` (a cancel while the failure is
    /// reported anyway) or by a function that ends a session or connection (`close`, `logout`,
    /// `__aexit__`: logging off a device's API session on the way out),
    /// a JavaScript client known only by a generic `request(..)` method called inside a `try`
    /// (its author expects it to throw on an error status),
    /// telemetry pings (analytics, metrics, heartbeats, log forwarding: said by the target or by
    /// the name of the function that sends them, or a file named for a usage report), clients the file shows to throw on an error status (a call on
    /// them is caught as `except ObjectNotFound:` or `except httpx.HTTPStatusError:`, or it is
    /// given a response hook in a file that raises on a status: requests'
    /// `session.hooks["response"]`, httpx's `event_hooks={"response": [..]}`), clients made
    /// by the project's own factory out of sight (`async with get_client() as client` with
    /// `get_client` imported from the project: its wrapper owns the response), a client handed in
    /// as a parameter and called bare (`request(url, { method: 'post' })` in an action's
    /// `perform: async (request, ..)`: the caller's client, not the library of that name, judged
    /// like a client known only by its name), ORM sessions given
    /// as typed parameters (`session: AsyncSession`: `session.delete(row)` is no HTTP request) and
    /// test code (supertest's `.expect(201)` is a status check) are not flagged. Findings are
    /// high confidence when the client is resolved (`fetch`, `requests.post`, a receiver built
    /// from a library or typed as one, reqwest's builder), the response is dropped or never
    /// read, and the code shows the write is expected to work or its failures to surface: a
    /// route, job or consumer (its runner takes the return for success), a success announced
    /// or a value handed back after it (`logger.info("report sent")`, `return True`), a
    /// `catch`/`except` around it that reports failures (a rejection raises nothing it could
    /// catch), or a status checked elsewhere in the file. They are medium when nothing around
    /// the write says so (its callers may not care), when only its body is read (the body may
    /// carry the outcome), when the write is a helper's, or when the client is known only by the
    /// names of its receiver and method (`self.session.post`, `api.request(..)`: it may be the
    /// project's wrapper), or when a JSON-RPC or GraphQL request names its operation out of
    /// sight (every operation is a POST there, reads included); such a client is judged only in a file that imports a library whose
    /// clients answer error statuses normally (`requests`, `httpx`, `node-fetch`, Node's `https`:
    /// the packs' `non_throwing_http_modules`), and taken elsewhere for the project's own wrapper,
    /// which may check the status and throw. A body read
    /// without a status check is low severity.
    ///
    /// ## Why it breaks workflows
    /// HTTP clients like `fetch`, `requests` and `reqwest` only fail on network errors; a rejection
    /// — 400 invalid payload, 401 expired token, 409 conflict, 422 unknown enum value, 429 rate
    /// limit, 5xx — is a normal response. Code that never reads the status reports success for a
    /// write the other service refused, and a body read from an error response silently becomes
    /// `undefined` fields downstream. Tests with a fake that always answers 200 never notice.
    ///
    /// ## Example
    /// ```javascript
    /// const res = await fetch(`${CRM_URL}/contacts`, {
    ///   method: 'POST',
    ///   body: JSON.stringify({ email }),
    /// });
    /// const contact = await res.json(); // a 422 body is used as if the contact existed
    /// return contact.id;
    /// ```
    ///
    /// Use instead:
    /// ```javascript
    /// const res = await fetch(`${CRM_URL}/contacts`, {
    ///   method: 'POST',
    ///   body: JSON.stringify({ email }),
    /// });
    /// if (!res.ok) {
    ///   throw new Error(`CRM rejected contact: ${res.status} ${await res.text()}`);
    /// }
    /// const contact = await res.json();
    /// return contact.id;
    /// ```
    ///
    /// ## How to fix it
    /// Check the status right after the call and make a rejection fail loudly: `if (!res.ok) throw
    /// ...` with `fetch`; `response.raise_for_status()` with `requests`/`httpx`;
    /// `.error_for_status()?` with `reqwest`. Or use a client configured to throw on error
    /// statuses.
    ///
    /// ## Reviewer questions
    /// - What does the receiving service answer when it rejects this write (400, 401, 409, 422,
    ///   429, 5xx), and what should the caller do then?
    /// - Who is alerted when the write is rejected?
    /// - How would a workflow test verify the write was accepted, against a fake that can also
    ///   answer with an error status?
    /// - What if the service accepts the request now but rejects it later, or answers 202 and drops
    ///   it?
    pub struct UncheckedResponse {
        id: "rejection/unchecked-response",
        severity: Medium,
        checks: file,
    }
}

impl FileRule for UncheckedResponse {
    fn check_file(&self, file: &FileContext<'_>, findings: &mut Vec<RawFinding>) {
        let knowledge = file.knowledge;
        let ecosystem = Language::from_path(file.path).map(Language::ecosystem);
        let walker = file.walker();
        let links = chain_links(file.model);
        let throwing = throwing_receivers(file.model, knowledge, file.source);
        // Clients the file shows to throw, or the project makes: read the
        // file for them only once a write with an unread response is found.
        let owned_elsewhere = std::cell::OnceCell::new();
        let owns_response = |call: &Call, function: &Function| {
            on_receiver_in(
                owned_elsewhere.get_or_init(|| {
                    let mut receivers = HashSet::new();
                    status_catching_receivers(walker, file.model, &mut receivers);
                    if let Some(language) = Language::from_path(file.path) {
                        let project_names = project_local_names(language, file.path, file.source);
                        project_made_receivers(walker, file.model, &project_names, &mut receivers);
                    }
                    receivers
                }),
                call,
                function,
            )
        };
        let project_names = std::cell::OnceCell::new();
        let imports_plain_client = std::cell::OnceCell::new();
        let inherited_client = |write: &Call, function: &Function| {
            knowledge
                .sink(write)
                .is_some_and(|sink| sink.names_the_method_only(&write.callee))
                && on_inherited_project_client(
                    write,
                    function,
                    &file.model.module,
                    file.source,
                    project_names.get_or_init(|| {
                        Language::from_path(file.path)
                            .map(|language| project_local_names(language, file.path, file.source))
                            .unwrap_or_default()
                    }),
                )
        };
        walker.walk(file.model, &mut |call, state| {
            // A method of the project's own client class owns the response
            // it gets (it may check the status and throw).
            if is_chain_link(&links, call)
                || walker.is_local_receiver(call, state)
                || knowledge.is_project_method(call)
            {
                return;
            }
            let chain: Vec<&Call> = call.chain.iter().chain(std::iter::once(call)).collect();
            let Some(position) = chain.iter().position(|link| {
                // A helper of the project owns the response it gets: its
                // own call of the client is where the status goes unread,
                // unless it returns the response whole to its callers.
                knowledge.sink(link).is_some_and(|sink| {
                    sink.kind == SinkKind::Http
                        && (sink.origin == SinkOrigin::Pack || knowledge.hands_back_response(link))
                })
            }) else {
                return;
            };
            // An HTTP write names its URL; `session.delete()` with no
            // arguments is some other object's method.
            if knowledge.throws_on_error_status(call)
                || on_throwing_receiver(&throwing, call)
                || chain[..=position].iter().all(|link| link.args.is_empty())
            {
                return;
            }
            let write = chain[position];
            // `fetch(url, { mode: 'no-cors' })` gets an opaque response: its
            // status cannot be read at all, only the request's dispatch.
            if matches!(write.option_value("mode"), Some(Value::String(mode)) if mode == "no-cors")
            {
                return;
            }
            // A POST to a query or search endpoint, or made by a function
            // named for asking, asks; it changes nothing a refusal could
            // leave undone.
            if asks_only(write, &state.function)
                || documented_as_a_read(state.enclosing, file.source, &file.model.comments)
                || is_telemetry(write, &state.function)
            {
                return;
            }
            // A JavaScript client known only by its generic `request` method
            // may throw on an error status (request-promise, a framework's
            // helpers): called inside a `try`, its author expects it to.
            // (Python's clients and Node's `http` never throw on a status.)
            if ecosystem == Some(Ecosystem::Js)
                && unknown_requester(write)
                && !state.try_stack.is_empty()
            {
                return;
            }
            let after = &chain[position + 1..];
            if after
                .iter()
                .any(|link| knowledge.is_status_check(&link.method))
            {
                return;
            }
            let Some(reading) = reading(call, write, after, file, state, ecosystem, knowledge)
            else {
                return;
            };
            if owns_response(call, state.enclosing) || inherited_client(write, state.enclosing) {
                return;
            }
            // A write whose failure the author documents as tolerated
            // (`# cleanup is best-effort`), or one made while a handler
            // reports the failure anyway (a cancel before `raise`), leaves
            // the caller believing nothing it should not.
            if tolerated_around(file.model, call, &state.try_stack, file.source)
                || in_rethrowing_handler(state.enclosing, call.span, file.source)
            {
                return;
            }
            // A client known only by its name is taken for a library's that
            // answers error statuses normally only in a file importing one;
            // elsewhere it is most often the project's own wrapper, which may
            // check the status and throw (evidence decides, names do not).
            let resolved = knowledge.hands_back_response(write)
                || client_resolved(write, file.model, knowledge, ecosystem);
            if !resolved && !*imports_plain_client.get_or_init(|| imports_plain(file)) {
                return;
            }
            let seen = Write {
                call: write,
                trigger: call,
                helper: knowledge
                    .sink(write)
                    .filter(|sink| sink.origin != SinkOrigin::Pack),
            };
            // The caller is told the write worked: a route or job whose
            // return is taken for success, a success announced or a value
            // handed back after it.
            // Or the code shows the author wants its failures to surface: a
            // handler around it reports failures (a rejection raises
            // nothing it could catch), or the file checks the status of
            // its other responses.
            // A write in a `finally` block cleans up after an outcome
            // already decided (a session closed, a lock released): what the
            // caller is told does not hinge on it, so it is no certain case.
            let success_told = !in_finally(state.enclosing, call.span)
                && (state.role.is_some()
                    || success_told_after(file.model, call.span)
                    || failure_reported_around(state, file.source, knowledge)
                    || status_checked_elsewhere(state.enclosing, file.source, knowledge));
            // A JSON-RPC or GraphQL POST whose operation is named out of
            // sight may only ask.
            let certain =
                resolved && success_told && !crate::flow::rpc::operation_out_of_sight(write);
            findings.push(self.finding(&seen, state, reading, ecosystem, certain));
        });
    }
}

/// Whether `span` is in a `finally` block of `function`'s own body (not of
/// a function nested in it).
fn in_finally(function: &Function, span: Span) -> bool {
    fn within(nodes: &[Node], span: Span) -> bool {
        nodes.iter().any(|node| match node {
            Node::Block(block)
                if block.span.start_byte <= span.start_byte
                    && span.end_byte <= block.span.end_byte =>
            {
                if matches!(block.kind, BlockKind::Finally) {
                    !in_nested_function(&block.body, span)
                } else {
                    within(&block.body, span)
                }
            }
            _ => false,
        })
    }
    fn in_nested_function(nodes: &[Node], span: Span) -> bool {
        nodes.iter().any(|node| match node {
            Node::Function(nested) => {
                nested.span.start_byte <= span.start_byte && span.end_byte <= nested.span.end_byte
            }
            Node::Block(block) => in_nested_function(&block.body, span),
            _ => false,
        })
    }
    within(&function.body, span)
}

/// Whether `write` is made on a member of `self`/`this` (`self.api.request(..)`)
/// that this file never binds, in a method of a class whose base is the
/// project's own (imported from the project's code, `project_names`): the
/// base class makes that client, and the project's wrapper owns the
/// response it hands back, as for a client made by the project's factory.
fn on_inherited_project_client(
    write: &Call,
    function: &Function,
    module: &Function,
    source: &str,
    project_names: &HashSet<String>,
) -> bool {
    let Some(receiver) = write.receiver.as_deref() else {
        return false;
    };
    let Some((owner, path)) = receiver
        .strip_prefix("self.")
        .map(|path| ("self", path))
        .or_else(|| receiver.strip_prefix("this.").map(|path| ("this", path)))
    else {
        return false;
    };
    let member = path.split('.').next().unwrap_or(path);
    let binding = format!("{owner}.{member} =");
    let annotation = format!("{owner}.{member}: ");
    let bound_in_class = class_methods(module, function.class.as_deref())
        .iter()
        .any(|method| {
            let text = source
                .get(method.span.start_byte..method.span.end_byte)
                .unwrap_or("");
            text.contains(&binding) || text.contains(&annotation)
        });
    !bound_in_class
        && function
            .class_bases
            .iter()
            .any(|base| project_names.contains(base.split(['.', '[', '(']).next().unwrap_or(base)))
}

/// The methods of class `class` in `module` (none when `class` is `None`).
fn class_methods<'m>(module: &'m Function, class: Option<&str>) -> Vec<&'m Function> {
    fn collect<'m>(nodes: &'m [Node], class: &str, out: &mut Vec<&'m Function>) {
        for node in nodes {
            match node {
                Node::Function(function) => {
                    if function.class.as_deref() == Some(class) {
                        out.push(function);
                    }
                    collect(&function.body, class, out);
                }
                Node::Block(block) => collect(&block.body, class, out),
                _ => {}
            }
        }
    }
    let mut methods = Vec::new();
    if let Some(class) = class {
        collect(&module.body, class, &mut methods);
    }
    methods
}

/// Whether the client `write` is made with is resolved: a global or a
/// library's path the pack names (`fetch`, `requests.post`), a receiver bound
/// to a library's construction (`client = httpx.Client()`) or typed as a
/// parameter (`session: aiohttp.ClientSession`), or reqwest's request
/// builder (`.post(url)..send()`, a shape of its own). A method on a
/// receiver known only by its name (`self.session.post`, `api.request`) is
/// inferred: it may be the project's wrapper.
fn client_resolved(
    write: &Call,
    model: &crate::model::FileModel,
    knowledge: &Knowledge,
    ecosystem: Option<Ecosystem>,
) -> bool {
    // A member (`self.session`) may be typed by any method's parameter (the
    // constructor's); a plain name only by a parameter of the functions
    // around the call: another function's `session: AsyncSession` says
    // nothing of the `session` a scope opens here.
    let typed = write.receiver.as_deref().is_some_and(|receiver| {
        match receiver
            .strip_prefix("self.")
            .or_else(|| receiver.strip_prefix("this."))
        {
            Some(member) => crate::flow::has_typed_parameter(model, member),
            None => crate::flow::functions_around(model, write.span)
                .iter()
                .flat_map(|function| &function.params)
                .any(|param| param.name == receiver && param.type_annotation.is_some()),
        }
    });
    // `window.fetch(..)`, `globalThis.fetch(..)`: the platform's own `fetch`.
    let global_fetch = ecosystem == Some(Ecosystem::Js)
        && write.method == "fetch"
        && matches!(
            write.receiver.as_deref(),
            Some("window" | "globalThis" | "global" | "self")
        );
    // A bare call of a parameter (`perform: async (request, ..) =>
    // request(url, { method: 'post' })`) is the client the caller hands in,
    // whatever the library of that name does.
    let injected = crate::flow::names_a_parameter(
        &crate::flow::functions_around(model, write.span),
        &write.callee,
    );
    ecosystem == Some(Ecosystem::Rust)
        || global_fetch
        || typed
        || knowledge.told_not_to_throw(write)
        || write.constructed_receiver.is_some()
        || (!injected
            && knowledge
                .sink(write)
                .is_some_and(|sink| sink.names_its_origin(&write.callee)))
}

/// Whether the file imports a library whose HTTP clients resolve normally
/// on an error status (`requests`, `node-fetch`; the packs'
/// `non_throwing_http_modules`).
fn imports_plain(file: &FileContext<'_>) -> bool {
    Language::from_path(file.path).is_some_and(|language| {
        file.knowledge
            .imports_non_throwing_http(language, file.source)
    })
}

/// Receivers of a generic `request` method known to resolve normally on an
/// error status: Node's `http`/`https` and undici.
const NON_THROWING_REQUESTERS: &[&str] = &["http", "https", "undici"];

/// Whether `write` is a generic `request(..)` call on a client whose
/// behaviour on an error status is not known.
fn unknown_requester(write: &Call) -> bool {
    write.method == "request"
        && !write.receiver.as_deref().is_some_and(|receiver| {
            NON_THROWING_REQUESTERS.contains(&receiver.rsplit('.').next().unwrap_or(receiver))
        })
}

/// The HTTP write a finding is about.
#[derive(Clone, Copy)]
struct Write<'a> {
    /// The call that writes: the client's, or a call of the project's
    /// helper that returns the client's response whole.
    call: &'a Call,
    /// The outermost call of its chain (`fetch(..).then(..)`).
    trigger: &'a Call,
    /// The helper's sink, when `call` is a helper's.
    helper: Option<&'a Sink>,
}

/// How the response of an HTTP write is (not) read.
enum Reading {
    /// Dropped on the floor.
    Dropped,
    /// Bound to a variable that is never read again.
    Unread(String),
    /// Only the body is read: through the chain (`.json()`), or from the
    /// variable named here.
    BodyOnly(String),
    /// Only the body is read, through the chain (`fetch(..).then(r => r.json())`).
    ChainedBody(String),
    /// Only the body of the variable named here is read, and it is returned
    /// whole: the callers may read the outcome it carries (an error body's
    /// `status` or `error` field), out of sight here.
    BodyReturned(String),
    /// A `.then(..)` callback runs on any response and never looks at it.
    IgnoredByThen,
    /// The status of the variable named here is only read to take the
    /// success path (`if (res.ok) { .. }` with no `else`): a rejection
    /// falls through in silence.
    SuccessOnly(String),
}

fn reading(
    call: &Call,
    write: &Call,
    after: &[&Call],
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    ecosystem: Option<Ecosystem>,
    knowledge: &Knowledge,
) -> Option<Reading> {
    // `.send().await.ok();` drops the whole `Result`: swallowed-error's finding.
    if after
        .iter()
        .any(|link| RESULT_DISCARDS.contains(&link.method.as_str()))
        && matches!(
            call.result,
            CallResult::Discarded | CallResult::ExplicitlyIgnored
        )
    {
        return None;
    }
    // `request.post(..).on('response', (res) => ..)`: the response goes to
    // a listener the author wrote to look at it.
    if after
        .iter()
        .any(|link| link.method == "on" && link.first_string_arg() == Some("response"))
    {
        return None;
    }
    let body_read = after
        .iter()
        .find(|link| link.method == "then" || BODY_READS.contains(&link.method.as_str()));
    if let Some(link) = body_read {
        return chained_reading(call, write, link, file, state, ecosystem, knowledge);
    }
    match call.result {
        // `match client.post(..).send().await { Ok(_) => .., Err(e) => .. }`:
        // the transport error is handled, the response is not looked at.
        CallResult::Used if ecosystem == Some(Ecosystem::Rust) => {
            rust_match_reading(file.source, call.span, knowledge)
        }
        // `let _ = ..` is the swallowed-error rule's; `void fetch(..)` fire-and-forget's.
        CallResult::ExplicitlyIgnored | CallResult::Returned | CallResult::Used => None,
        CallResult::Discarded => {
            let unawaited_js = ecosystem == Some(Ecosystem::Js) && !call.awaited;
            // An unawaited write in an async function is fire-and-forget's finding.
            if unawaited_js && state.enclosing.is_async {
                return None;
            }
            if state.site == CallSite::WithItem {
                return bound_in_with(call, file, state, ecosystem, knowledge);
            }
            // Python's `http.client`: `conn.request(..)` returns nothing; the
            // answer is `conn.getresponse()`, read later in the function.
            if answer_fetched_later(write, call, file.source, state.enclosing)
                .is_some_and(|rest| mentions_status(rest, knowledge))
            {
                return None;
            }
            Some(Reading::Dropped)
        }
        CallResult::Bound => bound_reading(call, file, state, ecosystem, knowledge),
    }
}

/// How the response of a call whose body is read in the same chain
/// (`.json()`, `.then(..)`) is looked at.
fn chained_reading(
    call: &Call,
    write: &Call,
    link: &Call,
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    ecosystem: Option<Ecosystem>,
    knowledge: &Knowledge,
) -> Option<Reading> {
    if link.method == "then" {
        // `fetch(..).then(r => r.ok ? .. : ..)`: look inside the callback.
        let text = file
            .source
            .get(write.span.end_byte..call.span.end_byte)
            .unwrap_or("");
        if mentions_status(text, knowledge) {
            return None;
        }
        let reads_body = BODY_READS
            .iter()
            .any(|member| text.contains(&format!(".{member}(")));
        if !reads_body {
            return Some(Reading::IgnoredByThen);
        }
    }
    // `const { success } = await fetch(..).then((r) => r.json())`: the body
    // carries the outcome and is checked.
    if let Some(bound) = call.bound_to.as_deref() {
        let names: Vec<String> = bound
            .split(|c: char| !crate::flow::outcome::is_ident_char(c))
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .collect();
        let rest = code_after(call, file, state);
        if body_checked(state.enclosing, &rest, &names) {
            return None;
        }
    }
    // `return fetch(url, init).then((r) => r.json())` in the project's own
    // `post(..)`: its callers read the body and its outcome.
    if call.result == CallResult::Returned && named_for_transport(&state.function) {
        return None;
    }
    match call.result {
        CallResult::ExplicitlyIgnored => None,
        // `requests.post(..).json()["id"]` raises on an error body.
        _ if ecosystem == Some(Ecosystem::Python) && call.result != CallResult::Returned => None,
        _ => Some(Reading::ChainedBody(format!(".{}(..)", link.method))),
    }
}

/// The code of the function the walk is in after `call` (see
/// [`rest_of_function`]).
fn code_after(call: &Call, file: &FileContext<'_>, state: &WalkState<'_>) -> String {
    rest_of_function(
        file.source,
        call.span,
        state.enclosing,
        &file.model.comments,
    )
}

/// How the response bound to a variable (or destructured) is looked at in
/// the rest of the function.
fn bound_reading(
    call: &Call,
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    ecosystem: Option<Ecosystem>,
    knowledge: &Knowledge,
) -> Option<Reading> {
    let var = call.bound_to.as_deref().unwrap_or("").trim();
    // `self.login = requests.post(..)`: kept on the object for later.
    if var.starts_with("this.") || var.starts_with("self.") {
        return None;
    }
    let rest = code_after(call, file, state);
    if var.starts_with(['{', '[', '(']) {
        // `const { ok, status } = await fetch(..)`
        let names: Vec<String> = var
            .split(|c: char| !crate::flow::outcome::is_ident_char(c))
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        if names.iter().any(|name| knowledge.is_status_check(name)) {
            return None;
        }
        // `const { res, obj, err } = await request(..)` from the project's
        // helper that hands back the response beside its body: the status
        // of `res` read later (`if (res.status >= 300)`), or the error the
        // body or the helper carries checked (`if (err || obj.errorMessage)`).
        let checked = names
            .iter()
            .any(|name| usage_in(&rest, name, knowledge) == Usage::Checked)
            || body_checked(state.enclosing, &rest, &names);
        return (!checked).then(|| Reading::ChainedBody(format!("const {var} = ..")));
    }
    let var = var.trim_start_matches("mut ");
    let usage = usage_in(&rest, var, knowledge);
    if usage == Usage::Checked && only_success_is_taken(state.enclosing, call.span, var, &rest) {
        return Some(Reading::SuccessOnly(var.to_string()));
    }
    // `const { success } = await res.json()`, `if (!data.ok) throw ..`: the
    // body carries the outcome and it is checked.
    if usage == Usage::BodyOnly && body_checked(state.enclosing, &rest, &body_bindings(&rest, var))
    {
        return None;
    }
    // The project's own transport (`async post(uri, data) { .. return
    // res.json() }`) hands the whole body to its callers, who give the
    // request its meaning and read the outcome the body carries.
    if usage == Usage::BodyReturned && named_for_transport(&state.function) {
        return None;
    }
    // An unawaited promise nobody reads is fire-and-forget's finding.
    let unawaited_js = ecosystem == Some(Ecosystem::Js) && !call.awaited;
    if unawaited_js && state.enclosing.is_async && usage == Usage::Unused {
        return None;
    }
    from_usage(usage, var, ecosystem)
}

/// Whether the status of `var` (bound by the call at `at` in `function`) is
/// read once, as the whole condition of an `if` that takes the success path
/// (`if (res.ok)`, `if response.ok:`, `if res.status === 200`) and has no
/// `else`: nothing happens when the write is rejected. `rest` is the rest
/// of the function's code after the call.
fn only_success_is_taken(function: &Function, at: Span, var: &str, rest: &str) -> bool {
    let status_reads = [".ok", ".status", ".is_success", ".status_code"]
        .iter()
        .map(|member| rest.matches(&format!("{var}{member}")).count())
        .sum::<usize>();
    if status_reads != 1 {
        return false;
    }
    let mut found = false;
    visit_sequences(&function.body, &mut |nodes| {
        for (index, node) in nodes.iter().enumerate() {
            let Node::Block(block) = node else {
                continue;
            };
            let BlockKind::If { condition } = &block.kind else {
                continue;
            };
            if block.span.start_byte < at.end_byte || !is_success_test(condition, var) {
                continue;
            }
            let continued = matches!(
                nodes.get(index + 1),
                Some(Node::Block(next)) if matches!(next.kind, BlockKind::If { .. })
            );
            // `if (res.ok) return true;`: what follows is the failure path.
            let leaves = block.body.iter().any(|n| matches!(n, Node::Return(_)));
            found |= !continued && !leaves;
        }
    });
    found
}

/// Whether `condition` is nothing but a test that `var` succeeded.
fn is_success_test(condition: &str, var: &str) -> bool {
    let plain: String = condition
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')'))
        .collect();
    let Some(member) = plain.strip_prefix(var) else {
        return false;
    };
    matches!(
        member,
        ".ok"
            | ".is_success"
            | ".status.is_success"
            | ".status===200"
            | ".status==200"
            | ".status_code==200"
            | ".status<300"
            | ".status_code<300"
    )
}

/// Visit every list of sibling statements under `nodes`, outside loops (a
/// loop goes round again when the write fails: that is its failure path)
/// and nested functions (which run on their own).
fn visit_sequences<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a [Node])) {
    visit(nodes);
    for node in nodes {
        if let Node::Block(block) = node
            && !matches!(block.kind, BlockKind::Loop { .. })
        {
            visit_sequences(&block.body, visit);
        }
    }
}

/// What a variable's later use says about the response it holds.
///
/// Python raises on a missing key (`resp.json()["id"]`), so a body that is
/// used locally fails loudly enough; only one returned as it is reaches the
/// caller as if it were the result.
fn from_usage(usage: Usage, var: &str, ecosystem: Option<Ecosystem>) -> Option<Reading> {
    match usage {
        Usage::Unused => Some(Reading::Unread(var.to_string())),
        Usage::BodyOnly if ecosystem == Some(Ecosystem::Python) => None,
        Usage::BodyOnly => Some(Reading::BodyOnly(var.to_string())),
        Usage::BodyReturned => Some(Reading::BodyReturned(var.to_string())),
        Usage::HandedOn | Usage::Checked => None,
    }
}

/// `with session.post(..) as resp:` — the response is bound by `as`.
fn bound_in_with(
    call: &Call,
    file: &FileContext<'_>,
    state: &WalkState<'_>,
    ecosystem: Option<Ecosystem>,
    knowledge: &Knowledge,
) -> Option<Reading> {
    let after = file.source.get(call.span.end_byte..).unwrap_or("");
    let after = after.trim_start();
    let Some(rest) = after.strip_prefix("as") else {
        return Some(Reading::Dropped);
    };
    let var: String = rest
        .trim_start()
        .chars()
        .take_while(|c| crate::flow::outcome::is_ident_char(*c))
        .collect();
    if var.is_empty() {
        return None;
    }
    let text = code_after(call, file, state);
    from_usage(usage_in(&text, &var, knowledge), &var, ecosystem)
}

/// Whether `text` reads a status member of anything (`.ok`, `.status`).
/// A Rust write matched on right away (`match <write>.await { .. }`): how its
/// `Ok` arm reads the response. `Ok(_)` drops it; `Ok(response)` whose arms
/// never look at a status leaves it unread (body only, when they read it).
/// Anything else (no `match`, a
/// status read in an arm) is not this rule's.
fn rust_match_reading(source: &str, call: Span, knowledge: &Knowledge) -> Option<Reading> {
    // The pattern of an `if let` ends right before the call: a short window
    // of text is enough, and keeps the search off the whole file.
    let mut window = call.start_byte.saturating_sub(160);
    while !source.is_char_boundary(window) {
        window += 1;
    }
    if let Some(pattern) = IF_LET.captures(source.get(window..call.start_byte)?) {
        return rust_if_let_reading(source, call, &pattern[1], &pattern[2], knowledge);
    }
    let arms = braced_after(source, call)?;
    if mentions_status(arms, knowledge) {
        return None;
    }
    let ok = OK_ARM.captures(arms)?.get(0)?;
    let binding = OK_ARM.captures(arms)?.get(1)?.as_str();
    binding_reading(binding, &arms[ok.end()..])
}

/// `if let Err(e) = client.post(..).send().await { .. }`: the response of a
/// success is dropped (an `else` does not get it). `if let Ok(response) = ..
/// { .. }`: judged by what the block does with `response`.
fn rust_if_let_reading(
    source: &str,
    call: Span,
    variant: &str,
    binding: &str,
    knowledge: &Knowledge,
) -> Option<Reading> {
    let block = braced_after(source, call)?;
    if mentions_status(block, knowledge) {
        return None;
    }
    if variant == "Err" {
        return Some(Reading::Dropped);
    }
    binding_reading(binding, block)
}

/// How the success binding of a response is used in `later` (the arm or
/// block after it): `response.text()` reads the body; handing `response` on
/// (`return Ok(response)`) leaves the status to its reader.
fn binding_reading(binding: &str, later: &str) -> Option<Reading> {
    if binding == "_" {
        return Some(Reading::Dropped);
    }
    let mut read_body = false;
    for (at, _) in later.match_indices(binding) {
        let before = later[..at].chars().next_back();
        let after = later[at + binding.len()..].chars().next();
        let whole = !before.is_some_and(crate::flow::outcome::is_ident_char)
            && !after.is_some_and(crate::flow::outcome::is_ident_char);
        if !whole {
            continue;
        }
        if after == Some('.') {
            read_body = true;
        } else {
            return None;
        }
    }
    Some(if read_body {
        Reading::BodyOnly(binding.to_string())
    } else {
        Reading::Unread(binding.to_string())
    })
}

/// The text inside the braces that follow the call (past `.await` and `?`):
/// a `match`'s arms, an `if let`'s block.
fn braced_after(source: &str, call: Span) -> Option<&str> {
    let mut rest = source.get(call.end_byte..)?.trim_start();
    for suffix in [".await", "?"] {
        rest = rest.strip_prefix(suffix).unwrap_or(rest).trim_start();
    }
    let inner = rest.strip_prefix('{')?;
    let mut depth = 1usize;
    let end = inner.char_indices().find_map(|(at, c)| {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        (depth == 0).then_some(at)
    })?;
    Some(&inner[..end])
}

/// `if let Err(e) =` / `if let Ok(response) =` right before a call.
static IF_LET: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\bif\s+let\s+(Ok|Err)\s*\(\s*(_|[a-z_][a-z0-9_]*)\s*\)\s*=\s*$")
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// `Ok(_) =>` / `Ok(response) =>`: the binding of a `match` arm on success.
static OK_ARM: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"\bOk\s*\(\s*(_|[a-z_][a-z0-9_]*)\s*\)\s*(?:if\b[^=]*)?=>")
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// The rest of `function` from where it fetches the answer to `write` from
/// the connection that sent it (`conn.request("POST", ..)`, then
/// `conn.getresponse()`), when it does.
fn answer_fetched_later<'s>(
    write: &Call,
    call: &Call,
    source: &'s str,
    function: &Function,
) -> Option<&'s str> {
    let receiver = write
        .receiver
        .as_deref()
        .filter(|_| write.method == "request")?;
    let rest = source.get(call.span.end_byte..function.span.end_byte)?;
    let at = rest.find(&format!("{receiver}.getresponse("))?;
    Some(&rest[at..])
}

/// Whether a `catch`/`except` around the write reports a failure (logs it
/// or raises): its author expects the write's failures to surface there.
fn failure_reported_around(state: &WalkState<'_>, source: &str, knowledge: &Knowledge) -> bool {
    state.try_stack.iter().any(|context| {
        context.handlers.iter().any(|handler| {
            let Node::Block(block) = handler else {
                return false;
            };
            let BlockKind::Catch { binding, .. } = &block.kind else {
                return false;
            };
            let outcome = Outcome::read(
                &block.body,
                block.span,
                source,
                binding.as_deref(),
                knowledge,
            );
            outcome.propagates || !outcome.logs.is_empty() || outcome.passed_logger.is_some()
        })
    })
}

/// Whether the file checks a response's status outside `function`.
fn status_checked_elsewhere(function: &Function, source: &str, knowledge: &Knowledge) -> bool {
    let before = source.get(..function.span.start_byte).unwrap_or("");
    let after = source.get(function.span.end_byte..).unwrap_or("");
    mentions_status(before, knowledge) || mentions_status(after, knowledge)
}

fn mentions_status(text: &str, knowledge: &Knowledge) -> bool {
    text.match_indices('.').any(|(at, _)| {
        let member: String = text[at + 1..]
            .chars()
            .take_while(|c| crate::flow::outcome::is_ident_char(*c))
            .collect();
        knowledge.is_status_check(&member)
    })
}

impl UncheckedResponse {
    fn finding(
        &self,
        seen: &Write<'_>,
        state: &WalkState<'_>,
        reading: Reading,
        ecosystem: Option<Ecosystem>,
        certain: bool,
    ) -> RawFinding {
        let Write {
            call: write,
            trigger,
            helper,
        } = *seen;
        let function = function_phrase(&state.function);
        let target = match http_target(trigger).filter(|_| helper.is_none()) {
            Some(url) => format!("`{url}`"),
            None => "the receiving service".to_string(),
        };
        let (what, severity) = match &reading {
            Reading::Dropped => (
                "its response is dropped without looking at the status".to_string(),
                self.default_severity(),
            ),
            Reading::Unread(var) => (
                format!(
                    "the response in `{var}` is never read again, so its status is never checked"
                ),
                self.default_severity(),
            ),
            Reading::BodyOnly(var) => (
                format!("only the body of `{var}` is read, never its status"),
                Severity::Low,
            ),
            Reading::BodyReturned(var) => (
                format!(
                    "only the body of `{var}` is read, never its status, and it is returned to the callers, who may or may not look for an error in it"
                ),
                Severity::Low,
            ),
            Reading::IgnoredByThen => (
                "its `.then(..)` callback runs on any response without looking at the status"
                    .to_string(),
                self.default_severity(),
            ),
            Reading::SuccessOnly(var) => (
                format!(
                    "the status of `{var}` only picks the success path (an `if` with no `else`), so a rejection falls through in silence"
                ),
                Severity::Medium,
            ),
            Reading::ChainedBody(read) => (
                format!("only its body is read (`{read}`), never its status"),
                Severity::Low,
            ),
        };
        let check = status_check_hint(ecosystem, &reading);
        // A helper that returns its write's response whole is named with
        // the chain to the client's call: the status is unread here.
        let writes = match helper {
            Some(sink) => format!(
                "`{}` returns the response of its HTTP write unread ({})",
                callee_name(write),
                sink.label
            ),
            None => format!("`{}` writes to {target}", callee_name(write)),
        };
        let message = format!(
            "{writes}, but {what}: a rejection (4xx/5xx) looks like success and {function} carries on as if the write was accepted",
        );
        let questions = vec![
            format!(
                "What does {target} answer when it rejects this write (400 invalid payload, 401 expired token, 409/422 conflict or unknown value, 429 rate limit, 5xx), and what should {function} do then?"
            ),
            format!(
                "Who is alerted when {target} rejects it? Nothing here raises, logs or retries on an error status — would {check} fit?"
            ),
            format!(
                "How would a workflow test verify the write to {target} was accepted, against a fake that can also answer with an error status?"
            ),
            "What if the service answers 202 Accepted and drops the request later, or rejects it silently?".to_string(),
        ];
        RawFinding {
            rule: self.id(),
            severity,
            // A success-only branch may be all the caller needs: the code
            // shows the status was thought of. A body that is read may carry
            // the outcome (an error body's `status`, a missing field that
            // fails later), or answer a request that only asks; one returned
            // whole may be checked by the callers. A client known only by
            // the names of its receiver and method may be a wrapper that
            // checks, and a helper's write may be one its callers expect to
            // be refused (a delete of what may not exist). A function that
            // tells nobody the write worked may leave that to its callers.
            confidence: if matches!(
                reading,
                Reading::SuccessOnly(_)
                    | Reading::BodyReturned(_)
                    | Reading::BodyOnly(_)
                    | Reading::ChainedBody(_)
            ) || !certain
                || helper.is_some()
            {
                Confidence::Medium
            } else {
                Confidence::High
            },
            span: write.span,
            function: state.function.clone(),
            trigger_text: trigger.text.clone(),
            message,
            questions,
            related: helper
                .and_then(RelatedSpan::chain_end)
                .into_iter()
                .collect(),
        }
    }
}

/// The idiomatic status check for the ecosystem, for questions.
fn status_check_hint(ecosystem: Option<Ecosystem>, reading: &Reading) -> String {
    let var = match reading {
        Reading::Unread(var)
        | Reading::BodyOnly(var)
        | Reading::BodyReturned(var)
        | Reading::SuccessOnly(var) => var.as_str(),
        Reading::Dropped | Reading::ChainedBody(_) | Reading::IgnoredByThen => match ecosystem {
            Some(Ecosystem::Python) => "response",
            _ => "res",
        },
    };
    match ecosystem {
        Some(Ecosystem::Python) => format!("`{var}.raise_for_status()`"),
        Some(Ecosystem::Rust) => "`.error_for_status()?`".to_string(),
        _ => format!("`if (!{var}.ok) throw ...`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_in_finally_blocks_are_told_apart() {
        let source = "async def check(client, url):\n    try:\n        await client.post(url + '/work')\n    finally:\n        if url:\n            await client.post(url + '/close')\n        def later():\n            client.post(url + '/nested')\n";
        let model = crate::lang::parse(Language::Python, source);
        let Some(Node::Function(function)) = model.module.body.first() else {
            panic!("the source starts with a function");
        };
        let at = |needle: &str| {
            let mut found = None;
            function.for_each_call(&mut |call| {
                if call.text.contains(needle) {
                    found = Some(call.span);
                }
            });
            found.expect("the call is in the source")
        };
        assert!(!in_finally(function, at("/work")));
        assert!(in_finally(function, at("/close")));
        // A function declared in the block runs when it is called, not on
        // the way out.
        assert!(!in_finally(function, at("/nested")));
    }
}
