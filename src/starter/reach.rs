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
    /// Per file (same order as the input): the names it imports.
    imports: Vec<Vec<ImportedName>>,
    /// Per file path: the names it passes on from other modules.
    forwards: HashMap<String, Vec<ImportedName>>,
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
        let mut reach = Reach {
            imports,
            forwards,
            exports: HashMap::new(),
        };
        reach.exports = files
            .par_iter()
            .filter_map(|file| {
                let exported = exported_summaries(file, config, &[]);
                (!exported.is_empty()).then(|| (file.path.to_string(), exported))
            })
            .collect();
        for _ in 0..MAX_FILE_HOPS {
            let changed: Vec<(String, HashMap<String, Summary>)> = files
                .par_iter()
                .enumerate()
                .filter_map(|(index, file)| {
                    let imported = reach.imported(index, &known);
                    if imported.is_empty() {
                        return None;
                    }
                    let exported = exported_summaries(file, config, &imported);
                    let before = reach.exports.get(file.path);
                    let same = match before {
                        Some(before) => *before == exported,
                        None => exported.is_empty(),
                    };
                    (!same).then(|| (file.path.to_string(), exported))
                })
                .collect();
            if changed.is_empty() {
                break;
            }
            for (path, exported) in changed {
                reach.exports.insert(path, exported);
            }
        }
        reach
    }

    /// The summaries of the helpers the file at `index` imports, by the
    /// name it calls them.
    pub fn imported(&self, index: usize, known: &HashSet<&str>) -> Vec<(String, Summary)> {
        let mut out = Vec::new();
        for name in &self.imports[index] {
            let files = name
                .candidates
                .iter()
                .filter(|c| known.contains(c.as_str()));
            match &name.remote {
                Some(remote) => {
                    let found = files
                        .into_iter()
                        .find_map(|file| self.lookup(file, remote, 0, &mut HashSet::new()));
                    if let Some(summary) = found {
                        out.push((name.local.clone(), summary));
                    }
                }
                None => {
                    let Some(file) = files.into_iter().next() else {
                        continue;
                    };
                    if let Some(functions) = self.exports.get(file.as_str()) {
                        for (function, summary) in functions {
                            out.push((format!("{}.{function}", name.local), summary.clone()));
                        }
                    }
                }
            }
        }
        out
    }

    /// The summary of `name` as the file at `path` offers it: its own
    /// helper, or one it passes on from another module.
    fn lookup(
        &self,
        path: &str,
        name: &str,
        depth: usize,
        visited: &mut HashSet<String>,
    ) -> Option<Summary> {
        if let Some(summary) = self.exports.get(path).and_then(|f| f.get(name)) {
            return Some(summary.clone());
        }
        if depth >= MAX_REEXPORT_HOPS || !visited.insert(path.to_string()) {
            return None;
        }
        let forwarded = self.forwards.get(path)?;
        for passed in forwarded {
            let remote = match (passed.local.as_str(), passed.remote.as_deref()) {
                ("*", _) => name,
                (local, Some(remote)) if local == name => remote,
                _ => continue,
            };
            for file in &passed.candidates {
                if let Some(summary) = self.lookup(file, remote, depth + 1, visited) {
                    return Some(summary);
                }
            }
        }
        None
    }
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
