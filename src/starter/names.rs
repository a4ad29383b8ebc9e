//! The business noun a workflow is named after: the resource of a route
//! (`/api/v1/orders/:id/cancel` → `orders`), the family of a job or topic
//! (`emails:send` → `emails`, `order.created` → `order`), the object of a
//! task's verb (`send_receipt` → `receipt`), the resource of a view class
//! (`CaseTemplateViewSet` → `case-template`).

use crate::knowledge::HandlerRole;
use crate::model::Function;

/// Route segments that never name a workflow.
const NOISE_SEGMENTS: &[&str] = &[
    "api", "rest", "graphql", "internal", "public", "admin", "cron", "trpc", "rpc", "app",
];

/// Leading words of function names that say what is done, not to what.
const VERBS: &[&str] = &[
    "send",
    "create",
    "update",
    "delete",
    "remove",
    "process",
    "handle",
    "run",
    "do",
    "sync",
    "async",
    "on",
    "perform",
    "execute",
    "trigger",
    "notify",
    "enqueue",
    "schedule",
    "generate",
    "check",
    "compute",
    "refresh",
    "cleanup",
    "clean",
    "import",
    "export",
    "fetch",
    "get",
    "post",
    "put",
    "patch",
    "add",
    "set",
    "make",
    "build",
    "queue",
    "dispatch",
    "publish",
    "emit",
    "push",
    "start",
    "finish",
    "retry",
    "resend",
    "save",
    "store",
    "upload",
    "download",
    "deliver",
    "recalculate",
    "calculate",
    "reindex",
    "index",
    "rebuild",
    "prune",
    "purge",
    "expire",
    "mark",
    "apply",
    "submit",
    "invoke",
    "call",
    "task",
    "job",
    "bulk",
    "batch",
    "daily",
    "hourly",
    "weekly",
    "nightly",
    "periodic",
    "scheduled",
    "all",
    "new",
];

/// Trailing words of function, class and job names that say what kind of
/// code it is.
const KINDS: &[&str] = &[
    "task",
    "tasks",
    "job",
    "jobs",
    "handler",
    "worker",
    "consumer",
    "listener",
    "event",
    "message",
    "processor",
    "view",
    "viewset",
    "set",
    "api",
    "endpoint",
    "resource",
    "controller",
    "service",
    "create",
    "update",
    "delete",
    "destroy",
    "list",
    "detail",
    "retrieve",
    "edit",
    "form",
    "async",
    "sync",
];

/// Segments of dotted job names that say the rest is a module path
/// (`orders.tasks.send_receipt`).
const MODULE_MARKERS: &[&str] = &["tasks", "task", "jobs", "job", "workers", "worker"];

/// A lowercase slug: letters and digits, other runs become one `-`.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// `/api/v1/orders/:id/cancel` → `orders`; `None` when only prefixes,
/// versions and parameters remain.
pub fn noun_from_route(route: &str) -> Option<String> {
    route
        .split('/')
        .filter(|s| !s.is_empty())
        .filter(|s| !s.starts_with([':', '{', '<', '[', '*', '$', '(']))
        .filter(|s| !NOISE_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()))
        .filter(|s| !is_version(s))
        .map(slug)
        .find(|s| !s.is_empty())
}

fn is_version(segment: &str) -> bool {
    let rest = segment.strip_prefix(['v', 'V']).unwrap_or(segment);
    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
}

