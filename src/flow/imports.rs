//! What a file imports from other files of the project, and where those
//! files are: the first step of seeing through helpers a file away.
//!
//! Imports are read from the source text (one pass of a few regular
//! expressions, before anything is parsed) so that the files they name can be
//! read from the repository in one batch. Only imports that can name a file
//! of the project are kept: JS/TS relative specifiers (`./mail`, `../jobs`),
//! Python relative and absolute module paths, Rust `crate::`/`super::`/`self::`
//! paths. Packages (`react`, `django.core.mail`, `serde`) resolve to no file
//! of the repository and are dropped when the candidates are read.

use crate::model::Language;
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One imported name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedName {
    /// The name the importing file calls it by (`email_receipt`, an alias, or
    /// for a module `notify`, used as `notify.email_receipt`).
    pub local: String,
    /// The name defined in the other file; `None` when the whole module is
    /// bound to `local` (a namespace or module import).
    pub remote: Option<String>,
    /// Repository paths the definition may be in, most likely first.
    pub candidates: Vec<String>,
}

static JS_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?m)^\s*import\s+(?:type\s+)?(?:([A-Za-z_$][\w$]*)\s*,\s*)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]"#,
    )
});
static JS_DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?m)^\s*import\s+([A-Za-z_$][\w$]*)\s*(?:,\s*(?:\{[^}]*\}|\*\s+as\s+[A-Za-z_$][\w$]*)\s*)?from\s*['"]([^'"]+)['"]"#,
    )
});
static JS_DEFAULT_EXPORT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?m)^\s*export\s+default\s+(?:(?:async\s+)?function\s*\*?\s*|class\s+)?([A-Za-z_$][\w$]*)\s*(?:[;(<{]|$|extends\b|implements\b)|\bexport\s*\{[^}]*?\b([A-Za-z_$][\w$]*)\s+as\s+default\b[^}]*\}\s*;?\s*$"#,
    )
});
static JS_NAMESPACE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?m)^\s*import\s+\*\s+as\s+([A-Za-z_$][\w$]*)\s+from\s*['"]([^'"]+)['"]"#)
});
static JS_REQUIRE_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?m)^\s*(?:const|let|var)\s*\{([^}]*)\}\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)"#)
});
static JS_REQUIRE_MODULE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?m)^\s*(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)"#,
    )
});
static JS_REEXPORT_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?m)^\s*export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]"#)
});
static JS_REEXPORT_ALL: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"(?m)^\s*export\s+\*\s+from\s*['"]([^'"]+)['"]"#));
static PY_FROM: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?m)^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)")
});
static PY_IMPORT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^[ \t]*import[ \t]+([\w.]+)[ \t]+as[ \t]+(\w+)"));
static RUST_ANY_USE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+(?:::)?([^;]+);"));
static RUST_TYPE_PATH: LazyLock<Regex> = LazyLock::new(|| regex(r"\b([A-Z][A-Za-z0-9_]*)::"));
static RUST_USE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+((?:crate|super|self)::[^;]+);")
});
/// A module of the crate named inline, before the item it reaches
/// (`crate::zulip::` of `crate::zulip::MessageApiRequest { .. }`).
static RUST_INLINE_MODULE: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?:^|[^\w:])((?:crate|super)(?:::super)*(?:::[a-z_][a-z0-9_]*)+)::[A-Za-z_]")
});

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|_| unreachable!("valid literal regex"))
}

/// The name a JS/TS default import takes from its module:
/// `import sendEmail from './mail'` binds `sendEmail` to `default`.
pub const DEFAULT_EXPORT: &str = "default";

/// The name of what a JS/TS file exports as its default, when it is a
/// declaration of the file: `export default async function fetch(..)`,
/// `export default class Mailer`, `export default sendEmail;`,
/// `export { sendEmail as default }`.
pub fn js_default_export(source: &str) -> Option<String> {
    let caps = JS_DEFAULT_EXPORT.captures_iter(source).next()?;
    let name = caps.get(1).or_else(|| caps.get(2))?.as_str();
    (!matches!(name, "async" | "function" | "class" | "new" | "await")).then(|| name.to_string())
}

/// Resolves a JS/TS specifier that is not relative (`@/lib/mail` through a
/// `tsconfig.json` `paths` alias, `@acme/mail` a workspace package) in the
/// file at the first path to the files it may name; empty for a package of
/// the registry (`react`).
pub type JsAliases<'a> = &'a (dyn Fn(&str, &str) -> Vec<String> + Sync);

/// No aliases: only relative specifiers name files of the project.
pub fn no_aliases(_: &str, _: &str) -> Vec<String> {
    Vec::new()
}

/// The project imports of a file at `path` (repository-relative).
pub fn project_imports(language: Language, path: &str, source: &str) -> Vec<ImportedName> {
    project_imports_with(language, path, source, &no_aliases)
}

