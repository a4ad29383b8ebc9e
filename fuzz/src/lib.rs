//! The checks behind Handoff's fuzz targets, one function per target. The
//! targets in `fuzz_targets/` call them with libFuzzer's input; the test
//! `tests/fuzz_regressions.rs` of the main crate includes this file and
//! replays every input saved under `fuzz/regressions/`, so a crash found
//! once stays fixed.

use handoff::config::Config;
use handoff::model::Language;
use handoff::report::{safe_html, safe_markdown, safe_mermaid};
use handoff::scan::{analyze_source, excerpt};
use std::path::Path;
use std::sync::OnceLock;

/// Characters a configuration error may take (a `file:line:column:`
/// prefix, the message, and a clipped excerpt of the offending value).
pub const MAX_CONFIG_ERROR: usize = 600;

/// The built-in configuration, built once.
fn builtin() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config::builtin().expect("the built-in configuration loads"))
}

/// A production path of the language (tests and generated code are quiet).
fn path_of(language: Language) -> &'static str {
    match language {
        Language::JavaScript => "src/app.js",
        Language::TypeScript => "src/app.ts",
        Language::Tsx => "src/app.tsx",
        Language::Python => "app/views.py",
        Language::Rust => "src/handlers.rs",
    }
}

/// Run `work` on a thread with the parser's stack, as the scan does (syn
/// descends deep before the model's depth guard applies).
fn on_parser_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(handoff::lang::PARSER_STACK_BYTES)
            .spawn_scoped(scope, work)
            .expect("a parser thread starts");
        match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The languages the first input byte picks from.
const LANGUAGES: [Language; 5] = [
    Language::JavaScript,
    Language::TypeScript,
    Language::Tsx,
    Language::Python,
    Language::Rust,
];

/// Target `frontends`: the first byte picks the language, the rest is the
/// source (see [`frontend`]).
pub fn frontends(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    frontend(LANGUAGES[pick as usize % LANGUAGES.len()], rest);
}

/// Target `renderings`: the escaping layers ([`safe_markdown`]) on the
/// input as text, and fingerprints ([`fingerprint_stability`]) on it as
/// source.
pub fn renderings(data: &[u8]) {
    safe_markdown(data);
    fingerprint_stability(data);
}

/// Parse, build the model, run every rule; every finding's excerpt is
/// bounded.
pub fn frontend(language: Language, data: &[u8]) {
    let source = String::from_utf8_lossy(data);
    let version = on_parser_stack(|| {
        analyze_source(Path::new(path_of(language)), &source, builtin())
            .expect("the path has a language")
    });
    for (raw, print) in &version.findings {
        assert_eq!(print.len(), 32, "fingerprints are 128-bit hex");
        let quoted = excerpt::excerpt(&source, &raw.span);
        assert!(quoted.lines.len() <= excerpt::MAX_LINES);
        for line in &quoted.lines {
            assert!(line.chars().count() <= excerpt::WINDOW + 2, "{line}");
            assert!(!line.contains('\n'), "{line:?}");
        }
    }
}

/// Target `config_loader`: a configuration or a one-line error that quotes
/// at most a clipped excerpt of the file.
pub fn config_loader(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(error) = Config::parse(source, ".handoff.yml") {
        let shown = error.to_string();
        assert!(
            shown.chars().count() <= MAX_CONFIG_ERROR,
            "{} characters: {shown}",
            shown.chars().count()
        );
        assert!(!shown.contains('\n'), "one line: {shown}");
    }
}

/// GitHub-flavoured Markdown to HTML as GitHub's renderer does it, raw HTML
/// passed through (GitHub then sanitises it, but keeps `<img>`, headings,
/// links): what we check is that none reaches it.
fn render(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.render.r#unsafe = true;
    comrak::markdown_to_html(markdown, &options)
}

/// The names of the elements in `html`, in order (`p`, `/p`, `code`…).
fn tags(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let name: String = rest[open + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '!')
            .collect();
        found.push(name);
        rest = &rest[open + 1..];
    }
    found
}

