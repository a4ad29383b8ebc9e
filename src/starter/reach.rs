//! How far `init` sees through the project's own code: further than a
//! review does.
//!
//! A workflow's entry point often reaches its boundary several files away
//! (a job calls the pipeline of another module, which calls the notifier of
//! a third, which posts to the provider), through imports written with the
//! project's path aliases (`@/modules/email`, a workspace package by name)
//! and through index files that pass a module's functions on
//! (`export * from './send'`, `pub use self::playlist::*`). The review reads
//! helpers a file away; `init` reads the whole repository once, so it
//! follows the chain file by file, a bounded number of files deep: each
//! round summarises again the files whose imports gained a summary in the
//! round before, until nothing changes (a cycle of imports settles, it does
//! not loop).

use crate::config::Config;
use crate::flow::derived::{Summaries, Summary, short_name};
use crate::flow::imports::{ImportedName, module_candidates, project_imports, reexports};
use crate::model::{BlockKind, FileModel, FunctionOrigin, Language, Node};
use crate::related::Manifests;
use rayon::prelude::*;
use regex::Regex;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// How many files away from an entry point a chain of helpers is followed.
const MAX_FILE_HOPS: usize = 6;

/// How many index files an imported name is followed through.
const MAX_REEXPORT_HOPS: usize = 4;