/// The files `@/x` or `~/x` may name: those prefixes are no package of the
/// registry (a scope needs a name), only the conventional alias of the
/// project's source root, the nearest `src/` folder above the file (or the
/// file's top folder).
fn conventional_root_alias(path: &str, specifier: &str) -> Vec<String> {
    let Some(rest) = specifier
        .strip_prefix("@/")
        .or_else(|| specifier.strip_prefix("~/"))
    else {
        return Vec::new();
    };
    let root = match path.rfind("src/") {
        Some(at) if at == 0 || path[..at].ends_with('/') => &path[..at + "src/".len()],
        _ => path
            .split_once('/')
            .map_or("", |(top, _)| &path[..top.len() + 1]),
    };
    [".ts", ".tsx", ".js", "/index.ts", "/index.js"]
        .iter()
        .map(|ext| format!("{root}{rest}{ext}"))
        .collect()
}

/// The local names a file at `path` binds to the project's own code: its
/// imports whose candidate files lie in the project's own folders (a
/// relative import, or an absolute module whose first folder is one of the
/// file's, as `shop.orders.notify` is for `shop/views.py`). A call on one of
/// these names is the project's code, whether or not its file is read.
pub fn project_local_names(
    language: Language,
    path: &str,
    source: &str,
) -> std::collections::HashSet<String> {
    let folders: Vec<&str> = path.split('/').rev().skip(1).collect();
    // Read the Python imports once, not once per name.
    let python_modules = match language {
        Language::Python => python_modules_by_local(source),
        _ => HashMap::new(),
    };
    project_imports_with(language, path, source, &conventional_root_alias)
        .into_iter()
        .filter(|name| match language {
            // The module as written: relative, or its package is a folder
            // the file stands in (`weblate.utils` for `weblate/trans/x.py`).
            Language::Python => python_modules.get(&name.local).is_some_and(|module| {
                module.starts_with('.')
                    || folders.contains(&module.split('.').next().unwrap_or_default())
            }),
            _ => name
                .candidates
                .iter()
                .any(|candidate| match candidate.split_once('/') {
                    Some((first, _)) => folders.contains(&first),
                    None => folders.is_empty(),
                }),
        })
        .map(|name| name.local)
        .chain(match language {
            Language::Rust => rust_own_types(source),
            _ => Vec::new(),
        })
        .collect()
}

/// Types named before `::` in a Rust file (`PeerRequest::put(..)`,
/// `Self::connect(..)`) that no `use` brings from another crate and the
/// prelude does not hold: the crate's own, declared in the file or reached
/// through a `use super::*`. None when the file globs another crate's names
/// (`use reqwest::*`), which could be any of them.
fn rust_own_types(source: &str) -> Vec<String> {
    const PRELUDE: &[&str] = &[
        "String", "Vec", "Box", "Option", "Result", "Some", "None", "Ok", "Err", "Default",
        "Iterator", "ToString", "From", "Into",
    ];
    let mut external = std::collections::HashSet::new();
    for caps in RUST_ANY_USE.captures_iter(source) {
        let tree = caps[1].trim();
        let root = tree.split("::").next().unwrap_or_default().trim();
        if matches!(root, "crate" | "super" | "self") {
            continue;
        }
        let items = rust_use_items(tree);
        if items.is_empty() {
            // `use reqwest;`: a crate by its name only.
            external.insert(root.to_string());
            continue;
        }
        for UseItem { item, alias, .. } in items {
            if item == "*" {
                return Vec::new();
            }
            external.insert(alias.unwrap_or(item));
        }
    }
    let mut own: Vec<String> = RUST_TYPE_PATH
        .captures_iter(source)
        .map(|caps| caps[1].to_string())
        .filter(|name| !external.contains(name) && !PRELUDE.contains(&name.as_str()))
        .collect();
    own.sort();
    own.dedup();
    own
}

/// The project imports of a file at `path`, with the project's JS/TS
/// aliases resolved by `aliases`.
pub fn project_imports_with(
    language: Language,
    path: &str,
    source: &str,
    aliases: JsAliases<'_>,
) -> Vec<ImportedName> {
    match language {
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            js_imports(path, source, aliases)
        }
        Language::Python => python_imports(path, source),
        Language::Rust => rust_imports(path, source),
    }
}