/// Text outside `<code>` elements, entities left as they are; each element
/// is a space, since the prose on its two sides is not one word (`#` before
/// a code span links nothing).
fn outside_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find("<code") {
        out.push_str(&rest[..open]);
        out.push(' ');
        rest = match rest[open..].find("</code>") {
            Some(close) => &rest[open + close + "</code>".len()..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// Every `@` and every `#` before an alphanumeric outside code is broken
/// by the joiner, so GitHub links no user, team or issue.
fn assert_no_mention(html: &str, input: &str) {
    let prose = outside_code(html);
    let chars: Vec<char> = prose.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        let next = chars.get(index + 1).copied();
        if c == '@' || (c == '#' && next.is_some_and(|n| n.is_ascii_alphanumeric())) {
            assert_eq!(next, Some('\u{200D}'), "{input:?} → {html}");
        }
    }
}

/// Decode the few entities the renderer writes.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Text, messages, code spans, code blocks and
/// table cells render with no element but their own; HTML and Mermaid
/// labels carry no markup character.
pub fn safe_markdown(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let raw = raw.as_ref();

    // Callers place text and messages after other inline text.
    let html = render(&format!("x {}", safe_markdown::text(raw)));
    let allowed = ["p", "/p"];
    assert!(
        tags(&html).iter().all(|t| allowed.contains(&t.as_str())),
        "{raw:?} → {html}"
    );
    assert_no_mention(&html, raw);

    let html = render(&format!("x {}", safe_markdown::message(raw)));
    let allowed = ["p", "/p", "code", "/code"];
    assert!(
        tags(&html).iter().all(|t| allowed.contains(&t.as_str())),
        "{raw:?} → {html}"
    );
    assert_no_mention(&html, raw);

    let html = render(&format!("x {}", safe_markdown::code_span(raw)));
    assert_eq!(
        tags(&html),
        ["p", "code", "/code", "/p"],
        "{raw:?} → {html}"
    );
    let flat = safe_markdown::code_span_text(raw);
    if !flat.trim().is_empty() && !flat.contains('\u{0}') {
        let shown =
            &html[html.find("<code>").map_or(0, |i| i + 6)..html.find("</code>").unwrap_or(0)];
        assert_eq!(unescape(shown), flat, "{raw:?} → {html}");
    }

    let html = render(&safe_markdown::code_block(raw, "js"));
    let found = tags(&html);
    assert_eq!(
        found.iter().filter(|t| *t == "pre").count(),
        1,
        "{raw:?} → {html}"
    );
    assert!(
        found
            .iter()
            .all(|t| ["pre", "/pre", "code", "/code"].contains(&t.as_str())),
        "{raw:?} → {html}"
    );

    let row = format!(
        "| a | b |\n|---|---|\n| {} | {} |\n",
        safe_markdown::table_cell(&safe_markdown::message(raw)),
        safe_markdown::table_cell(&safe_markdown::code_span(raw))
    );
    let html = render(&row);
    assert_eq!(html.matches("<td").count(), 2, "{raw:?} → {html}");

    let summary = format!(
        "<details><summary>{}</summary>\n\nbody\n\n</details>\n",
        safe_html::code(raw)
    );
    let html = render(&summary);
    assert_eq!(
        tags(&html),
        [
            "details", "summary", "code", "/code", "/summary", "p", "/p", "/details"
        ],
        "{raw:?} → {html}"
    );
    assert_no_mention(&html, raw);

    let label = safe_mermaid::label(&[raw, raw]);
    assert_eq!(label.matches("<br/>").count(), 1, "{raw:?} → {label}");
    for forbidden in ['"', '%', '<', '>', '`', '&', '\n', '\r'] {
        assert!(
            !label.replacen("<br/>", "", 1).contains(forbidden),
            "{raw:?} → {label}"
        );
    }
}

/// The first byte picks the language, the
/// rest is the source; moving the whole source down keeps every finding's
/// fingerprint, when the source parses without errors. A broken file is read
/// by the parser's error recovery, which is not the same when the text
/// moves (`/` at the very start of a TypeScript file recovers differently
/// after three newlines), so no fingerprint is promised for it.
pub fn fingerprint_stability(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let language = LANGUAGES[pick as usize % LANGUAGES.len()];
    let source = String::from_utf8_lossy(rest);
    // A shebang or a byte-order mark only counts at the very start.
    if source.starts_with("#!") || source.starts_with('\u{feff}') {
        return;
    }
    let moved = format!("\n\n\n{source}");
    let prints = |text: &str| {
        let version = on_parser_stack(|| {
            analyze_source(Path::new(path_of(language)), text, builtin())
                .expect("the path has a language")
        });
        let mut prints: Vec<(String, String)> = version
            .findings
            .iter()
            .map(|(raw, print)| (raw.rule.as_str().to_string(), print.clone()))
            .collect();
        prints.sort();
        (version.model.parse_errors == 0).then_some(prints)
    };
    if let (Some(before), Some(after)) = (prints(&source), prints(&moved)) {
        assert_eq!(before, after, "{language:?}: {source:?}");
    }
}
