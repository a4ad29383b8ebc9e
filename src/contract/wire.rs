//! What a payload value looks like on the wire: a string, a number, a
//! timestamp in one of its formats. Read from the expression a producer
//! writes (`order.createdAt.toISOString()`) or from a declared field type
//! (`createdAt: Date`, `created_at: datetime`, `created_at: DateTime<Utc>`).

use crate::model::{Call, Language, Value};
use std::fmt;

/// The JSON kind of a value, with timestamps told apart by format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireKind {
    /// A JSON string (not a timestamp).
    String,
    /// A JSON number (not a timestamp).
    Number,
    /// `true` / `false`.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// A timestamp written in a given format.
    Timestamp(TimeFormat),
}

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeFormat {
    /// An ISO-8601 / RFC 3339 string (`2024-05-01T10:00:00Z`).
    Iso8601,
    /// A number of seconds since the Unix epoch.
    EpochSeconds,
    /// A number of milliseconds since the Unix epoch.
    EpochMillis,
}

impl fmt::Display for WireKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WireKind::String => "a string",
            WireKind::Number => "a number",
            WireKind::Boolean => "a boolean",
            WireKind::Object => "an object",
            WireKind::Array => "an array",
            WireKind::Timestamp(TimeFormat::Iso8601) => "an ISO-8601 timestamp string",
            WireKind::Timestamp(TimeFormat::EpochSeconds) => "epoch seconds (a number)",
            WireKind::Timestamp(TimeFormat::EpochMillis) => "epoch milliseconds (a number)",
        })
    }
}

/// The wire kind of a value a producer writes, when the expression says it.
pub fn value_kind(value: &Value, text: &str) -> Option<WireKind> {
    match value {
        Value::String(_) => Some(WireKind::String),
        Value::Number(_) => Some(WireKind::Number),
        Value::Bool(_) => Some(WireKind::Boolean),
        Value::Object(_) => Some(WireKind::Object),
        Value::Array(_) => Some(WireKind::Array),
        Value::Call(call) => call_kind(call),
        Value::Path(_) | Value::Function(_) => None,
        Value::Other => other_kind(text),
    }
}

/// A template literal or f-string that the frontend did not shape.
fn other_kind(text: &str) -> Option<WireKind> {
    let text = text.trim();
    if text.starts_with('`')
        || text.starts_with("f\"")
        || text.starts_with("f'")
        || text.starts_with("format!(")
    {
        return Some(WireKind::String);
    }
    if text == "true" || text == "false" || text == "True" || text == "False" {
        return Some(WireKind::Boolean);
    }
    None
}

/// The kind a call returns, for the conversions and clocks whose result is
/// known regardless of their argument.
pub fn call_kind(call: &Call) -> Option<WireKind> {
    let callee = call.callee.as_str();
    let method = call.method.as_str();
    if call.is_new {
        return (method == "Date").then_some(WireKind::Timestamp(TimeFormat::Iso8601));
    }
    clock_call_kind(callee, method).or_else(|| conversion_call_kind(callee, method))
}

/// The timestamp a clock or date-formatting call returns.
fn clock_call_kind(callee: &str, method: &str) -> Option<WireKind> {
    let format = if matches!(
        method,
        "toISOString" | "toJSON" | "isoformat" | "to_rfc3339" | "to_rfc3339_opts"
    ) {
        TimeFormat::Iso8601
    } else if matches!(callee, "Date.now" | "Date.parse")
        || matches!(
            method,
            "getTime" | "valueOf" | "timestamp_millis" | "unix_timestamp_millis"
        )
    {
        TimeFormat::EpochMillis
    } else if callee == "time.time"
        || matches!(method, "timestamp" | "unix_timestamp" | "getUnixTime")
    {
        TimeFormat::EpochSeconds
    } else if matches!(
        callee,
        "datetime.now"
            | "datetime.utcnow"
            | "datetime.datetime.now"
            | "datetime.datetime.utcnow"
            | "timezone.now"
            | "Utc.now"
            | "chrono.Utc.now"
            | "OffsetDateTime.now_utc"
    ) {
        TimeFormat::Iso8601
    } else {
        return None;
    };
    Some(WireKind::Timestamp(format))
}