fn js_imports(path: &str, source: &str, aliases: JsAliases<'_>) -> Vec<ImportedName> {
    let mut out = Vec::new();
    let candidates_of = |spec: &str| {
        js_candidates(path, spec).or_else(|| {
            let aliased = aliases(path, spec);
            (!aliased.is_empty()).then_some(aliased)
        })
    };
    let mut named = |list: &str, spec: &str, separator: &str| {
        if let Some(candidates) = candidates_of(spec) {
            out.extend(js_named_list(list, separator, &candidates));
        }
    };
    for caps in JS_NAMED.captures_iter(source) {
        named(&caps[2], &caps[3], " as ");
    }
    for caps in JS_REQUIRE_NAMED.captures_iter(source) {
        named(&caps[1], &caps[2], ":");
    }
    // `import sendEmail from './mail'`, `import fetch, { Headers } from ..`:
    // the module's default export, bound to a name of the importer's choice.
    for caps in JS_DEFAULT.captures_iter(source) {
        if let Some(candidates) = candidates_of(&caps[2]) {
            out.push(ImportedName {
                local: caps[1].to_string(),
                remote: Some(DEFAULT_EXPORT.to_string()),
                candidates,
            });
        }
    }
    for caps in JS_NAMESPACE
        .captures_iter(source)
        .chain(JS_REQUIRE_MODULE.captures_iter(source))
    {
        if let Some(candidates) = candidates_of(&caps[2]) {
            out.push(ImportedName {
                local: caps[1].to_string(),
                remote: None,
                candidates,
            });
        }
    }
    out
}

/// The names of a braced list (`{ a, b as c, type D }`, or `{ a: c }` for a
/// destructured `require` with `separator` `:`), each naming a definition of
/// one of `candidates`.
fn js_named_list(list: &str, separator: &str, candidates: &[String]) -> Vec<ImportedName> {
    list.split(',')
        .filter_map(|item| {
            let item = item.trim().trim_start_matches("type ").trim();
            let (remote, local) = match item.split_once(separator) {
                Some((remote, local)) => (remote.trim(), local.trim()),
                None => (item, item),
            };
            (is_identifier(remote) && is_identifier(local)).then(|| ImportedName {
                local: local.to_string(),
                remote: Some(remote.to_string()),
                candidates: candidates.to_vec(),
            })
        })
        .collect()
}

/// The names a package's index file (`__init__.py`, `index.ts`) passes on
/// from its modules: `from .orders import Order` and `export { send } from
/// './mail'` by name (`local` is the name the index offers, `remote` the
/// module's), and `from .orders import *` / `export * from './mail'` with
/// `local` `*`.
pub fn reexports(language: Language, path: &str, source: &str) -> Vec<ImportedName> {
    match language {
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            let mut out = Vec::new();
            for caps in JS_REEXPORT_NAMED.captures_iter(source) {
                if let Some(candidates) = js_candidates(path, &caps[2]) {
                    out.extend(js_named_list(&caps[1], " as ", &candidates));
                }
            }
            for caps in JS_REEXPORT_ALL.captures_iter(source) {
                if let Some(candidates) = js_candidates(path, &caps[1]) {
                    out.push(ImportedName {
                        local: "*".to_string(),
                        remote: None,
                        candidates,
                    });
                }
            }
            // The file's own default export, offered as `default`.
            if let Some(name) = js_default_export(source) {
                out.push(ImportedName {
                    local: DEFAULT_EXPORT.to_string(),
                    remote: Some(name),
                    candidates: vec![path.to_string()],
                });
            }
            out
        }
        Language::Python => {
            let mut out: Vec<ImportedName> = python_imports(path, source)
                .into_iter()
                .filter(|name| name.remote.is_some())
                .collect();
            for caps in PY_FROM.captures_iter(source) {
                if caps[2].trim() == "*"
                    && let Some(roots) = python_module_roots(path, &caps[1])
                {
                    out.push(ImportedName {
                        local: "*".to_string(),
                        remote: None,
                        candidates: python_files(&roots, None),
                    });
                }
            }
            out
        }
        Language::Rust => Vec::new(),
    }
}

/// Whether a file's text imports the library module `module` (`requests`,
/// `http.client`, `node-fetch`, `undici`), or one of its submodules, at any
/// depth: `import requests`, `from httpx import AsyncClient`, `import fetch
/// from 'node-fetch'`, `require('node:https')`, `use reqwest::Client`.
pub fn imports_module(language: Language, source: &str, module: &str) -> bool {
    match language {
        Language::Python => source.lines().any(|line| {
            let line = line.trim_start();
            let names_module = |path: &str| {
                let path = path.trim();
                path == module
                    || path
                        .strip_prefix(module)
                        .is_some_and(|rest| rest.starts_with('.'))
            };
            if let Some(list) = line.strip_prefix("import ") {
                list.split(',')
                    .any(|item| names_module(item.split(" as ").next().unwrap_or(item)))
            } else if let Some(rest) = line.strip_prefix("from ") {
                rest.split_whitespace().next().is_some_and(names_module)
            } else {
                false
            }
        }),
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            ['\'', '"', '`'].iter().any(|quote| {
                [format!("{quote}{module}"), format!("{quote}node:{module}")]
                    .iter()
                    .any(|opening| {
                        source.match_indices(opening.as_str()).any(|(at, _)| {
                            let after = &source[at + opening.len()..];
                            let before = source[..at].trim_end();
                            (after.starts_with(*quote) || after.starts_with('/'))
                                && (before.ends_with("from")
                                    || before.ends_with("require(")
                                    || before.ends_with("import(")
                                    || before.ends_with("import"))
                        })
                    })
            })
        }
        Language::Rust => source.match_indices(module).any(|(at, _)| {
            source[at + module.len()..].starts_with("::")
                && !source[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        }),
    }
}

