//! Whether a place in the repository is production code. Tests, fixtures,
//! linters' rule fixtures, examples, docs, generated and vendored code drive
//! boundaries on purpose or never ship; browser assets served as they are
//! and telemetry pings hand nothing to another system's workflow: every rule
//! is quiet there by default.
//! This module is the one place that decides it (see
//! [`crate::config::Config::path_context`] for the `.handoff.yml` override).

use crate::model::Language;
use globset::{Glob, GlobSet, GlobSetBuilder};

/// What kind of code a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathContext {
    /// Code that ships: every rule applies.
    Production,
    /// Tests (`tests/`, `*.test.ts`, `test_*.py`, `conftest.py`).
    Test,
    /// Fixtures, mocks and linters' rule-fixture folders.
    Fixture,
    /// Examples, samples, demos.
    Example,
    /// Documentation.
    Docs,
    /// Generated code (a name convention or `linguist-generated`).
    Generated,
    /// Vendored third-party code (a folder or `linguist-vendored`).
    Vendored,
    /// Assets a web server hands to the browser as they are (`static/`,
    /// `public/`, `assets/`, a build's `built/` folder): UI calls, not
    /// workflow handoffs.
    Browser,
    /// Telemetry and usage pings (`telemetry/`, `telemetry.js`): best effort
    /// by design.
    Telemetry,
    /// Named quiet by `context.quiet` in `.handoff.yml`.
    Configured,
}

impl PathContext {
    /// Whether rules report findings here.
    pub fn is_production(self) -> bool {
        self == PathContext::Production
    }
}

/// The context a path's folders and file name give it, by convention.
pub fn by_convention(path: &str) -> PathContext {
    let mut segments = path.split('/').collect::<Vec<_>>();
    let file = segments.pop().unwrap_or("");
    for segment in &segments {
        if let Some(context) = folder_context(segment) {
            return context;
        }
    }
    file_context(file)
}

/// The folders below the root that hold installed Python distributions
/// (`pip install --target lib/`, a bundle of dependencies shipped in the
/// package): two or more `*.dist-info` folders side by side. The code in
/// them is third-party, as in a `site-packages`. `paths` are repository
/// paths, each a file or folder somewhere below a `*.dist-info` folder or
/// the folder itself; a distribution folder at the root is the project's own
/// build metadata and marks nothing.
pub fn installed_package_folders<'p>(
    paths: impl IntoIterator<Item = &'p str>,
) -> std::collections::BTreeSet<String> {
    let mut distributions: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        std::collections::BTreeMap::new();
    for path in paths {
        let mut start = 0;
        for (end, _) in path
            .match_indices('/')
            .chain(std::iter::once((path.len(), "")))
        {
            let segment = &path[start..end];
            if is_distribution_folder(segment) && start > 0 {
                distributions
                    .entry(&path[..start - 1])
                    .or_default()
                    .insert(segment);
                break;
            }
            start = end + 1;
        }
    }
    distributions
        .into_iter()
        .filter(|(_, names)| names.len() >= 2)
        .map(|(folder, _)| folder.to_string())
        .collect()
}

/// Whether a path is the `METADATA` file of a `*.dist-info` folder, which
/// every installed distribution has (see [`installed_package_folders`]).
pub fn is_distribution_metadata(path: &str) -> bool {
    path.strip_suffix("/METADATA")
        .and_then(|folder| folder.rsplit('/').next())
        .is_some_and(is_distribution_folder)
}

/// Whether a folder's name is an installed distribution's metadata folder
/// (`click-8.0.4.dist-info`).
pub fn is_distribution_folder(name: &str) -> bool {
    name.strip_suffix(".dist-info")
        .is_some_and(|distribution| !distribution.is_empty())
}

fn folder_context(segment: &str) -> Option<PathContext> {
    exact_folder_context(segment).or_else(|| compound_folder_context(segment))
}