/// The kind a conversion call returns (`String(x)`, `int(x)`, `dict(x)`, …).
fn conversion_call_kind(callee: &str, method: &str) -> Option<WireKind> {
    let kind = if matches!(
        callee,
        "String"
            | "str"
            | "JSON.stringify"
            | "json.dumps"
            | "uuid4"
            | "uuid.uuid4"
            | "crypto.randomUUID"
            | "randomUUID"
            | "format"
    ) || matches!(
        method,
        "toString"
            | "toFixed"
            | "toPrecision"
            | "toLowerCase"
            | "toUpperCase"
            | "trim"
            | "to_string"
            | "toLocaleString"
            | "toUTCString"
            | "toDateString"
            | "padStart"
            | "padEnd"
            | "lower"
            | "upper"
            | "strip"
    ) {
        WireKind::String
    } else if matches!(
        callee,
        "Number"
            | "parseInt"
            | "parseFloat"
            | "Number.parseInt"
            | "Number.parseFloat"
            | "int"
            | "float"
            | "round"
            | "len"
            | "Math.round"
            | "Math.floor"
            | "Math.ceil"
            | "Math.trunc"
            | "Math.abs"
            | "Math.max"
            | "Math.min"
    ) {
        WireKind::Number
    } else if matches!(callee, "Boolean" | "bool") {
        WireKind::Boolean
    } else if matches!(callee, "Object.fromEntries" | "dict") {
        WireKind::Object
    } else if matches!(callee, "Array.from" | "list") {
        WireKind::Array
    } else {
        return None;
    };
    Some(kind)
}

/// The expression a conversion call converts (`String(x)` → `x`,
/// `x.toFixed(2)` → `x`), as written, for telling "the same value, now
/// converted" from a different value.
pub fn converted_operand(value: &Value) -> Option<String> {
    let Value::Call(call) = value else {
        return None;
    };
    call_kind(call)?;
    if let Some(receiver) = call.receiver.as_deref()
        && !matches!(
            receiver,
            "Math" | "JSON" | "Number" | "json" | "time" | "datetime" | "Date" | "crypto" | "uuid"
        )
    {
        return Some(receiver.to_string());
    }
    call.args.first().map(|a| normalise(&a.text))
}

/// Text without white space, for comparing expressions.
pub fn normalise(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The wire kind of a declared field type, by language, with its serde
/// `with` format when there is one.
pub fn type_kind(language: Language, type_text: &str, format: Option<&str>) -> Option<WireKind> {
    let core = strip_optional(language, type_text);
    match language {
        Language::JavaScript | Language::TypeScript | Language::Tsx => ts_kind(core),
        Language::Python => python_kind(core),
        Language::Rust => rust_kind(core, format),
    }
}

/// The type inside the optional wrappers of a language
/// (`Option<T>`, `Optional[T]`, `T | None`, `T | undefined`).
pub fn strip_optional(language: Language, type_text: &str) -> &str {
    let mut text = type_text.trim();
    loop {
        let before = text;
        match language {
            Language::Rust => {
                if let Some(inner) = generic_inner(text, &["Option", "std::option::Option"]) {
                    text = inner;
                }
            }
            Language::Python => {
                if let Some(inner) = subscript_inner(
                    text,
                    &[
                        "Optional",
                        "typing.Optional",
                        "NotRequired",
                        "typing.NotRequired",
                        "Required",
                        "typing.Required",
                        "ReadOnly",
                    ],
                ) {
                    text = inner;
                } else if let Some(inner) =
                    subscript_inner(text, &["Annotated", "typing.Annotated"])
                {
                    text = inner.split(',').next().unwrap_or(inner).trim();
                } else {
                    text = strip_union_member(text, &["None"]);
                }
            }
            _ => text = strip_union_member(text, &["null", "undefined"]),
        }
        if text == before {
            return text;
        }
    }
}

/// `A | None` → `A` (only when one other member remains).
fn strip_union_member<'t>(text: &'t str, absent: &[&str]) -> &'t str {
    let parts: Vec<&str> = text.split('|').map(str::trim).collect();
    if parts.len() < 2 {
        return text;
    }
    let kept: Vec<&str> = parts
        .iter()
        .copied()
        .filter(|p| !absent.contains(p))
        .collect();
    match kept.as_slice() {
        [only] if kept.len() < parts.len() => only,
        _ => text,
    }
}

