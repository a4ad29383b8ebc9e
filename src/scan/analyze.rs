//! Analysis of one file version: parse, run the enabled rules, apply
//! suppressions and severity overrides, fingerprint.

use super::fingerprint::fingerprint;
use super::suppression::suppressions;
use crate::config::Config;
use crate::flow::derived::{Summary, file_knowledge};
use crate::lang;
use crate::model::{FileModel, Language};
use crate::rules::{Confidence, FileContext, RawFinding, Rule, all_rules};
use std::collections::HashMap;

/// The analysis of one file version.
#[derive(Debug)]
pub struct AnalyzedVersion {
    /// The model the frontend produced.
    pub model: FileModel,
    /// Findings that survived suppressions, each with its fingerprint.
    pub findings: Vec<(RawFinding, String)>,
    /// Problems with suppression comments (`path:line: ...`).
    pub warnings: Vec<String>,
}

/// Parse and check one file version. `identity_path` is the path used in
/// fingerprints (the head path, also for the base side of a rename).
pub fn analyze_version(
    language: Language,
    identity_path: &str,
    source: &str,
    config: &Config,
) -> AnalyzedVersion {
    check_version(
        language,
        identity_path,
        source,
        lang::parse(language, source),
        config,
        &[],
    )
}

/// Check a version already parsed into `model` (see [`analyze_version`]);
/// `imported` are the summaries of the helpers it imports from other files
/// of the project, by the name it calls them.
pub fn check_version(
    language: Language,
    identity_path: &str,
    source: &str,
    model: FileModel,
    config: &Config,
    imported: &[(String, Summary)],
) -> AnalyzedVersion {
    let packs = config.knowledge.for_ecosystem(language.ecosystem());
    // The file's own helpers and those it imports, summarised, extend the
    // packs for this file.
    let project_names = crate::flow::imports::project_local_names(language, identity_path, source);
    let knowledge = file_knowledge(&model, packs, imported, project_names);
    let context = FileContext::new(identity_path, source, &model, &knowledge);
    let mut raw = Vec::new();
    // Tests, examples, generated and vendored code are quiet: one decision,
    // made in `crate::context` through the configuration.
    let production = config.path_context(identity_path).is_production();
    for rule in all_rules().iter().filter(|_| production) {
        if !config.rule_enabled(rule.id().as_str()) {
            continue;
        }
        let start = raw.len();
        rule.check(&context, &mut raw);
        apply_override(*rule, config, &mut raw[start..]);
    }
    if language == Language::Rust {
        crate::context::drop_in_test_modules(source, &mut raw);
    }
    if config.runs_in_browser(identity_path, language, source) {
        keep_browser_handoffs(&mut raw, &model, source);
    }
    let mut warnings = Vec::new();
    let suppressions = suppressions(identity_path, &model.comments, &mut warnings);
    retain_unsuppressed(&suppressions, &mut raw);
    raw.sort_by_key(|f| (f.span.start_byte, f.rule));
    raw.dedup_by(|a, b| a.rule == b.rule && a.span == b.span);
    let mut occurrences: HashMap<(String, String, String), usize> = HashMap::new();
    let findings = raw
        .into_iter()
        .map(|finding| {
            let normalised: String = finding
                .trigger_text
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let count = occurrences
                .entry((
                    finding.rule.as_str().to_string(),
                    finding.function.clone(),
                    normalised,
                ))
                .or_insert(0);
            let print = fingerprint(
                finding.rule.as_str(),
                identity_path,
                &finding.function,
                &finding.trigger_text,
                *count,
            );
            *count += 1;
            (finding, print)
        })
        .collect();
    AnalyzedVersion {
        model,
        findings,
        warnings,
    }
}

/// Findings in code that runs in the browser rest on a UI call. A request
/// the page makes to a path or a base URL of its own (`/api/..`,
/// `${apiBase}/..`, `url`) goes to the application's own server, which owns
/// the workflow and answers for it: a preference synced, a step's state
/// saved or a template downloaded that the server refuses is no lost
/// handoff (on the projects read for the corpus, not one such finding was
/// kept by the reviewer), so they are dropped. Two stay, because the person
/// at the page is then told something false: a delete (the page shows the
/// record gone), and a request made in a function that announces success
/// (`toast.success(..)`, "deleted successfully"), as real fixes of such
/// pages show. A request to another service's absolute address, and an
/// SDK's call made straight from the page, stay too. All at low confidence,
/// with the reason in the message.
fn keep_browser_handoffs(raw: &mut Vec<RawFinding>, model: &FileModel, source: &str) {
    raw.retain(|finding| {
        names_another_host(&finding.trigger_text)
            || !requests_a_server(&finding.trigger_text)
            || deletes(&finding.trigger_text)
            || announces_success(model, source, finding.span)
    });
    for finding in raw {
        finding.confidence = Confidence::Low;
        let why = if names_another_host(&finding.trigger_text)
            || !requests_a_server(&finding.trigger_text)
        {
            " (this code runs in the browser and calls the other service straight from the page)"
        } else {
            " (this code runs in the browser: the request goes to the application's own server, and the person at the page may be told it worked)"
        };
        finding.message.push_str(why);
    }
}

