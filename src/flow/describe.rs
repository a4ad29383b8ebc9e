//! Phrases that make messages and questions specific to the code at hand.

use crate::model::{Call, Value};

/// Option keys that name where a message goes, most specific first.
const DESTINATION_KEYS: &[&str] = &[
    "topic",
    "Topic",
    "TopicArn",
    "QueueUrl",
    "queue",
    "QueueName",
    "exchange",
    "routing_key",
    "routingKey",
    "subject",
    "Subject",
    "DetailType",
    "Source",
    "to",
    "To",
    "url",
];

/// What the call targets, for messages: the topic, queue, route or task name
/// when the code says it (`order.created`, `send_receipt`), else `None`.
pub fn destination(call: &Call) -> Option<String> {
    if let Some(first) = call
        .chain
        .iter()
        .chain(std::iter::once(call))
        .find_map(|c| c.first_string_arg())
    {
        return Some(first.to_string());
    }
    for key in DESTINATION_KEYS {
        match call.option_value(key) {
            Some(Value::String(text)) => return Some(text.clone()),
            Some(Value::Path(path)) => return Some(path.clone()),
            _ => {}
        }
    }
    // Celery `send_receipt.delay(..)`: the task is the receiver.
    if matches!(call.method.as_str(), "delay" | "apply_async") {
        return call.receiver.clone();
    }
    None
}

/// Whether a publish goes to a channel of one entity, named after its id
/// (`` `threads.${threadId}` ``, `f"run:{run_id}"`, `streamTopic(runId)`):
/// a live feed that a watcher of that run or thread reads while it lasts
/// (progress, chunks, presence), not a durable topic another system
/// consumes. A prefix or environment in the name (`` `${env}.orders` ``)
/// does not count.
pub fn per_entity_channel(call: &Call) -> bool {
    call.args
        .iter()
        .find(|arg| arg.keyword.is_none())
        .is_some_and(|first| names_an_entity_channel(&first.value, &first.text))
}

/// [`per_entity_channel`], with a channel held in a name bound in
/// `function` followed to the call it is bound to (`const topic =
/// streamTopic(runId)`).
pub fn per_entity_channel_in(call: &Call, function: &crate::model::Function) -> bool {
    let Some(first) = call.args.iter().find(|arg| arg.keyword.is_none()) else {
        return false;
    };
    let Value::Path(name) = &first.value else {
        return names_an_entity_channel(&first.value, &first.text);
    };
    let mut found = false;
    crate::model::for_each_call_in(&function.body, &mut |inner| {
        found |= inner.bound_to.as_deref() == Some(name.as_str()) && channel_call_per_entity(inner);
    });
    found
}

/// Whether a channel argument names one entity: a template or f-string that
/// interpolates an id, or a call given ids only.
fn names_an_entity_channel(value: &Value, text: &str) -> bool {
    match value {
        Value::Call(inner) => channel_call_per_entity(inner),
        Value::Path(_) | Value::Object(_) | Value::Function(_) | Value::Array(_) => false,
        _ => interpolations(text).any(names_an_id),
    }
}

/// `streamTopic(runId)`: a channel name made from ids alone.
fn channel_call_per_entity(call: &Call) -> bool {
    !call.args.is_empty()
        && call
            .args
            .iter()
            .all(|arg| matches!(&arg.value, Value::Path(name) if names_an_id(name)))
}

/// Whether a name ends in an id (`runId`, `thread.id`, `session_key`).
fn names_an_id(name: &str) -> bool {
    let words = crate::knowledge::identifier_words(name);
    matches!(
        words.last().map(String::as_str),
        Some("id" | "key" | "uuid")
    )
}

/// The expressions interpolated in a template literal or f-string
/// (`${run.id}` and `{run_id}`), as written.
fn interpolations(text: &str) -> impl Iterator<Item = &str> {
    text.split(['{', '}'])
        .skip(1)
        .step_by(2)
        .map(|part| part.trim().trim_start_matches('$').trim())
        .filter(|part| !part.is_empty())
}

/// The call as a reviewer would name it: its callee, shortened.
pub fn callee_name(call: &Call) -> String {
    shorten(&call.callee, 60)
}

/// The payload keys sent by the call (object-literal / dict / struct keys of
/// its arguments), for concrete test assertions.
pub fn payload_keys(call: &Call) -> Vec<String> {
    call.args
        .iter()
        .filter_map(|arg| match &arg.value {
            Value::Object(props) => Some(props),
            _ => None,
        })
        .flat_map(|props| props.iter().map(|p| p.key.clone()))
        .filter(|k| k != "...")
        .collect()
}

/// Text shortened to at most `max` characters, with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    let single_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if single_line.chars().count() <= max {
        single_line
    } else {
        let cut: String = single_line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// `the order.created message` / `this message`, for questions.
pub fn what_is_sent(call: &Call) -> String {
    match destination(call) {
        Some(dest) => format!("`{dest}`"),
        None => format!("what `{}` sends", callee_name(call)),
    }
}

/// A concrete assertion for a workflow test of this side effect.
pub fn test_assertion(call: &Call) -> String {
    let keys = payload_keys(call);
    let with = match keys.first() {
        Some(key) => format!(" with this `{key}`"),
        None => String::new(),
    };
    format!("exactly one {}{with}", what_is_sent(call))
}