/// A folder whose name joins a conventional one with a qualifier
/// (`client-examples`, `integration_tests`, `examples-node`): the
/// conventional word at either end decides. Only the words that name
/// non-production code whatever qualifies them are read this way.
fn compound_folder_context(segment: &str) -> Option<PathContext> {
    let mut words = segment.split(['-', '_', '.']).filter(|w| !w.is_empty());
    let first = words.next()?;
    let last = words.next_back()?;
    [first, last].into_iter().find_map(|word| match word {
        "test" | "tests" | "e2e" => Some(PathContext::Test),
        "fixtures" | "mocks" => Some(PathContext::Fixture),
        "examples" | "example" | "samples" | "sample" | "demo" | "demos" => {
            Some(PathContext::Example)
        }
        _ => None,
    })
}

fn exact_folder_context(segment: &str) -> Option<PathContext> {
    let context = match segment {
        "test" | "tests" | "__tests__" | "spec" | "specs" | "e2e" | "testing" | "test-utils"
        | "testutils" => PathContext::Test,
        "fixtures" | "fixture" | "__fixtures__" | "__mocks__" | "mocks" | "testdata"
        | "test-data" | "test_data" => PathContext::Fixture,
        "examples" | "example" | "samples" | "sample" | "demo" | "demos" => PathContext::Example,
        "docs" | "doc" | "docs_src" | "documentation" => PathContext::Docs,
        // The build output of web frameworks (`.next/server/chunks/..`,
        // `.nuxt`, `.svelte-kit`, `.output`): compiled from the sources
        // beside them.
        "generated" | "__generated__" | "gen" | ".next" | ".nuxt" | ".svelte-kit" | ".output"
        | ".docusaurus" => PathContext::Generated,
        "vendor" | "vendored" | "_vendor" | "third_party" | "third-party" | "node_modules"
        | "jslib" | "js_lib" | "js-lib" | "site-packages" | "dist-packages" => {
            PathContext::Vendored
        }
        "static" | "public" | "assets" | "built" => PathContext::Browser,
        "telemetry" => PathContext::Telemetry,
        _ => return None,
    };
    Some(context)
}

fn file_context(file: &str) -> PathContext {
    let stem = file.split('.').next().unwrap_or(file);
    let test_file = file.contains(".test.")
        || file.contains(".spec.")
        || file.contains(".e2e.")
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem == "conftest"
        || stem == "tests";
    if test_file {
        return PathContext::Test;
    }
    let generated = file.contains(".generated.")
        || file.contains(".gen.")
        || file.contains(".min.")
        || stem.ends_with("_pb2")
        || stem.ends_with("_pb2_grpc")
        || stem.ends_with(".pb");
    if generated {
        return PathContext::Generated;
    }
    // jQuery plugins are copied in under jQuery's own naming convention
    // (`jquery.validate.js`, `jquery-ui.js`).
    if stem == "jquery" || stem.starts_with("jquery-") || stem.starts_with("jquery_") {
        return PathContext::Vendored;
    }
    if stem == "telemetry" || names_usage_report(stem) {
        return PathContext::Telemetry;
    }
    PathContext::Production
}

/// What only code that runs in a browser reaches for: the page's location,
/// history and storage, the DOM, a browser extension's APIs and React's
/// client hooks. A server file that only mentions a `document` or a
/// `window` of its own does not name these members.
const BROWSER_ONLY: &[&str] = &[
    "window.location",
    "window.addEventListener",
    "window.history",
    "localStorage.",
    "sessionStorage.",
    "document.cookie",
    "document.querySelector",
    "document.getElementById",
    "document.createElement",
    "browser.tabs.",
    "browser.runtime.",
    "chrome.runtime.",
    "chrome.tabs.",
    "useState(",
    "useEffect(",
];