/// Whether a file's text declares `name` at its top level itself (a function,
/// class or variable), rather than passing it on from another module.
pub fn declares(language: Language, source: &str, name: &str) -> bool {
    let name = regex::escape(name);
    let pattern = match language {
        Language::Python => {
            format!(r"(?m)^(?:(?:async[ \t]+)?def|class)[ \t]+{name}\b|^{name}[ \t]*(?::[^=\n]*)?=")
        }
        Language::JavaScript | Language::TypeScript | Language::Tsx => format!(
            r"(?m)^(?:export[ \t]+)?(?:default[ \t]+)?(?:async[ \t]+)?(?:function\*?|class|const|let|var)[ \t]+{name}\b"
        ),
        Language::Rust => return true,
    };
    Regex::new(&pattern).is_ok_and(|re| re.is_match(source))
}

/// The files a relative JS/TS specifier may be (`./mail` → `mail.ts`,
/// `mail/index.js`…); `None` for a package.
fn js_candidates(path: &str, spec: &str) -> Option<Vec<String>> {
    if !spec.starts_with("./") && !spec.starts_with("../") {
        return None;
    }
    let joined = join(parent(path), spec)?;
    // `./mail.js` in TypeScript sources names `mail.ts`.
    let stem = joined
        .strip_suffix(".js")
        .or_else(|| joined.strip_suffix(".mjs"))
        .or_else(|| joined.strip_suffix(".cjs"))
        .unwrap_or(&joined);
    let mut candidates = vec![joined.clone()];
    for extension in ["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"] {
        candidates.push(format!("{stem}.{extension}"));
    }
    for extension in ["ts", "tsx", "js", "jsx"] {
        candidates.push(format!("{stem}/index.{extension}"));
    }
    candidates.dedup();
    Some(candidates)
}

fn python_imports(path: &str, source: &str) -> Vec<ImportedName> {
    let mut out = Vec::new();
    for caps in PY_FROM.captures_iter(source) {
        let module = &caps[1];
        let list = caps[2].trim().trim_start_matches('(').trim_end_matches(')');
        let Some(roots) = python_module_roots(path, module) else {
            continue;
        };
        for item in list.split(',') {
            let item = item.split('#').next().unwrap_or_default().trim();
            let (remote, local) = match item.split_once(" as ") {
                Some((remote, local)) => (remote.trim(), local.trim()),
                None => (item, item),
            };
            if !is_identifier(remote) || !is_identifier(local) {
                continue;
            }
            // `from pkg import name`: a function of `pkg` (or its
            // `__init__.py` re-export), or the module `pkg/name.py`.
            let mut candidates = python_files(&roots, None);
            out.push(ImportedName {
                local: local.to_string(),
                remote: Some(remote.to_string()),
                candidates: std::mem::take(&mut candidates),
            });
            out.push(ImportedName {
                local: local.to_string(),
                remote: None,
                candidates: python_files(&roots, Some(remote)),
            });
        }
    }
    for caps in PY_IMPORT.captures_iter(source) {
        if let Some(roots) = python_module_roots(path, &caps[1]) {
            out.push(ImportedName {
                local: caps[2].to_string(),
                remote: None,
                candidates: python_files(&roots, None),
            });
        }
    }
    out
}

/// The module each name a Python file imports is bound from, as
/// [`python_module_of`] tells it for one name (the first binding wins).
fn python_modules_by_local(source: &str) -> HashMap<String, String> {
    let mut modules = HashMap::new();
    for caps in PY_FROM.captures_iter(source) {
        let list = caps[2].trim().trim_start_matches('(').trim_end_matches(')');
        for item in list.split(',') {
            let item = item.split('#').next().unwrap_or_default().trim();
            if let Some(bound) = item.rsplit(" as ").next().map(str::trim)
                && !bound.is_empty()
            {
                modules
                    .entry(bound.to_string())
                    .or_insert_with(|| caps[1].to_string());
            }
        }
    }
    for caps in PY_IMPORT.captures_iter(source) {
        modules
            .entry(caps[2].to_string())
            .or_insert_with(|| caps[1].to_string());
    }
    modules
}

/// The module a Python file binds `local` from: `from M import x as local`
/// or `import M as local` give `M` as written (`.errors`, `weblate.utils`).
pub fn python_module_of(source: &str, local: &str) -> Option<String> {
    for caps in PY_FROM.captures_iter(source) {
        let list = caps[2].trim().trim_start_matches('(').trim_end_matches(')');
        let binds = list.split(',').any(|item| {
            let item = item.split('#').next().unwrap_or_default().trim();
            item.rsplit(" as ")
                .next()
                .is_some_and(|bound| bound.trim() == local)
        });
        if binds {
            return Some(caps[1].to_string());
        }
    }
    PY_IMPORT
        .captures_iter(source)
        .find(|caps| &caps[2] == local)
        .map(|caps| caps[1].to_string())
}

