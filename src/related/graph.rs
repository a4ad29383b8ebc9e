//! The repository's import graph, read from the source text: which file
//! imports which, in JavaScript/TypeScript, Python and Rust.
//!
//! Specifiers are found with a few regular expressions (no parse) and
//! resolved to files of the repository: relative specifiers and Python or
//! Rust module paths through [`crate::flow::imports::module_candidates`]
//! (the same resolution the see-through layer uses), and the aliases a
//! project declares in its manifests — workspace packages (`@acme/mail`),
//! `tsconfig.json` `paths` (`@/lib/mail`), Python source roots (`src/`, the
//! folder of `manage.py`), Rust crate names (`use shop::orders`). A
//! specifier that names no file of the repository (`react`, `django`,
//! `serde`) is dropped.

use super::manifests::Manifests;
use crate::flow::imports::{UseItem, module_candidates, rust_use_items};
use crate::model::Language;
use regex::Regex;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::LazyLock;

static JS_SPECIFIER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?:\bfrom|\bimport|\brequire\s*\(|\bimport\s*\()\s*['"]([^'"\n]+)['"]"#)
});
static PY_FROM: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?m)^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)")
});
static PY_IMPORT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^[ \t]*import[ \t]+([\w.][\w., \t]*)"));
static RUST_USE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);"));
static RUST_PATH: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b([a-z_][a-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)+)"));

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|_| unreachable!("valid literal regex"))
}

/// Which file imports which.
#[derive(Debug, Default)]
pub struct ImportGraph {
    /// The files each file imports, resolved.
    imports: HashMap<String, BTreeSet<String>>,
    /// The files that import each file.
    importers: HashMap<String, BTreeSet<String>>,
}

impl ImportGraph {
    /// The graph of `sources` (`(path, text)` of every source file of the
    /// repository), resolved against those same paths and the aliases of
    /// `manifests`.
    pub fn build(sources: &[(String, String)], manifests: &Manifests) -> ImportGraph {
        let known: HashSet<&str> = sources.iter().map(|(p, _)| p.as_str()).collect();
        let mut graph = ImportGraph::default();
        for (path, text) in sources {
            let Some(language) = Language::from_path(path) else {
                continue;
            };
            let resolver = Resolver {
                path,
                language,
                known: &known,
                manifests,
            };
            let targets: BTreeSet<String> = specifiers(language, text)
                .into_iter()
                .filter_map(|specifier| resolver.resolve(&specifier))
                .filter(|target| target != path)
                .collect();
            for target in &targets {
                graph
                    .importers
                    .entry(target.clone())
                    .or_default()
                    .insert(path.clone());
            }
            graph.imports.insert(path.clone(), targets);
        }
        graph
    }

    /// The files `path` imports directly.
    pub fn imports_of(&self, path: &str) -> impl Iterator<Item = &str> {
        self.imports
            .get(path)
            .into_iter()
            .flat_map(|targets| targets.iter().map(String::as_str))
    }

    /// Every file whose imports reach one of `targets`, directly or through
    /// other files (the targets included).
    pub fn reaching<'t>(&self, targets: impl IntoIterator<Item = &'t str>) -> BTreeSet<String> {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        for target in targets {
            if seen.insert(target.to_string()) {
                queue.push_back(target.to_string());
            }
        }
        while let Some(file) = queue.pop_front() {
            for importer in self.importers.get(&file).into_iter().flatten() {
                if seen.insert(importer.clone()) {
                    queue.push_back(importer.clone());
                }
            }
        }
        seen
    }
}

/// The module specifiers a file names, as written.
fn specifiers(language: Language, text: &str) -> Vec<String> {
    match language {
        Language::JavaScript | Language::TypeScript | Language::Tsx => JS_SPECIFIER
            .captures_iter(text)
            .map(|caps| caps[1].to_string())
            .collect(),
        Language::Python => python_specifiers(text),
        Language::Rust => rust_specifiers(text),
    }
}