/// Libraries that only run in a page: view-model and DOM libraries
/// (Knockout, jQuery, Backbone) and the page's cookie jar (js-cookie). A
/// file that imports one (`import ko from 'knockout'`, AMD's
/// `define(['jquery'], ..)`, `require('js-cookie')`) is page code.
const BROWSER_MODULES: &[&str] = &["knockout", "jquery", "js-cookie", "backbone"];

/// Whether `source` names one of [`BROWSER_MODULES`] as a quoted module.
fn imports_browser_module(source: &str) -> bool {
    BROWSER_MODULES.iter().any(|module| {
        source.contains(&format!("'{module}'")) || source.contains(&format!("\"{module}\""))
    })
}

/// Whether a JavaScript or TypeScript file runs in the browser: a client
/// component (`"use client"`), or code that reaches for what only a browser
/// has ([`BROWSER_ONLY`], [`BROWSER_MODULES`]) and never asks whether it has it (`typeof window`,
/// the mark of code written to run on the server too). Its requests most
/// often go to the application's own server, which owns the workflow: what
/// is found there rests on a UI call (see `scan::analyze`).
pub fn runs_in_browser(language: Language, source: &str) -> bool {
    if !matches!(
        language,
        Language::JavaScript | Language::TypeScript | Language::Tsx
    ) {
        return false;
    }
    let client_component = source.lines().take(20).any(|line| {
        let line = line.trim().trim_end_matches(';');
        line == "\"use client\"" || line == "'use client'"
    });
    client_component
        || ((BROWSER_ONLY.iter().any(|marker| source.contains(marker))
            || imports_browser_module(source))
            && !source.contains("typeof window")
            && !source.contains("typeof document"))
}

/// Whether a file's name says it reports usage home (`usage_data.py`,
/// `buildbot_net_usage_data.py`, `usage-stats.js`, `phone_home.py`).
fn names_usage_report(stem: &str) -> bool {
    let words = crate::knowledge::identifier_words(stem);
    words.windows(2).any(|pair| {
        (pair[0] == "usage" && matches!(pair[1].as_str(), "data" | "stats" | "statistics"))
            || (pair[0] == "phone" && pair[1] == "home")
    })
}

/// `linguist-generated` and `linguist-vendored` paths of a `.gitattributes`.
#[derive(Debug, Clone, Default)]
pub struct LinguistAttributes {
    generated: Option<GlobSet>,
    vendored: Option<GlobSet>,
}

impl LinguistAttributes {
    /// Read the root `.gitattributes` text. Lines that set an attribute to
    /// false (`-linguist-generated`, `=false`) and patterns that are not
    /// valid globs are left out: they can only make a path production.
    pub fn parse(text: &str) -> LinguistAttributes {
        let mut generated = GlobSetBuilder::new();
        let mut vendored = GlobSetBuilder::new();
        let (mut any_generated, mut any_vendored) = (false, false);
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            let Some(glob) = attribute_glob(pattern) else {
                continue;
            };
            for word in words {
                match word {
                    "linguist-generated" | "linguist-generated=true" => {
                        generated.add(glob.clone());
                        any_generated = true;
                    }
                    "linguist-vendored" | "linguist-vendored=true" => {
                        vendored.add(glob.clone());
                        any_vendored = true;
                    }
                    _ => {}
                }
            }
        }
        LinguistAttributes {
            generated: any_generated.then(|| generated.build().ok()).flatten(),
            vendored: any_vendored.then(|| vendored.build().ok()).flatten(),
        }
    }

    /// The context the attributes give a path, if any.
    pub fn context(&self, path: &str) -> Option<PathContext> {
        if self
            .generated
            .as_ref()
            .is_some_and(|set| set.is_match(path))
        {
            return Some(PathContext::Generated);
        }
        if self.vendored.as_ref().is_some_and(|set| set.is_match(path)) {
            return Some(PathContext::Vendored);
        }
        None
    }
}