/// The directories a Python module path may resolve to, without extension:
/// relative to the file's package for `.x`, else from every ancestor
/// directory of the file (the repository layout's source root is unknown).
fn python_module_roots(path: &str, module: &str) -> Option<Vec<String>> {
    let dots = module.chars().take_while(|&c| c == '.').count();
    let rest = module[dots..].replace('.', "/");
    if dots > 0 {
        let mut base = parent(path).to_string();
        for _ in 1..dots {
            base = parent(&base).to_string();
        }
        return Some(vec![join_dir(&base, &rest)]);
    }
    if rest.is_empty() {
        return None;
    }
    let mut roots = Vec::new();
    let mut directory = parent(path);
    loop {
        roots.push(join_dir(directory, &rest));
        if directory.is_empty() {
            break;
        }
        directory = parent(directory);
    }
    Some(roots)
}

fn python_files(roots: &[String], child: Option<&str>) -> Vec<String> {
    roots
        .iter()
        .flat_map(|root| {
            let base = match child {
                Some(child) => join_dir(root, child),
                None => root.clone(),
            };
            [format!("{base}.py"), format!("{base}/__init__.py")]
        })
        .filter(|candidate| !candidate.starts_with('/'))
        .collect()
}

fn rust_imports(path: &str, source: &str) -> Vec<ImportedName> {
    let mut out = Vec::new();
    let crate_root = rust_crate_root(path);
    for caps in RUST_USE.captures_iter(source) {
        for UseItem {
            module,
            item: remote,
            alias,
        } in rust_use_items(&caps[1])
        {
            let Some(directory) = rust_module_dir(path, &crate_root, &module) else {
                continue;
            };
            let local = alias.as_deref().unwrap_or(&remote);
            if !is_identifier(&remote) || !is_identifier(local) || remote == "self" {
                continue;
            }
            out.push(ImportedName {
                local: local.to_string(),
                remote: Some(remote.to_string()),
                candidates: vec![format!("{directory}.rs"), format!("{directory}/mod.rs")],
            });
        }
    }
    out.extend(rust_inline_modules(path, &crate_root, source));
    out
}

/// The crate's modules a file names inline, outside its `use` items
/// (`crate::zulip::MessageApiRequest { .. }.send(..)`,
/// `super::mail::send(..)`): each bound whole under its path as the model
/// writes it (`crate.zulip`), so its functions and its types' methods are
/// the project's helpers too.
fn rust_inline_modules(path: &str, crate_root: &str, source: &str) -> Vec<ImportedName> {
    let code = RUST_ANY_USE.replace_all(source, "");
    let mut modules: Vec<&str> = RUST_INLINE_MODULE
        .captures_iter(&code)
        .filter_map(|caps| caps.get(1).map(|m| m.as_str()))
        .collect();
    modules.sort_unstable();
    modules.dedup();
    modules
        .into_iter()
        .filter_map(|module| {
            let directory = rust_module_dir(path, crate_root, module)?;
            Some(ImportedName {
                local: module.replace("::", "."),
                remote: None,
                candidates: vec![format!("{directory}.rs"), format!("{directory}/mod.rs")],
            })
        })
        .collect()
}

/// One name a Rust `use` tree brings in: `d as e` of `crate::a::{b, c::d
/// as e}` is module `crate::a::c`, item `d`, alias `e`.
pub(crate) struct UseItem {
    pub module: String,
    pub item: String,
    pub alias: Option<String>,
}

/// The names a Rust `use` tree (as written after `use`, before `;`) brings
/// in, braces expanded.
pub(crate) fn rust_use_items(tree: &str) -> Vec<UseItem> {
    // `b as c` keeps its alias apart (`@`) when the spaces go.
    let joined = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let tree: String = joined
        .replace(" as ", "@")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    expand_use_tree(&tree)
        .into_iter()
        .map(|(module, item)| match item.split_once('@') {
            Some((item, alias)) => UseItem {
                module,
                item: item.to_string(),
                alias: Some(alias.to_string()),
            },
            None => UseItem {
                module,
                item,
                alias: None,
            },
        })
        .collect()
}