/// The words of an identifier: `sendOrderReceipt`, `send_order_receipt`,
/// `SendOrderReceipt` → `send order receipt`.
fn words(identifier: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = identifier.chars().collect();
    for (index, &ch) in chars.iter().enumerate() {
        if !ch.is_ascii_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = ch.is_ascii_uppercase()
            && !current.is_empty()
            && (chars[index - 1].is_ascii_lowercase()
                || chars.get(index + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if boundary {
            out.push(std::mem::take(&mut current));
        }
        current.push(ch.to_ascii_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The object of a function name's verb: `send_contact_check_reminder` →
/// `contact-check-reminder`, `processOrderJob` → `order`.
pub fn noun_from_identifier(identifier: &str) -> Option<String> {
    let mut words = words(identifier);
    while words.first().is_some_and(|w| VERBS.contains(&w.as_str())) {
        words.remove(0);
    }
    while words.last().is_some_and(|w| KINDS.contains(&w.as_str())) {
        words.pop();
    }
    // `for`, `of`, `to` start a complement: `create_cases_for_events` → `cases`.
    if let Some(at) = words
        .iter()
        .position(|w| matches!(w.as_str(), "for" | "of" | "to" | "from" | "by" | "with"))
    {
        words.truncate(at);
    }
    (!words.is_empty()).then(|| words.join("-"))
}

/// `CaseTemplateViewSet` → `case-template`, `OrderCreateView` → `order`.
pub fn noun_from_class(class: &str) -> Option<String> {
    let mut words = words(class);
    while words.len() > 1 && words.first().is_some_and(|w| VERBS.contains(&w.as_str())) {
        words.remove(0);
    }
    while words.last().is_some_and(|w| KINDS.contains(&w.as_str())) {
        words.pop();
    }
    (!words.is_empty()).then(|| words.join("-"))
}

/// The family of a topic, queue or job name: `order.created` → `order`,
/// `emails:send` → `emails`, `orders.tasks.send_receipt` (a module path) →
/// `receipt`, `send_receipt` → `receipt`.
pub fn noun_from_topic(topic: &str) -> Option<String> {
    let segments: Vec<&str> = topic
        .split(['.', ':', '/'])
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        [] => None,
        [single] => noun_from_identifier(single).or_else(|| Some(slug(single))),
        [.., last] if segments.iter().any(|s| MODULE_MARKERS.contains(s)) => {
            noun_from_identifier(last)
        }
        [first, ..] => Some(slug(first)).filter(|s| !s.is_empty()),
    }
}

/// The noun of an entry point without a structural one: its route, its
/// topic, else its function's (or, for a generic `run`, its class's) name.
pub fn entry_noun(
    role: HandlerRole,
    topic: Option<&str>,
    function: &Function,
    path: &str,
) -> Option<String> {
    let from_topic = match (role, topic) {
        (HandlerRole::Route, Some(route)) => noun_from_route(route),
        (_, Some(topic)) => noun_from_topic(topic),
        (_, None) => None,
    };
    // A route method's class names the resource (`EventViewSet.retest` acts on events).
    let from_class = match role {
        HandlerRole::Route => function.class.as_deref().and_then(noun_from_class),
        _ => None,
    };
    let short = crate::flow::derived::short_name(function);
    from_topic
        .or(from_class)
        .or_else(|| noun_from_identifier(short))
        .or_else(|| function.class.as_deref().and_then(noun_from_class))
        .or_else(|| noun_from_path(path))
}

/// File names that say what kind of file it is, not what it acts on.
const GENERIC_FILES: &[&str] = &[
    "route", "routes", "index", "handler", "handlers", "main", "mod", "lib", "views", "api",
    "server", "app",
];

/// Folders that hold code of every kind, not one resource.
const SOURCE_ROOTS: &[&str] = &["src", "apps", "packages", "modules", "backend", "server"];

/// The noun of a file's path: its name (`send-receipt.ts` → `receipt`), or
/// for a generic one (`route.ts`, `index.ts`, `mod.rs`) the nearest folder
/// that names a resource (`management/responses/[responseId]/route.ts` →
/// `responses`), parameters, groups and prefixes skipped.
fn noun_from_path(path: &str) -> Option<String> {
    let mut segments = path.rsplit('/');
    let stem = segments.next()?.split('.').next()?;
    if !GENERIC_FILES.contains(&stem.to_ascii_lowercase().as_str()) {
        return noun_from_identifier(stem);
    }
    segments
        .filter(|s| !s.is_empty() && !s.starts_with(['[', '(', ':', '{', '<', '_', '.', '@']))
        .filter(|s| !NOISE_SEGMENTS.contains(&s.to_ascii_lowercase().as_str()) && !is_version(s))
        .filter(|s| {
            let lower = s.to_ascii_lowercase();
            !GENERIC_FILES.contains(&lower.as_str()) && !SOURCE_ROOTS.contains(&lower.as_str())
        })
        .map(slug)
        .find(|s| !s.is_empty())
}

/// Whether a registration's string is a schedule (`*/5 * * * *`,
/// `0 3 * * MON`), not a name.
pub fn is_schedule(text: &str) -> bool {
    text.split_whitespace().count() >= 5
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " */,-?#LW".contains(c))
}

/// The dotted module of a Python file as Celery names its tasks:
/// `src/orders/tasks.py` → `orders.tasks`, `orders/__init__.py` → `orders`.
pub fn dotted_module(path: &str) -> String {
    let path = path.strip_prefix("src/").unwrap_or(path);
    let stem = path.rsplit_once('.').map_or(path, |(stem, _)| stem);
    let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
    stem.replace('/', ".")
}

/// The key two names are compared by: singular, lowercase slug
/// (`orders` and `order` are one workflow).
pub fn grouping_key(noun: &str) -> String {
    let slugged = slug(noun);
    let (head, last) = match slugged.rsplit_once('-') {
        Some((head, last)) => (format!("{head}-"), last.to_string()),
        None => (String::new(), slugged.clone()),
    };
    let singular = if let Some(stem) = last.strip_suffix("ies") {
        format!("{stem}y")
    } else if last.ends_with("sses") || last.ends_with("xes") {
        last[..last.len() - 2].to_string()
    } else if last.ends_with('s')
        && !last.ends_with("ss")
        && !last.ends_with("us")
        && last.len() > 3
    {
        last[..last.len() - 1].to_string()
    } else {
        last
    };
    format!("{head}{singular}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_name_their_resource() {
        assert_eq!(noun_from_route("/checkout").as_deref(), Some("checkout"));
        assert_eq!(
            noun_from_route("/api/v1/orders/:id/cancel").as_deref(),
            Some("orders")
        );
        assert_eq!(
            noun_from_route("/api/links/[linkId]").as_deref(),
            Some("links")
        );
        assert_eq!(
            noun_from_route("/{tenant}/Sign_Up").as_deref(),
            Some("sign-up")
        );
        assert_eq!(noun_from_route("/api/:id"), None);
    }

    #[test]
    fn job_and_topic_names_give_their_family() {
        assert_eq!(noun_from_topic("order.created").as_deref(), Some("order"));
        assert_eq!(noun_from_topic("emails:send").as_deref(), Some("emails"));
        assert_eq!(
            noun_from_topic("orders.tasks.send_receipt").as_deref(),
            Some("receipt")
        );
        assert_eq!(noun_from_topic("send_receipt").as_deref(), Some("receipt"));
        assert_eq!(noun_from_topic("..."), None);
    }

    #[test]
    fn function_and_class_names_give_the_object_of_their_verb() {
        assert_eq!(
            noun_from_identifier("send_contact_check_reminder").as_deref(),
            Some("contact-check-reminder")
        );
        assert_eq!(
            noun_from_identifier("create_cases_for_matching_events").as_deref(),
            Some("cases")
        );
        assert_eq!(
            noun_from_identifier("processOrderJob").as_deref(),
            Some("order")
        );
        assert_eq!(noun_from_identifier("run"), None);
        assert_eq!(
            noun_from_class("CaseTemplateViewSet").as_deref(),
            Some("case-template")
        );
        assert_eq!(noun_from_class("OrderCreateView").as_deref(), Some("order"));
        assert_eq!(
            noun_from_class("SendPublishNotificationsJob").as_deref(),
            Some("notifications")
        );
    }

    #[test]
    fn generic_file_names_give_their_folder() {
        assert_eq!(
            noun_from_path("apps/web/modules/api/v2/management/responses/[responseId]/route.ts")
                .as_deref(),
            Some("responses")
        );
        assert_eq!(
            noun_from_path("src/send_receipt.py").as_deref(),
            Some("receipt")
        );
        assert_eq!(
            noun_from_path("src/orders/mod.rs").as_deref(),
            Some("orders")
        );
    }

    #[test]
    fn schedules_are_not_names() {
        assert!(is_schedule("*/5 * * * *"));
        assert!(is_schedule("0 3 * * MON"));
        assert!(!is_schedule("order.created"));
    }

    #[test]
    fn plural_and_singular_nouns_group_together() {
        assert_eq!(grouping_key("orders"), grouping_key("order"));
        assert_eq!(grouping_key("categories"), "category");
        assert_eq!(grouping_key("case-templates"), "case-template");
        assert_eq!(grouping_key("address"), "address");
        assert_eq!(grouping_key("status"), "status");
    }

    #[test]
    fn celery_names_tasks_by_module() {
        assert_eq!(dotted_module("src/orders/tasks.py"), "orders.tasks");
        assert_eq!(dotted_module("orders/__init__.py"), "orders");
    }
}