fn generic_inner<'t>(text: &'t str, names: &[&str]) -> Option<&'t str> {
    names.iter().find_map(|name| {
        text.strip_prefix(name)?
            .trim_start()
            .strip_prefix('<')?
            .strip_suffix('>')
            .map(str::trim)
    })
}

fn subscript_inner<'t>(text: &'t str, names: &[&str]) -> Option<&'t str> {
    names.iter().find_map(|name| {
        text.strip_prefix(name)?
            .strip_prefix('[')?
            .strip_suffix(']')
            .map(str::trim)
    })
}

fn ts_kind(text: &str) -> Option<WireKind> {
    let text = text.trim();
    if text.ends_with("[]") || text.starts_with("Array<") || text.starts_with("ReadonlyArray<") {
        return Some(WireKind::Array);
    }
    if text.starts_with('{') || text.starts_with("Record<") {
        return Some(WireKind::Object);
    }
    let parts: Vec<&str> = text.split('|').map(str::trim).collect();
    if parts.len() > 1 {
        let kinds: Vec<Option<WireKind>> = parts.iter().map(|p| ts_kind(p)).collect();
        let first = kinds.first().copied().flatten()?;
        return kinds.iter().all(|k| *k == Some(first)).then_some(first);
    }
    match text {
        "string" => Some(WireKind::String),
        "number" | "bigint" => Some(WireKind::Number),
        "boolean" | "true" | "false" => Some(WireKind::Boolean),
        "Date" => Some(WireKind::Timestamp(TimeFormat::Iso8601)),
        "object" => Some(WireKind::Object),
        _ if text.starts_with('\'') || text.starts_with('"') || text.starts_with('`') => {
            Some(WireKind::String)
        }
        _ if text.parse::<f64>().is_ok() => Some(WireKind::Number),
        _ => None,
    }
}

fn python_kind(text: &str) -> Option<WireKind> {
    let text = text.trim();
    // DRF and marshmallow field declarations: `serializers.CharField(...)`.
    if let Some(open) = text.find('(') {
        let class = text[..open].rsplit('.').next().unwrap_or("");
        return serializer_field_kind(class, &text[open..]);
    }
    let head = text.split('[').next().unwrap_or(text).trim();
    let head = head.rsplit('.').next().unwrap_or(head);
    match head {
        "str" | "UUID" | "EmailStr" | "HttpUrl" | "AnyUrl" | "Literal" => Some(WireKind::String),
        "int" | "float" | "PositiveInt" | "NonNegativeInt" | "conint" | "confloat" => {
            Some(WireKind::Number)
        }
        "bool" | "StrictBool" => Some(WireKind::Boolean),
        "datetime" | "date" | "AwareDatetime" | "NaiveDatetime" => {
            Some(WireKind::Timestamp(TimeFormat::Iso8601))
        }
        "list" | "List" | "tuple" | "Tuple" | "set" | "Set" | "Sequence" | "frozenset" => {
            Some(WireKind::Array)
        }
        "dict" | "Dict" | "Mapping" => Some(WireKind::Object),
        _ => None,
    }
}

