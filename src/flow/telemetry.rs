//! Whether a side effect is a telemetry ping: an analytics event, a metric,
//! a heartbeat or a tracking beacon sent to a service that only counts. Such
//! a call is best effort by design; its loss or refusal breaks no workflow,
//! so the rejection rules leave it alone.
//!
//! Two places say so: the target of the request (`https://stats.example.com
//! /api/track`, `${ANALYTICS_URL}/event`) and the name of the function that
//! sends it, or of the helper that is called (`trackPageView`,
//! `sendHeartbeat`, `report_metrics`). An update check (`checkLatestVersion`,
//! `check_for_updates`) is such a ping too: it only asks the vendor what is new.

use super::outcome::full_target;
use crate::knowledge::identifier_words;
use crate::model::Call;

/// Words that name telemetry wherever they stand in a target or a name.
const TELEMETRY_WORDS: &[&str] = &[
    "analytics",
    "telemetry",
    "metrics",
    "beacon",
    "heartbeat",
    "pixel",
    "logging",
    // Product analytics and metrics services: whatever is sent there only
    // counts (`POSTHOG_HOST`, `mixpanel.track`, `statsd_url`).
    "posthog",
    "mixpanel",
    "amplitude",
    "plausible",
    "matomo",
    "umami",
    "statsd",
];

/// Words that name telemetry as the last word of a function's name that
/// opens with a [`SHIPPING_VERBS`] verb: logs shipped somewhere
/// (`emitActionLog`, `upload_logs`, `flushLogs`), which only record what
/// happened. (`index_and_log` logs as well as it indexes.)
const LAST_NAME_WORDS: &[&str] = &["log", "logs"];

/// Verbs that open the name of a function shipping its logs elsewhere.
const SHIPPING_VERBS: &[&str] = &[
    "emit", "send", "ship", "upload", "flush", "post", "push", "forward", "stream",
];

/// Words that name telemetry as the last segment of a target's path
/// (`/api/track`, `/ping`, `/collect`): elsewhere they name other things
/// (`tracking-carrier.com/shipments`).
const ENDPOINT_WORDS: &[&str] = &["track", "ping", "collect", "stats", "logs"];

/// Whether `call` (the effect, or the helper reaching it) sends telemetry,
/// made in the function named `function` (`Checkout.view > callback`).
pub fn is_telemetry(call: &Call, function: &str) -> bool {
    names_telemetry(&call.callee)
        || function.split(" > ").any(names_telemetry)
        || full_target(call).is_some_and(|target| targets_telemetry(&target))
}

/// Whether a function's name says it sends telemetry: a telemetry word in
/// it, `track` as its verb (`trackPageView`, `track_signup`), `log` as the
/// last word of a name a shipping verb opens (`emitActionLog`), or a class
/// of OpenTelemetry's exporters around it (`OTLPLogExporter._export`).
fn names_telemetry(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let words = identifier_words(last);
    words.first().is_some_and(|first| first == "track")
        || (words
            .first()
            .is_some_and(|word| SHIPPING_VERBS.contains(&word.as_str()))
            && words
                .last()
                .is_some_and(|word| LAST_NAME_WORDS.contains(&word.as_str())))
        || words
            .iter()
            .any(|word| TELEMETRY_WORDS.contains(&word.as_str()))
        || checks_for_updates(&words)
        || name.split('.').any(names_open_telemetry)
}

/// Whether a name is OpenTelemetry's (`OTLPSpanExporter`, `otel_exporter`,
/// `OpenTelemetryLogs`): its exporters ship logs, traces and metrics, which
/// only count.
fn names_open_telemetry(name: &str) -> bool {
    identifier_words(name).iter().any(|word| {
        word.starts_with("otlp") || word.starts_with("otel") || word.starts_with("opentelemetry")
    })
}

/// Whether the words name an update check: the newest release asked for
/// (`checkLatestVersion`, `latest_release`), updates checked for
/// (`check_for_updates`), or a version check (`versionCheckUrl`). The call
/// asks the vendor for its newest release, an informational ping whose
/// failure changes nothing.
fn checks_for_updates(words: &[String]) -> bool {
    let has = |wanted: &[&str]| words.iter().any(|word| wanted.contains(&word.as_str()));
    let release = ["version", "versions", "release", "releases"];
    (has(&["latest", "newest"]) && has(&release))
        || (has(&["check"]) && has(&["updates"]))
        || words
            .windows(2)
            .any(|pair| pair[0] == "version" && pair[1] == "check")
}

fn targets_telemetry(target: &str) -> bool {
    let path = target.split(['?', '#']).next().unwrap_or(target);
    let last = path
        .trim_end_matches(['/', '"', '\'', '`'])
        .rsplit('/')
        .next()
        .unwrap_or(path);
    let words = identifier_words(target);
    words
        .iter()
        .any(|word| TELEMETRY_WORDS.contains(&word.as_str()))
        || checks_for_updates(&words)
        || identifier_words(last)
            .last()
            .is_some_and(|word| ENDPOINT_WORDS.contains(&word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::{names_telemetry, targets_telemetry};

    #[test]
    fn open_telemetry_exporters_only_count() {
        assert!(names_telemetry("OTLPLogExporter._export"));
        assert!(names_telemetry("otel_exporter.flush_batch"));
        assert!(!names_telemetry("HotelBooking.confirm"));
    }

    #[test]
    fn targets_and_names_that_only_count() {
        assert!(targets_telemetry("https://stats.example.com/api/track"));
        assert!(targets_telemetry("${ANALYTICS_URL}/event"));
        assert!(targets_telemetry("https://hc.example.com/ping"));
        assert!(!targets_telemetry(
            "https://api.tracking-carrier.com/shipments"
        ));
        assert!(!targets_telemetry("https://shop.example.com/api/orders"));
        assert!(names_telemetry("trackPageView"));
        assert!(names_telemetry("this.sendHeartbeat"));
        assert!(names_telemetry("report_metrics"));
        assert!(!names_telemetry("updateTracking"));
        assert!(!names_telemetry("reportUsage"));
        assert!(names_telemetry("checkLatestVersion"));
        assert!(names_telemetry("check_for_updates"));
        assert!(targets_telemetry("this.versionCheckUrl"));
        assert!(!names_telemetry("updateOrder"));
        assert!(!names_telemetry("releaseFunds"));
        assert!(!names_telemetry("check_payment"));
        assert!(!names_telemetry("check_version_conflict"));
        assert!(!names_telemetry("check_and_update_order"));
        assert!(names_telemetry("emitActionLog"));
        assert!(names_telemetry("upload_logs"));
        assert!(!names_telemetry("login"));
        assert!(!names_telemetry("log_in_user"));
        assert!(!names_telemetry("catalog"));
        assert!(!names_telemetry("index_and_log"));
        assert!(targets_telemetry("POSTHOG_HOST"));
        assert!(targets_telemetry("https://api.example.com/v2/action-logs"));
    }
}