/// A `.gitattributes` pattern as a glob over repository paths: a pattern
/// without a slash matches a name at any depth, one with a slash is
/// anchored at the root; a folder pattern covers what is inside it.
fn attribute_glob(pattern: &str) -> Option<Glob> {
    let anchored = pattern.trim_start_matches('/');
    let text = if pattern.trim_end_matches('/').contains('/') {
        anchored.trim_end_matches('/').to_string()
    } else {
        format!("**/{}", anchored.trim_end_matches('/'))
    };
    let text = if text.ends_with("/**") {
        text
    } else {
        format!("{{{text},{text}/**}}")
    };
    globset::GlobBuilder::new(&text)
        .literal_separator(true)
        .build()
        .ok()
}

/// The 1-based line ranges of Rust test modules inside a source file: a
/// `#[cfg(test)]` attribute followed by `mod name {`, to its closing brace.
pub fn rust_test_modules(source: &str) -> Vec<(u32, u32)> {
    attributed_blocks(
        source,
        |line| line == "#[cfg(test)]",
        |lines, item| {
            let line = lines[item].trim_start().trim_start_matches("pub ");
            (line.starts_with("mod ") && line.trim_end().ends_with('{')).then_some(item)
        },
    )
}

/// Whether a trimmed line is a test attribute: `#[test]`, or a test
/// runtime's (`#[tokio::test]`, `#[actix_rt::test(flavor = ..)]`).
fn is_test_attribute(line: &str) -> bool {
    let Some(inner) = line
        .strip_prefix("#[")
        .and_then(|rest| rest.strip_suffix(']'))
    else {
        return false;
    };
    let path = inner.split('(').next().unwrap_or(inner).trim();
    path == "test"
        || path.strip_suffix("::test").is_some_and(|runtime| {
            !runtime.is_empty()
                && runtime
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        })
}

/// The 1-based line ranges of Rust test functions outside test modules: a
/// test attribute ([`is_test_attribute`]) followed by its `fn`, to the
/// function's closing brace (a file a parent declares under `#[cfg(test)]`
/// holds its tests so).
pub fn rust_test_functions(source: &str) -> Vec<(u32, u32)> {
    attributed_blocks(source, is_test_attribute, |lines, item| {
        let opens_function = lines[item].split_whitespace().any(|word| word == "fn");
        opens_function
            .then(|| (item..lines.len()).find(|&i| lines[i].contains('{')))
            .flatten()
    })
}

/// The 1-based line ranges of the items a marking attribute stands on: a
/// line `marks` accepts (trimmed), the attributes after it, and the item
/// whose block `opens` finds (the line of its opening brace, given the
/// item's first line), to the block's closing brace.
fn attributed_blocks(
    source: &str,
    marks: impl Fn(&str) -> bool,
    opens: impl Fn(&[&str], usize) -> Option<usize>,
) -> Vec<(u32, u32)> {
    let mut ranges = Vec::new();
    let lines: Vec<&str> = source.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        if !marks(lines[index].trim()) {
            index += 1;
            continue;
        }
        let mut item = index + 1;
        while item < lines.len() && lines[item].trim_start().starts_with("#[") {
            item += 1;
        }
        let Some(body) = (item < lines.len()).then(|| opens(&lines, item)).flatten() else {
            index += 1;
            continue;
        };
        let end = closing_line(&lines, body).unwrap_or(lines.len() - 1);
        ranges.push((index as u32 + 1, end as u32 + 1));
        index = end + 1;
    }
    ranges
}

/// The line whose brace closes the block opened on line `open`, counting
/// braces outside line comments (strings with braces are rare in tests
/// modules' openings and only widen the range).
fn closing_line(lines: &[&str], open: usize) -> Option<usize> {
    let mut depth = 0i64;
    for (index, line) in lines.iter().enumerate().skip(open) {
        let code = line.split("//").next().unwrap_or("");
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            return Some(index);
        }
    }
    None
}