/// A JS/TS module specifier after `from` or inside `require(` / `import(`.
static JS_SPECIFIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(\bfrom\s*|\brequire\(\s*|\bimport\(\s*)(['"])([^'"\s]+)['"]"#)
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// `pub use self::playlist::*;` / `pub(crate) use orders::*;`: a module's
/// items passed on whole.
static RUST_GLOB_REEXPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*pub(?:\([^)]*\))?\s+use\s+((?:self::|crate::|super::)?[\w:]+)::\*\s*;")
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// The summaries a file imports, by the name it calls them.
type Imported = Vec<(String, Summary)>;

/// The summaries of a file's helpers, by name.
type Exported = HashMap<String, Summary>;

/// An imported name, resolved to where it is declared.
#[derive(Debug, Clone)]
enum Resolved {
    /// A helper: the name the importing file calls it, the file that
    /// declares it and its name there.
    Helper {
        local: String,
        file: String,
        remote: String,
    },
    /// A whole module bound to a name (`import * as mail`).
    Module { local: String, file: String },
}

/// One source file as the reach reads it.
pub struct ReachFile<'a> {
    /// Its path.
    pub path: &'a str,
    /// Its text.
    pub source: &'a str,
    /// Its language.
    pub language: Language,
    /// Its model.
    pub model: &'a FileModel,
}

/// The imports of every file, resolved to the project's files, and the
/// summaries of every file's helpers seen as far as [`MAX_FILE_HOPS`] files.
pub struct Reach {
    /// Per file (same order as the input): the helpers it imports, each
    /// resolved once to the file that declares it.
    imports: Vec<Vec<Resolved>>,
    /// Per file path: its module-level helpers' summaries, by name.
    exports: HashMap<String, HashMap<String, Summary>>,
}

impl Reach {
    /// Resolve the imports of `files` and summarise their helpers across
    /// files.
    pub fn read(files: &[ReachFile<'_>], manifests: &Manifests, config: &Config) -> Reach {
        let known: HashSet<&str> = files.iter().map(|f| f.path).collect();
        let texts: Vec<Cow<'_, str>> = files
            .par_iter()
            .map(|file| with_resolved_aliases(file, manifests, &known))
            .collect();
        let imports: Vec<Vec<ImportedName>> = files
            .par_iter()
            .zip(texts.par_iter())
            .map(|(file, text)| project_imports(file.language, file.path, text))
            .collect();
        let forwards: HashMap<String, Vec<ImportedName>> = files
            .par_iter()
            .zip(texts.par_iter())
            .zip(imports.par_iter())
            .filter_map(|((file, text), imported)| {
                let passed = forwarded_names(file, text, imported);
                (!passed.is_empty()).then(|| (file.path.to_string(), passed))
            })
            .collect();
        let declared: HashMap<&str, HashSet<&str>> = files
            .iter()
            .map(|file| (file.path, module_functions(file.model)))
            .collect();
        let mut cache: HashMap<(String, String), Option<String>> = HashMap::new();
        let imports: Vec<Vec<Resolved>> = imports
            .iter()
            .map(|names| resolve_imports(names, &known, &declared, &forwards, &mut cache))
            .collect();
        let mut reach = Reach {
            imports,
            exports: HashMap::new(),
        };
        reach.exports = files
            .par_iter()
            .filter_map(|file| {
                let exported = exported_summaries(file, config, &[]);
                (!exported.is_empty()).then(|| (file.path.to_string(), exported))
            })
            .collect();
        // A file is summarised again only when what it imports changed.
        let mut seen: Vec<Imported> = vec![Vec::new(); files.len()];
        for _ in 0..MAX_FILE_HOPS {
            let changed: Vec<(usize, Imported, Exported)> = files
                .par_iter()
                .enumerate()
                .filter_map(|(index, file)| {
                    let mut imported = reach.imported(index);
                    imported.sort_by(|a, b| a.0.cmp(&b.0));
                    if imported == seen[index] {
                        return None;
                    }
                    let exported = exported_summaries(file, config, &imported);
                    Some((index, imported, exported))
                })
                .collect();
            if changed.is_empty() {
                break;
            }
            let mut moved = false;
            for (index, imported, exported) in changed {
                seen[index] = imported;
                let path = files[index].path;
                let same = match reach.exports.get(path) {
                    Some(before) => *before == exported,
                    None => exported.is_empty(),
                };
                if !same {
                    moved = true;
                    reach.exports.insert(path.to_string(), exported);
                }
            }
            if !moved {
                break;
            }
        }
        reach
    }

    /// The summaries of the helpers the file at `index` imports, by the
    /// name it calls them.
    pub fn imported(&self, index: usize) -> Vec<(String, Summary)> {
        let mut out = Vec::new();
        for name in &self.imports[index] {
            match name {
                Resolved::Helper {
                    local,
                    file,
                    remote,
                } => {
                    if let Some(summary) = self.exports.get(file).and_then(|f| f.get(remote)) {
                        out.push((local.clone(), summary.clone()));
                    }
                }
                Resolved::Module { local, file } => {
                    if let Some(functions) = self.exports.get(file) {
                        for (function, summary) in functions {
                            out.push((format!("{local}.{function}"), summary.clone()));
                        }
                    }
                }
            }
        }
        out
    }
}

/// The module-level functions a file declares, by name.
fn module_functions(model: &FileModel) -> HashSet<&str> {
    fn in_nodes<'m>(nodes: &'m [Node], out: &mut HashSet<&'m str>) {
        for node in nodes {
            match node {
                Node::Function(function)
                    if function.origin == FunctionOrigin::Declaration
                        && function.class.is_none() =>
                {
                    out.insert(short_name(function));
                }
                Node::Block(block) if matches!(block.kind, BlockKind::Plain) => {
                    in_nodes(&block.body, out);
                }
                _ => {}
            }
        }
    }
    let mut out = HashSet::new();
    in_nodes(&model.module.body, &mut out);
    out
}

/// A file's imports resolved to the files that declare them; `cache`
/// keeps each `(file, name)` resolution, so that an index file passing on
/// hundreds of names is read once.
fn resolve_imports(
    names: &[ImportedName],
    known: &HashSet<&str>,
    declared: &HashMap<&str, HashSet<&str>>,
    forwards: &HashMap<String, Vec<ImportedName>>,
    cache: &mut HashMap<(String, String), Option<String>>,
) -> Vec<Resolved> {
    let mut out = Vec::new();
    for name in names {
        let mut files = name
            .candidates
            .iter()
            .filter(|c| known.contains(c.as_str()));
        match &name.remote {
            Some(remote) => {
                let found = files.find_map(|file| {
                    declaring_file(
                        file,
                        remote,
                        declared,
                        forwards,
                        cache,
                        0,
                        &mut HashSet::new(),
                    )
                });
                if let Some((file, remote)) = found {
                    out.push(Resolved::Helper {
                        local: name.local.clone(),
                        file,
                        remote,
                    });
                }
            }
            None => {
                if let Some(file) = files.next() {
                    out.push(Resolved::Module {
                        local: name.local.clone(),
                        file: file.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The file that declares `name` as the file at `path` offers it (its
/// own, or one it passes on from another module), with its name there.
fn declaring_file(
    path: &str,
    name: &str,
    declared: &HashMap<&str, HashSet<&str>>,
    forwards: &HashMap<String, Vec<ImportedName>>,
    cache: &mut HashMap<(String, String), Option<String>>,
    depth: usize,
    visited: &mut HashSet<String>,
) -> Option<(String, String)> {
    if declared.get(path).is_some_and(|names| names.contains(name)) {
        return Some((path.to_string(), name.to_string()));
    }
    let key = (path.to_string(), name.to_string());
    if let Some(known) = cache.get(&key) {
        return known.clone().map(|found| {
            let (file, remote) = found.split_once('\n').unwrap_or((&found, name));
            (file.to_string(), remote.to_string())
        });
    }
    if depth >= MAX_REEXPORT_HOPS || !visited.insert(path.to_string()) {
        return None;
    }
    let mut found = None;
    if let Some(forwarded) = forwards.get(path) {
        'search: for passed in forwarded {
            let remote = match (passed.local.as_str(), passed.remote.as_deref()) {
                ("*", _) => name,
                (local, Some(remote)) if local == name => remote,
                _ => continue,
            };
            for file in &passed.candidates {
                if let Some(hit) =
                    declaring_file(file, remote, declared, forwards, cache, depth + 1, visited)
                {
                    found = Some(hit);
                    break 'search;
                }
            }
        }
    }
    cache.insert(
        key,
        found
            .as_ref()
            .map(|(file, remote)| format!("{file}\n{remote}")),
    );
    found
}

/// Functions bound to a name at module level (`export const sendEmail =
/// async (..) => {..}`) are the module's helpers as much as `function`
/// declarations are: a codebase written in that style has no other. They
/// are marked declared, so that their summaries are made, exported and
/// resolved by name like a declaration's.
pub fn declare_bound_functions(model: &mut FileModel) {
    fn in_nodes(nodes: &mut [Node]) {
        for node in nodes {
            match node {
                Node::Function(function)
                    if function.origin == FunctionOrigin::Anonymous
                        && is_identifier(&function.name) =>
                {
                    function.origin = FunctionOrigin::Declaration;
                }
                Node::Block(block) if matches!(block.kind, BlockKind::Plain) => {
                    in_nodes(&mut block.body);
                }
                _ => {}
            }
        }
    }
    in_nodes(&mut model.module.body);
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A JS/TS file's text with every specifier that names a project file
/// through a `tsconfig.json` alias or a workspace package by name
/// (`@/lib/mail`, `@acme/jobs`) written as the relative path of that file,
/// so that the import readers, which only follow relative specifiers, see it.
fn with_resolved_aliases<'a>(
    file: &ReachFile<'a>,
    manifests: &Manifests,
    known: &HashSet<&str>,
) -> Cow<'a, str> {
    if !matches!(
        file.language,
        Language::JavaScript | Language::TypeScript | Language::Tsx
    ) {
        return Cow::Borrowed(file.source);
    }
    let depth = file.path.matches('/').count();
    JS_SPECIFIER.replace_all(file.source, |caps: &regex::Captures<'_>| {
        let specifier = &caps[3];
        let whole = caps[0].to_string();
        if specifier.starts_with('.') {
            return whole;
        }
        let found = manifests
            .js_alias_candidates(file.path, specifier)
            .into_iter()
            .find(|candidate| known.contains(candidate.as_str()));
        match found {
            Some(target) => format!(
                "{}{}./{}{target}{}",
                &caps[1],
                &caps[2],
                "../".repeat(depth),
                &caps[2]
            ),
            None => whole,
        }
    })
}

/// The names a file passes on from other modules: JS/TS `export .. from`,
/// a Python package's imports, Rust `pub use` (named, and whole modules).
fn forwarded_names(
    file: &ReachFile<'_>,
    text: &str,
    imported: &[ImportedName],
) -> Vec<ImportedName> {
    match file.language {
        Language::Rust => {
            let mut out: Vec<ImportedName> = imported
                .iter()
                .filter(|name| name.remote.is_some())
                .cloned()
                .collect();
            for caps in RUST_GLOB_REEXPORT.captures_iter(text) {
                let module = &caps[1];
                let module = if ["self::", "crate::", "super::"]
                    .iter()
                    .any(|prefix| module.starts_with(prefix))
                {
                    module.to_string()
                } else {
                    format!("self::{module}")
                };
                if let Some(candidates) = module_candidates(Language::Rust, file.path, &module) {
                    // The longest prefix first: the module's own file.
                    out.push(ImportedName {
                        local: "*".to_string(),
                        remote: None,
                        candidates: candidates.into_iter().take(2).collect(),
                    });
                }
            }
            out
        }
        language => reexports(language, file.path, text),
    }
}

/// The summaries of a file's module-level functions that reach, open or
/// defer something, by name, with the helpers it imports (`imported`) laid
/// over; chains name the file (`orders/notify.py:4`).
fn exported_summaries(
    file: &ReachFile<'_>,
    config: &Config,
    imported: &[(String, Summary)],
) -> HashMap<String, Summary> {
    let packs = config.knowledge.for_ecosystem(file.language.ecosystem());
    let shown = file.path.to_string();
    let mut summaries = Summaries::new(
        file.model,
        packs,
        Box::new(move |function| format!("{shown}:{}", function.span.start_line)),
    );
    for (name, summary) in imported {
        summaries.add_imported(name, summary.clone());
    }
    summaries
        .all()
        .into_iter()
        .filter(|(function, summary)| function.class.is_none() && *summary != Summary::default())
        .map(|(function, summary)| (short_name(function).to_string(), summary))
        .collect()
}