/// `from a.b import c, d` names `a.b`, `a.b.c` and `a.b.d` (either may be a
/// module); `import a.b as x, c` names `a.b` and `c`.
fn python_specifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for caps in PY_FROM.captures_iter(text) {
        let module = &caps[1];
        out.push(module.to_string());
        let list = caps[2].trim().trim_start_matches('(').trim_end_matches(')');
        for item in list.split(',') {
            let name = item
                .split('#')
                .next()
                .unwrap_or_default()
                .split(" as ")
                .next()
                .unwrap_or_default()
                .trim();
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                let joined = if module.ends_with('.') {
                    format!("{module}{name}")
                } else {
                    format!("{module}.{name}")
                };
                out.push(joined);
            }
        }
    }
    for caps in PY_IMPORT.captures_iter(text) {
        for item in caps[1].split(',') {
            let module = item.split(" as ").next().unwrap_or_default().trim();
            if !module.is_empty() {
                out.push(module.to_string());
            }
        }
    }
    out
}

/// Every path of `use` trees (braces expanded) and every path written in the
/// code (`crate::orders::pay(..)`, `shop::mail::send`).
fn rust_specifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for caps in RUST_USE.captures_iter(text) {
        for UseItem { module, item, .. } in rust_use_items(&caps[1]) {
            if item == "*" || item == "self" || item.is_empty() {
                out.push(module);
            } else {
                out.push(format!("{module}::{item}"));
            }
        }
    }
    out.extend(
        RUST_PATH
            .captures_iter(text)
            .map(|caps| caps[1].to_string()),
    );
    out
}

/// Resolves the specifiers of one file.
struct Resolver<'a> {
    path: &'a str,
    language: Language,
    known: &'a HashSet<&'a str>,
    manifests: &'a Manifests,
}

impl Resolver<'_> {
    /// The repository file a specifier names, if any.
    fn resolve(&self, specifier: &str) -> Option<String> {
        let candidates = match self.language {
            Language::JavaScript | Language::TypeScript | Language::Tsx => {
                match module_candidates(self.language, self.path, specifier) {
                    Some(candidates) => candidates,
                    None => self.manifests.js_alias_candidates(self.path, specifier),
                }
            }
            Language::Python => {
                let mut candidates =
                    module_candidates(self.language, self.path, specifier).unwrap_or_default();
                candidates.extend(self.manifests.python_root_candidates(specifier));
                candidates
            }
            Language::Rust => self.rust_candidates(specifier),
        };
        candidates
            .into_iter()
            .find(|candidate| self.known.contains(candidate.as_str()))
    }

    /// `crate::`, `super::` and `self::` paths, paths through another crate
    /// of the workspace by its name, and paths through a child module.
    fn rust_candidates(&self, specifier: &str) -> Vec<String> {
        let (first, rest) = specifier.split_once("::").unwrap_or((specifier, ""));
        match first {
            "crate" | "super" | "self" => {
                module_candidates(Language::Rust, self.path, specifier).unwrap_or_default()
            }
            "std" | "core" | "alloc" => Vec::new(),
            name => {
                let mut candidates = self.manifests.rust_crate_candidates(name, rest);
                candidates.extend(
                    module_candidates(Language::Rust, self.path, &format!("self::{specifier}"))
                        .unwrap_or_default(),
                );
                candidates.extend(
                    module_candidates(Language::Rust, self.path, &format!("crate::{specifier}"))
                        .unwrap_or_default(),
                );
                candidates
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_specifiers_cover_imports_exports_requires_and_dynamic_imports() {
        let text = "import React from 'react';\nimport {\n  a,\n  b,\n} from './mail';\nimport './polyfill';\nexport * from \"../jobs\";\nconst x = require('./x');\nconst y = await import('./y');\n";
        assert_eq!(
            specifiers(Language::TypeScript, text),
            ["react", "./mail", "./polyfill", "../jobs", "./x", "./y"]
        );
    }

    #[test]
    fn python_specifiers_name_modules_and_possible_submodules() {
        let text = "from orders import tasks, views as v\nfrom . import notify\nimport billing.client as bc, os\n";
        assert_eq!(
            python_specifiers(text),
            [
                "orders",
                "orders.tasks",
                "orders.views",
                ".",
                ".notify",
                "billing.client",
                "os"
            ]
        );
    }

    #[test]
    fn rust_specifiers_expand_use_trees_and_read_inline_paths() {
        let text =
            "use crate::orders::{pay, mail::send as s};\nfn f() { shop::jobs::enqueue(); }\n";
        let found = rust_specifiers(text);
        assert!(
            found.contains(&"crate::orders::pay".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"crate::orders::mail::send".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"shop::jobs::enqueue".to_string()),
            "{found:?}"
        );
    }
}
