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