fn serializer_field_kind(class: &str, arguments: &str) -> Option<WireKind> {
    let kind = match class {
        "CharField" | "EmailField" | "UUIDField" | "SlugField" | "URLField" | "ChoiceField"
        | "RegexField" | "IPAddressField" | "Str" | "String" | "Email" | "UUID" | "Url" | "URL"
        | "DecimalField" | "Decimal" => WireKind::String,
        "IntegerField" | "FloatField" | "Int" | "Integer" | "Float" | "Number" => WireKind::Number,
        "BooleanField" | "NullBooleanField" | "Bool" | "Boolean" => WireKind::Boolean,
        "DateTimeField" | "DateField" | "DateTime" | "Date" | "AwareDateTime" | "NaiveDateTime" => {
            if arguments.contains("\"timestamp_ms\"") || arguments.contains("'timestamp_ms'") {
                WireKind::Timestamp(TimeFormat::EpochMillis)
            } else if arguments.contains("\"timestamp\"") || arguments.contains("'timestamp'") {
                WireKind::Timestamp(TimeFormat::EpochSeconds)
            } else {
                WireKind::Timestamp(TimeFormat::Iso8601)
            }
        }
        "ListField" | "MultipleChoiceField" | "List" | "Tuple" => WireKind::Array,
        "DictField" | "JSONField" | "HStoreField" | "Dict" | "Mapping" | "Nested" => {
            WireKind::Object
        }
        _ => return None,
    };
    Some(kind)
}

fn rust_kind(text: &str, format: Option<&str>) -> Option<WireKind> {
    let text = text.trim().trim_start_matches('&').trim_start();
    let text = text
        .strip_prefix("'static ")
        .or_else(|| text.strip_prefix("'a "))
        .unwrap_or(text);
    let head = text.split('<').next().unwrap_or(text).trim();
    let head = head.rsplit("::").next().unwrap_or(head);
    let timestamp = matches!(
        head,
        "DateTime"
            | "NaiveDateTime"
            | "OffsetDateTime"
            | "PrimitiveDateTime"
            | "SystemTime"
            | "Timestamp"
    );
    if timestamp {
        if let Some(format) = format {
            if format.contains("milli") {
                return Some(WireKind::Timestamp(TimeFormat::EpochMillis));
            }
            if format.contains("ts_seconds") || format.contains("timestamp") {
                return Some(WireKind::Timestamp(TimeFormat::EpochSeconds));
            }
            return None;
        }
        return Some(WireKind::Timestamp(TimeFormat::Iso8601));
    }
    if text.starts_with('[') {
        return Some(WireKind::Array);
    }
    match head {
        "String" | "str" | "Cow" | "Uuid" | "NaiveDate" | "Url" => Some(WireKind::String),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" | "f32" | "f64" => Some(WireKind::Number),
        "bool" => Some(WireKind::Boolean),
        "Vec" | "VecDeque" | "HashSet" | "BTreeSet" => Some(WireKind::Array),
        "HashMap" | "BTreeMap" | "Map" | "IndexMap" => Some(WireKind::Object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_wire_kinds() {
        assert_eq!(
            type_kind(Language::TypeScript, "number | undefined", None),
            Some(WireKind::Number)
        );
        assert_eq!(
            type_kind(Language::TypeScript, "'a' | 'b'", None),
            Some(WireKind::String)
        );
        assert_eq!(
            type_kind(Language::Python, "Optional[datetime]", None),
            Some(WireKind::Timestamp(TimeFormat::Iso8601))
        );
        assert_eq!(
            type_kind(
                Language::Python,
                "serializers.IntegerField(required=False)",
                None
            ),
            Some(WireKind::Number)
        );
        assert_eq!(
            type_kind(
                Language::Rust,
                "Option<DateTime<Utc>>",
                Some("chrono::serde::ts_seconds")
            ),
            Some(WireKind::Timestamp(TimeFormat::EpochSeconds))
        );
        assert_eq!(type_kind(Language::Rust, "Money", None), None);
    }
}