/// `crate::a::{b, c::d@e}` → `[("crate::a", "b"), ("crate::a::c", "d@e")]`
/// (spaces removed; [`rust_use_items`] marks an alias with `@` first).
fn expand_use_tree(tree: &str) -> Vec<(String, String)> {
    let Some(open) = tree.find('{') else {
        return match tree.rsplit_once("::") {
            Some((module, item)) => vec![(module.to_string(), item.to_string())],
            None => Vec::new(),
        };
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = tree[open + 1..].trim_end_matches('}');
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let bytes: Vec<char> = inner.chars().collect();
    for (index, &c) in bytes.iter().enumerate() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                let part: String = bytes[start..index].iter().collect();
                out.extend(expand_use_tree(&format!("{prefix}::{part}")));
                start = index + 1;
            }
            _ => {}
        }
    }
    let last: String = bytes[start..].iter().collect();
    if !last.is_empty() {
        out.extend(expand_use_tree(&format!("{prefix}::{last}")));
    }
    out
}

/// The `src` directory of the crate a Rust file belongs to.
fn rust_crate_root(path: &str) -> String {
    match path.rfind("src/") {
        Some(index) => path[..index + 3].to_string(),
        None => parent(path).to_string(),
    }
}

/// The path (without extension) of the module file a `crate::`/`super::`/
/// `self::` path names.
fn rust_module_dir(path: &str, crate_root: &str, module: &str) -> Option<String> {
    let mut segments = module.split("::");
    let first = segments.next()?;
    let file_module = path.strip_suffix(".rs")?;
    let own_dir = match file_module.strip_suffix("/mod") {
        Some(directory) => directory.to_string(),
        None if file_module.ends_with("/lib") || file_module.ends_with("/main") => {
            parent(file_module).to_string()
        }
        None => file_module.to_string(),
    };
    let mut directory = match first {
        "crate" => crate_root.to_string(),
        "self" => own_dir,
        "super" => parent(&own_dir).to_string(),
        _ => return None,
    };
    for segment in segments {
        if segment == "super" {
            directory = parent(&directory).to_string();
        } else {
            directory = join_dir(&directory, segment);
        }
    }
    Some(directory)
}

/// The repository files a module specifier written in the file at `path`
/// may name, most likely first: a JS/TS relative specifier (`./mail`), a
/// Python module (`.notify`, `orders.tasks`, tried from the file's package
/// and every ancestor directory), a Rust `crate::`/`super::`/`self::` path
/// (every prefix, longest first: `crate::a::b::send` may be the item `send`
/// of `a/b.rs`). `None` for a package, which names no file of the project.
pub fn module_candidates(language: Language, path: &str, specifier: &str) -> Option<Vec<String>> {
    match language {
        Language::JavaScript | Language::TypeScript | Language::Tsx => {
            js_candidates(path, specifier)
        }
        Language::Python => {
            let roots = python_module_roots(path, specifier)?;
            Some(python_files(&roots, None))
        }
        Language::Rust => {
            let crate_root = rust_crate_root(path);
            let mut module = specifier;
            let mut candidates = Vec::new();
            while module.contains("::") {
                if let Some(directory) = rust_module_dir(path, &crate_root, module) {
                    candidates.push(format!("{directory}.rs"));
                    candidates.push(format!("{directory}/mod.rs"));
                }
                module = module.rsplit_once("::").map_or("", |(head, _)| head);
            }
            (!candidates.is_empty()).then_some(candidates)
        }
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(directory, _)| directory)
}

fn join_dir(directory: &str, rest: &str) -> String {
    match (directory.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => directory.to_string(),
        _ => format!("{directory}/{rest}"),
    }
}