/// Drop the findings inside Rust `#[cfg(test)]` modules and test functions
/// of a source file.
pub fn drop_in_test_modules(source: &str, raw: &mut Vec<crate::rules::RawFinding>) {
    if !source.contains("#[cfg(test)]") && !source.contains("test]") && !source.contains("test(") {
        return;
    }
    let mut modules = rust_test_modules(source);
    modules.extend(rust_test_functions(source));
    raw.retain(|finding| {
        let line = finding.span.start_line;
        !modules
            .iter()
            .any(|(start, end)| (*start..=*end).contains(&line))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions_tell_tests_examples_and_generated_code() {
        assert_eq!(
            by_convention("src/lib/features/context/context.test.js"),
            PathContext::Test
        );
        assert_eq!(by_convention("tests/test_checkout.py"), PathContext::Test);
        assert_eq!(
            by_convention(".next/server/chunks/ssr/app_page.js"),
            PathContext::Generated
        );
        assert_eq!(by_convention("app/orders/tests.py"), PathContext::Test);
        assert_eq!(
            by_convention("packages/api/__tests__/orders.ts"),
            PathContext::Test
        );
        assert_eq!(
            by_convention("examples/tutorials/send.js"),
            PathContext::Example
        );
        assert_eq!(
            by_convention("client-examples/js/upload.js"),
            PathContext::Example
        );
        assert_eq!(
            by_convention("clients/sample-app/src/Home.tsx"),
            PathContext::Example
        );
        assert_eq!(
            by_convention("integration_tests/checkout.py"),
            PathContext::Test
        );
        assert_eq!(by_convention("src/test_helpers/mod.rs"), PathContext::Test);
        assert_eq!(
            by_convention("src/latest_orders/send.js"),
            PathContext::Production
        );
        assert_eq!(
            by_convention("src/contest/send.js"),
            PathContext::Production
        );
        assert_eq!(
            by_convention("lib/rules/fixtures/bad.js"),
            PathContext::Fixture
        );
        assert_eq!(by_convention("api/orders_pb2.py"), PathContext::Generated);
        assert_eq!(by_convention("docs/conf.py"), PathContext::Docs);
        assert_eq!(
            by_convention("src/services/email-service.js"),
            PathContext::Production
        );
        assert_eq!(
            by_convention("app/testimonials/views.py"),
            PathContext::Production
        );
    }

    #[test]
    fn code_that_reaches_for_the_page_runs_in_the_browser() {
        let js = Language::JavaScript;
        assert!(runs_in_browser(
            js,
            "const base = window.location.origin;\nfetch(base);"
        ));
        assert!(runs_in_browser(
            Language::Tsx,
            "'use client';\nimport x from 'y';"
        ));
        assert!(runs_in_browser(js, "browser.tabs.query({}).then(close);"));
        assert!(runs_in_browser(js, "const [a, set] = React.useState(0);"));
        assert!(runs_in_browser(
            js,
            "import ko from 'knockout';\nimport Cookies from \"js-cookie\";"
        ));
        assert!(runs_in_browser(
            js,
            "define(['jquery', 'arches'], function ($, arches) {});"
        ));
        // A server file that only mentions the word is not page code.
        assert!(!runs_in_browser(
            js,
            "// like knockout, but on the server\n"
        ));
        // A server file's own `document` or `window` names none of them.
        assert!(!runs_in_browser(
            js,
            "const document = await db.find(id);\ndocument.title;"
        ));
        // Written to run on the server too: judged as server code.
        assert!(!runs_in_browser(
            js,
            "const o = typeof window !== 'undefined' ? window.location.origin : env.URL;"
        ));
        assert!(!runs_in_browser(Language::Python, "window.location = 1"));
    }

    #[test]
    fn browser_assets_and_telemetry_pings_are_not_workflow_code() {
        assert_eq!(
            by_convention("shop/static/shop/js/cart.js"),
            PathContext::Browser
        );
        assert_eq!(
            by_convention("core/built/admin/assets/modal-x1.js"),
            PathContext::Browser
        );
        assert_eq!(
            by_convention("dist/utilities/telemetry/index.js"),
            PathContext::Telemetry
        );
        assert_eq!(by_convention("src/telemetry.ts"), PathContext::Telemetry);
        assert_eq!(
            by_convention("ci/net_usage_data.py"),
            PathContext::Telemetry
        );
        assert_eq!(by_convention("app/phone_home.py"), PathContext::Telemetry);
        assert_eq!(by_convention("app/usage.py"), PathContext::Production);
        assert_eq!(
            by_convention("site/media/jslib/forms.js"),
            PathContext::Vendored
        );
        assert_eq!(
            by_convention("ui/jquery.validate.js"),
            PathContext::Vendored
        );
        // Installed or bundled copies of other packages.
        assert_eq!(
            by_convention("src/tool/_vendor/requests/api.py"),
            PathContext::Vendored
        );
        assert_eq!(
            by_convention("venv/lib/python3.12/site-packages/stripe/api.py"),
            PathContext::Vendored
        );
        assert_eq!(
            by_convention("shop/staticfiles.py"),
            PathContext::Production
        );
        assert_eq!(
            by_convention("src/services/checkout.ts"),
            PathContext::Production
        );
    }

    #[test]
    fn folders_of_installed_distributions_are_found_below_the_root() {
        let paths = [
            "app/dist/click-8.0.4.dist-info/METADATA",
            "app/dist/click-8.0.4.dist-info/RECORD",
            "app/dist/requests-2.31.0.dist-info/METADATA",
            "app/dist/requests/api.py",
            "lib/only-1.0.dist-info/METADATA",
            "mypkg-1.0.dist-info/METADATA",
            "other-2.0.dist-info/METADATA",
            "src/mypkg.egg-info/PKG-INFO",
        ];
        let folders = installed_package_folders(paths);
        assert_eq!(
            folders.into_iter().collect::<Vec<_>>(),
            vec!["app/dist".to_string()]
        );
        assert!(is_distribution_metadata(
            "app/dist/click-8.0.4.dist-info/METADATA"
        ));
        assert!(!is_distribution_metadata(
            "app/dist/click-8.0.4.dist-info/RECORD"
        ));
        assert!(!is_distribution_metadata("app/dist/click/core.py"));
        assert!(!is_distribution_metadata("app/x.dist-info"));
    }

    #[test]
    fn linguist_attributes_mark_generated_and_vendored_paths() {
        let attributes = LinguistAttributes::parse(
            "# comment\n*.lock -diff\nclient/api.ts linguist-generated\nthird/ linguist-vendored=true\nsrc/keep.js -linguist-generated\n",
        );
        assert_eq!(
            attributes.context("client/api.ts"),
            Some(PathContext::Generated)
        );
        assert_eq!(
            attributes.context("pkg/third/lib.js"),
            Some(PathContext::Vendored)
        );
        assert_eq!(attributes.context("src/keep.js"), None);
        assert_eq!(attributes.context("server/api.ts"), None);
    }

    #[test]
    fn rust_test_modules_span_the_module() {
        let source = "fn send() {}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn a() { send(); }\n}\nfn after() {}\n";
        assert_eq!(rust_test_modules(source), vec![(3, 8)]);
        assert!(rust_test_modules("#[cfg(test)]\nfn helper() {}\n").is_empty());
        let functions = "fn send() {}\n\n#[tokio::test]\nasync fn sends() {\n    send();\n}\n#[test]\n#[ignore]\nfn other()\n{\n}\nfn after() {}\n";
        assert_eq!(rust_test_functions(functions), vec![(3, 6), (7, 11)]);
        assert!(rust_test_functions("#[derive(Debug)]\nstruct Test;\n").is_empty());
    }
}