/// Whether a request's text makes a DELETE (`method: 'DELETE'`,
/// `api.delete(..)`).
fn deletes(text: &str) -> bool {
    let head = text.split('(').next().unwrap_or(text);
    head.ends_with(".delete")
        || ["'DELETE'", "\"DELETE\"", "'delete'", "\"delete\""]
            .iter()
            .any(|method| text.contains(method))
}

/// Whether the function the request is made in (its outermost one) tells
/// the person at the page that the work succeeded.
fn announces_success(model: &FileModel, source: &str, at: crate::model::Span) -> bool {
    crate::flow::functions_around(model, at)
        .last()
        .and_then(|function| source.get(function.span.start_byte..function.span.end_byte))
        .is_some_and(|text| text.to_lowercase().contains("success"))
}

/// Whether a call's text names an absolute `http(s)://` address of a host
/// other than the machine itself.
fn names_another_host(text: &str) -> bool {
    text.match_indices("://").any(|(at, _)| {
        let scheme = text[..at].rsplit(|c: char| !c.is_ascii_alphabetic()).next();
        let host = text[at + 3..]
            .split(['/', ':', '`', '\'', '"', '?', '$'])
            .next()
            .unwrap_or_default();
        matches!(scheme, Some("http" | "https"))
            && !host.is_empty()
            && !matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
    })
}

/// Whether a call's text makes an HTTP request (`fetch`, `axios`, jQuery's
/// `$.ajax`/`$.post`, an `XMLHttpRequest`, a client's `post`/`put`/`patch`/
/// `delete`/`request`).
fn requests_a_server(text: &str) -> bool {
    let head = text.split('(').next().unwrap_or(text);
    let method = head.rsplit(['.', ' ']).next().unwrap_or(head).trim();
    head.contains("fetch")
        || head.contains("axios")
        || head.contains("XMLHttpRequest")
        || head.contains("ajax")
        || matches!(
            method,
            "post" | "put" | "patch" | "delete" | "request" | "send" | "get"
        )
}

/// Drop the findings a `handoff-ignore[...]` comment of `model` covers
/// (problems with the comments are reported by the per-file pass).
pub(super) fn apply_suppressions(path: &str, model: &FileModel, raw: &mut Vec<RawFinding>) {
    let mut already_reported = Vec::new();
    let suppressions = suppressions(path, &model.comments, &mut already_reported);
    retain_unsuppressed(&suppressions, raw);
}

fn retain_unsuppressed(suppressions: &[super::Suppression], raw: &mut Vec<RawFinding>) {
    raw.retain(|finding| {
        !suppressions
            .iter()
            .any(|s| s.covers(finding.rule.as_str(), finding.span.start_line))
    });
}

fn apply_override(rule: &dyn Rule, config: &Config, findings: &mut [RawFinding]) {
    if let Some(severity) = config.severity_override(rule.id().as_str()) {
        for finding in findings {
            finding.severity = severity;
        }
    }
}

#[cfg(test)]
mod browser_tests {
    use super::{names_another_host, requests_a_server};

    #[test]
    fn a_page_request_to_its_own_server_is_told_from_one_to_another_service() {
        assert!(super::deletes(
            "fetch(`/api/docs/${id}`, { method: \"DELETE\" })"
        ));
        assert!(super::deletes("api.delete(`/docs/${id}`)"));
        assert!(!super::deletes("fetch('/api/docs', { method: 'POST' })"));
        assert!(!names_another_host(
            "fetch(`${apiBase}/preferences/theme`, { method: 'POST' })"
        ));
        assert!(!names_another_host("fetch('http://localhost:8080/api')"));
        assert!(names_another_host(
            "fetch('https://api.crm.example.com/contacts', init)"
        ));
        assert!(requests_a_server("window.fetch(url, { method: 'POST' })"));
        assert!(requests_a_server("$.ajax({ url, type: 'POST' })"));
        assert!(requests_a_server("api.post('/leave')"));
        assert!(!requests_a_server("analytics.track('Signed Up')"));
    }
}