/// `directory` joined with a relative specifier, `..` resolved; `None` when
/// it climbs out of the repository.
fn join(directory: &str, spec: &str) -> Option<String> {
    let mut parts: Vec<&str> = directory.split('/').filter(|p| !p.is_empty()).collect();
    for segment in spec.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(imports: &[ImportedName]) -> Vec<(String, Option<String>, String)> {
        imports
            .iter()
            .map(|i| {
                (
                    i.local.clone(),
                    i.remote.clone(),
                    i.candidates.first().cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn js_default_imports_bind_the_modules_default_export() {
        let source = "import sendReceipt from './mail';\nimport fetch, { Headers } from '../utils/fetch';\nimport type Config from './config';\nimport React from 'react';\n";
        let found = names(&js_imports("src/pay.ts", source, &no_aliases));
        assert!(
            found
                .iter()
                .any(|(local, remote, first)| local == "sendReceipt"
                    && remote.as_deref() == Some("default")
                    && first.starts_with("src/mail"))
        );
        assert!(
            found
                .iter()
                .any(|(local, remote, _)| local == "fetch" && remote.as_deref() == Some("default"))
        );
        assert!(
            found.iter().any(
                |(local, remote, _)| local == "Headers" && remote.as_deref() == Some("Headers")
            )
        );
        assert!(
            !found
                .iter()
                .any(|(local, _, _)| local == "React" || local == "type" || local == "Config")
        );
        assert_eq!(
            js_default_export("export default async function fetch(url) {}"),
            Some("fetch".to_string())
        );
        assert_eq!(
            js_default_export("class Mailer {}\nexport default Mailer;\n"),
            Some("Mailer".to_string())
        );
        assert_eq!(
            js_default_export("export { send as default };\n"),
            Some("send".to_string())
        );
        assert_eq!(
            js_default_export("export default class Mailer extends Base {}"),
            Some("Mailer".to_string())
        );
        assert_eq!(js_default_export("export default function (url) {}"), None);
        assert_eq!(js_default_export("export default async (req) => {}"), None);
    }

    #[test]
    fn a_library_module_is_imported_in_any_of_its_spellings() {
        let python = "import os, requests as r\n\ndef f():\n    from httpx import AsyncClient\n";
        assert!(imports_module(Language::Python, python, "requests"));
        assert!(imports_module(Language::Python, python, "httpx"));
        assert!(!imports_module(Language::Python, python, "aiohttp"));
        let submodule = "from http.client import HTTPSConnection\nimport requestsx\n";
        assert!(imports_module(Language::Python, submodule, "http.client"));
        assert!(imports_module(Language::Python, submodule, "http"));
        assert!(!imports_module(Language::Python, submodule, "requests"));
        let js = "import fetch from 'node-fetch';\nconst https = require(\"node:https\");\nconst { request } = await import('undici/lib/api');\nconst name = 'got';\n";
        assert!(imports_module(Language::JavaScript, js, "node-fetch"));
        assert!(imports_module(Language::TypeScript, js, "https"));
        assert!(imports_module(Language::Tsx, js, "undici"));
        assert!(!imports_module(Language::JavaScript, js, "got"));
        assert!(!imports_module(Language::JavaScript, js, "node"));
        let rust = "use reqwest::Client;\nlet c = my_reqwest::Client::new();\n";
        assert!(imports_module(Language::Rust, rust, "reqwest"));
        assert!(!imports_module(
            Language::Rust,
            "use my_reqwest::Client;",
            "reqwest"
        ));
    }

    #[test]
    fn js_relative_imports_and_requires_are_kept_and_packages_dropped() {
        let source = "import React from 'react';\nimport { deliverWebhook, sendMail as mail } from '../lib/notify';\nimport * as jobs from './jobs.js';\nconst { enqueue } = require('./queue');\nconst billing = require('../billing');\nimport { x } from '@scope/pkg';\n";
        let found = js_imports("src/orders/checkout.ts", source, &no_aliases);
        assert_eq!(
            names(&found),
            vec![
                (
                    "deliverWebhook".into(),
                    Some("deliverWebhook".into()),
                    "src/lib/notify".into()
                ),
                (
                    "mail".into(),
                    Some("sendMail".into()),
                    "src/lib/notify".into()
                ),
                (
                    "enqueue".into(),
                    Some("enqueue".into()),
                    "src/orders/queue".into()
                ),
                ("jobs".into(), None, "src/orders/jobs.js".into()),
                ("billing".into(), None, "src/billing".into()),
            ]
        );
        assert!(
            found[3]
                .candidates
                .contains(&"src/orders/jobs.ts".to_string())
        );
        assert!(
            found[0]
                .candidates
                .contains(&"src/lib/notify/index.ts".to_string())
        );
    }

    #[test]
    fn python_relative_absolute_and_parenthesised_imports() {
        let source = "from django.core.mail import send_mail\nfrom .notify import (\n    email_receipt,\n    notify_customer as notify,  # the helper\n)\nfrom orders import tasks\nimport billing.client as bc\n";
        let found = python_imports("shop/orders/views.py", source);
        let locals: Vec<&str> = found.iter().map(|i| i.local.as_str()).collect();
        assert!(locals.contains(&"email_receipt"));
        assert!(locals.contains(&"notify"));
        assert!(locals.contains(&"tasks"));
        assert!(locals.contains(&"bc"));
        let receipt = found
            .iter()
            .find(|i| i.local == "email_receipt" && i.remote.is_some())
            .expect("email_receipt");
        assert_eq!(receipt.candidates[0], "shop/orders/notify.py");
        let tasks = found
            .iter()
            .find(|i| i.local == "tasks" && i.remote.is_none())
            .expect("tasks module");
        assert!(
            tasks
                .candidates
                .contains(&"shop/orders/tasks.py".to_string())
        );
        let bc = found.iter().find(|i| i.local == "bc").expect("bc");
        assert!(bc.candidates.contains(&"billing/client.py".to_string()));
        // `django.core.mail` yields candidates that are not in the project;
        // reading the tree drops them.
        assert!(found.iter().any(|i| i.local == "send_mail"));
    }

    #[test]
    fn the_conventional_source_root_alias_is_the_projects_own_code() {
        let source = "import { CommandQueue } from '@/lib/common/command-queue';\nimport { Outbox } from '~/outbox';\nimport { Queue } from 'bullmq';\nimport { x } from '@scope/pkg';\n";
        let local = project_local_names(
            Language::TypeScript,
            "packages/js-core/src/lib/survey/actions.ts",
            source,
        );
        let mut names: Vec<&str> = local.iter().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["CommandQueue", "Outbox"]);
    }

    #[test]
    fn rust_use_trees_resolve_to_module_files() {
        let source = "use crate::notify::{announce, mail::send_receipt as receipt};\nuse super::db::in_tx;\nuse serde::Serialize;\n";
        let found = rust_imports("service/src/orders/pay.rs", source);
        assert_eq!(
            names(&found),
            vec![
                (
                    "announce".into(),
                    Some("announce".into()),
                    "service/src/notify.rs".into()
                ),
                (
                    "receipt".into(),
                    Some("send_receipt".into()),
                    "service/src/notify/mail.rs".into()
                ),
                (
                    "in_tx".into(),
                    Some("in_tx".into()),
                    "service/src/orders/db.rs".into()
                ),
            ]
        );
    }

    #[test]
    fn package_indexes_pass_names_on_by_name_and_wholesale() {
        let ts = "export { sendReceipt, refund as refundOrder } from './receipts';\nexport * from './log';\nexport type { Shape } from './types';\n";
        let passed = reexports(Language::TypeScript, "src/mail/index.ts", ts);
        let summary: Vec<(&str, Option<&str>, &str)> = passed
            .iter()
            .map(|n| {
                (
                    n.local.as_str(),
                    n.remote.as_deref(),
                    n.candidates[0].as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("sendReceipt", Some("sendReceipt"), "src/mail/receipts"),
                ("refundOrder", Some("refund"), "src/mail/receipts"),
                ("Shape", Some("Shape"), "src/mail/types"),
                ("*", None, "src/mail/log"),
            ]
        );
        let py = "from .invoice import Invoice\nfrom .log import *\n";
        let passed = reexports(Language::Python, "shop/models/__init__.py", py);
        assert!(passed.iter().any(|n| n.local == "Invoice"
            && n.remote.as_deref() == Some("Invoice")
            && n.candidates.contains(&"shop/models/invoice.py".to_string())));
        assert!(passed.iter().any(|n| n.local == "*"
            && n.candidates.contains(&"shop/models/log.py".to_string())));
    }

    #[test]
    fn a_definition_is_told_from_a_name_passed_on() {
        let py = "from .invoice import Invoice\n\n\nclass Order:\n    pass\n\n\nasync def notify(order):\n    pass\n\nLIMIT: int = 3\n";
        assert!(declares(Language::Python, py, "Order"));
        assert!(declares(Language::Python, py, "notify"));
        assert!(declares(Language::Python, py, "LIMIT"));
        assert!(!declares(Language::Python, py, "Invoice"));
        let ts = "export { send } from './mail';\nexport async function pay() {}\nexport const LIMIT = 3;\nclass Ledger {}\n";
        assert!(declares(Language::TypeScript, ts, "pay"));
        assert!(declares(Language::TypeScript, ts, "LIMIT"));
        assert!(declares(Language::TypeScript, ts, "Ledger"));
        assert!(!declares(Language::TypeScript, ts, "send"));
    }

    #[test]
    fn a_rust_name_holding_as_is_not_read_as_an_alias() {
        let rs = "use crate::jobs::{Task, Database as Db};\nuse crate::mail::Alias;\n";
        let locals: Vec<String> = rust_imports("src/orders.rs", rs)
            .into_iter()
            .map(|name| name.local)
            .collect();
        assert_eq!(locals, ["Task", "Db", "Alias"]);
    }

    #[test]
    fn rust_modules_named_inline_are_imported_whole_under_their_path() {
        let rs = "use crate::jobs::Task;\n\nfn f() {\n    crate::chat::PostMessage { text }.send(c);\n    super::mail::send(m);\n    crate::chat::Other::new();\n    not_crate::x::Y::z();\n}\n";
        let inline: Vec<(String, Vec<String>)> = rust_imports("src/jobs/run.rs", rs)
            .into_iter()
            .filter(|name| name.remote.is_none())
            .map(|name| (name.local, name.candidates))
            .collect();
        assert_eq!(
            inline,
            [
                (
                    "crate.chat".to_string(),
                    vec!["src/chat.rs".to_string(), "src/chat/mod.rs".to_string()]
                ),
                (
                    "super.mail".to_string(),
                    vec![
                        "src/jobs/mail.rs".to_string(),
                        "src/jobs/mail/mod.rs".to_string()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn rust_types_no_use_brings_from_another_crate_are_the_crates_own() {
        let rs = "use reqwest::{Client, Method as M};\nuse super::*;\n\nfn f() {\n    PeerRequest::put(c, p).send(b);\n    Client::new();\n    M::POST;\n    Self::connect();\n    String::new();\n}\n";
        assert_eq!(rust_own_types(rs), ["PeerRequest", "Self"]);
        let globbed = "use reqwest::*;\n\nfn f() {\n    Client::new().post(u).send();\n}\n";
        assert!(rust_own_types(globbed).is_empty());
    }
}
