//! The project's helpers that the touched files import, summarised before the
//! touched files are checked: `email_receipt` imported from
//! `orders/notify.py` is a sink for the rules when it sends mail.
//!
//! The imports are read from the touched files' text, the files they may
//! name are read from the repository in one batch (the change's own version
//! when the imported file is touched too, per side), parsed in parallel, and
//! their module-level functions summarised with their own same-file helpers
//! (see [`crate::flow::derived`]).

use super::contract::RepositoryScope;
use crate::config::Config;
use crate::diff::{self, ChangedFile};
use crate::flow::derived::{Summaries, Summary, short_name};
use crate::flow::imports::{
    DEFAULT_EXPORT, ImportedName, declares, js_default_export, project_imports,
    project_imports_with, reexports,
};
use crate::lang;
use crate::model::Language;
use crate::related::Manifests;
use rayon::prelude::*;
use regex::Regex;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Imported helpers by local name, for one version of one touched file.
pub type ImportedHelpers = Vec<(String, Summary)>;

/// The imported helpers of every touched file, per side.
#[derive(Debug, Default)]
pub(super) struct HelperIndex {
    head: HashMap<String, ImportedHelpers>,
    base: HashMap<String, ImportedHelpers>,
    /// Untouched files read for their helpers.
    pub files_read: usize,
}

impl HelperIndex {
    /// The helpers the head version of `path` imports.
    pub fn head(&self, path: &str) -> &[(String, Summary)] {
        self.head.get(path).map_or(&[], Vec::as_slice)
    }

    /// The helpers the base version of `path` imports.
    pub fn base(&self, path: &str) -> &[(String, Summary)] {
        self.base.get(path).map_or(&[], Vec::as_slice)
    }
}

/// Which version of the change.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Head,
    Base,
}

/// Summarise the helpers the touched files import. Problems reading the
/// repository leave the helpers unknown (never guessed) with a warning.
pub(super) fn imported_helpers(
    files: &[ChangedFile],
    scope: &RepositoryScope<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> HelperIndex {
    let mut imports = touched_imports(files, scope, warnings);
    if imports.is_empty() {
        return HelperIndex::default();
    }
    let touched: HashMap<&str, &ChangedFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut untouched = read_imported(&imports, &touched, scope, config, warnings);
    follow_reexports(&mut imports, &touched, &mut untouched, scope, config);
    let head_texts = side_texts(&untouched, &touched, Side::Head);
    let base_texts = side_texts(&untouched, &touched, Side::Base);
    let head_needed = needed_files(&imports, &head_texts);
    let base_needed = needed_files(&imports, &base_texts);
    // The helper files' own imports, one level further, so that a helper's
    // call of a task or wrapper from another file is seen for what it is.
    let further = read_further(
        head_needed.iter().chain(&base_needed),
        &head_texts,
        scope,
        config,
    );
    let task_bases = task_base_files(
        head_needed.iter().chain(&base_needed).chain(&further),
        &head_texts,
        scope,
        config,
        warnings,
    );
    let helper_texts: HashMap<&str, &str> = head_texts
        .iter()
        .map(|(p, t)| (*p, *t))
        .chain(further.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .collect();
    let level_one = level_one_exports(
        head_needed.iter().chain(&base_needed),
        &helper_texts,
        &task_bases.classes,
        config,
    );
    let imported_of = |path: &str, text: &str| -> ImportedHelpers {
        let Some(language) = Language::from_path(path) else {
            return Vec::new();
        };
        let names: Vec<ImportedName> = project_imports(language, path, text)
            .into_iter()
            .filter(|name| !name.candidates.iter().any(|c| c == path))
            .collect();
        bind(&names, &helper_texts, &level_one)
    };
    let head_exports = exports(head_needed, &task_bases.classes, &imported_of, config);
    let base_exports = exports(base_needed, &task_bases.classes, &imported_of, config);
    let mut index = HelperIndex {
        files_read: untouched.len() + further.len() + task_bases.files_read,
        ..HelperIndex::default()
    };
    for (file, side, names) in &imports {
        let (texts, exported, target) = match side {
            Side::Head => (&head_texts, &head_exports, &mut index.head),
            Side::Base => (&base_texts, &base_exports, &mut index.base),
        };
        let helpers = bind(names, texts, exported);
        if !helpers.is_empty() {
            target.insert(file.path.clone(), helpers);
        }
    }
    index
}

/// The untouched files the touched files' imports may name, read in one
/// batch; none, with a warning, when the repository cannot be read.
fn read_imported(
    imports: &[(&ChangedFile, Side, Vec<ImportedName>)],
    touched: &HashMap<&str, &ChangedFile>,
    scope: &RepositoryScope<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> Vec<(String, String)> {
    let wanted: HashSet<&str> = imports
        .iter()
        .flat_map(|(_, _, names)| names.iter().flat_map(|n| n.candidates.iter()))
        .map(String::as_str)
        .filter(|path| !touched.contains_key(path) && !config.is_ignored(path))
        .collect();
    read_untouched(scope, &wanted).unwrap_or_else(|error| {
        warnings.push(format!(
            "imported helpers: cannot read the repository ({error}); helpers in other files were not seen through"
        ));
        Vec::new()
    })
}

/// What the files the helper files import (touched, read or read further)
/// export, summarised from their own text.
fn level_one_exports<'a>(
    helper_files: impl Iterator<Item = &'a (String, String)>,
    helper_texts: &HashMap<&str, &str>,
    task_bases: &HashMap<String, HashSet<String>>,
    config: &Config,
) -> HashMap<String, Exports> {
    let files: HashMap<String, String> = helper_files
        .filter_map(|(path, text)| Some((path, text, Language::from_path(path)?)))
        .flat_map(|(path, text, language)| project_imports(language, path, text))
        .filter_map(|name| {
            let found = name
                .candidates
                .iter()
                .find(|c| helper_texts.contains_key(c.as_str()))?;
            Some((found.clone(), helper_texts.get(found.as_str())?.to_string()))
        })
        .collect();
    exports(
        files.into_iter().collect(),
        task_bases,
        &|_, _| Vec::new(),
        config,
    )
}

/// The project imports of every touched file, per side, with the project's
/// JS/TS aliases resolved when a touched file may use one.
fn touched_imports<'f>(
    files: &'f [ChangedFile],
    scope: &RepositoryScope<'_>,
    warnings: &mut Vec<String>,
) -> Vec<(&'f ChangedFile, Side, Vec<ImportedName>)> {
    let manifests = js_manifests(files, scope, warnings);
    let aliases = |path: &str, specifier: &str| {
        manifests
            .as_ref()
            .map_or_else(Vec::new, |m| m.js_alias_candidates(path, specifier))
    };
    files
        .par_iter()
        .flat_map_iter(|file| {
            let language = Language::from_path(&file.path);
            let aliases = &aliases;
            [
                (Side::Head, file.head_text.as_deref()),
                (Side::Base, file.base_text.as_deref()),
            ]
            .into_iter()
            .filter_map(move |(side, text)| {
                let imports = project_imports_with(language?, &file.path, text?, aliases);
                (!imports.is_empty()).then_some((file, side, imports))
            })
        })
        .collect()
}

/// Every text known for one side: the untouched files read, and the touched
/// files' own version on that side.
fn side_texts<'a>(
    untouched: &'a [(String, String)],
    touched: &HashMap<&'a str, &'a ChangedFile>,
    side: Side,
) -> HashMap<&'a str, &'a str> {
    let mut map: HashMap<&str, &str> = untouched
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    for (path, file) in touched {
        let text = match side {
            Side::Head => file.head_text.as_deref(),
            Side::Base => file.base_text.as_deref(),
        };
        if let Some(text) = text {
            map.insert(path, text);
        }
    }
    map
}

/// The files the imports name that one side has, with their text: the first
/// existing candidate of each imported name.
fn needed_files(
    imports: &[(&ChangedFile, Side, Vec<ImportedName>)],
    texts: &HashMap<&str, &str>,
) -> Vec<(String, String)> {
    let mut paths: Vec<&str> = imports
        .iter()
        .flat_map(|(_, _, names)| names.iter())
        .filter_map(|name| {
            name.candidates
                .iter()
                .map(String::as_str)
                .find(|c| texts.contains_key(c))
        })
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|p| Some((p.to_string(), texts.get(p)?.to_string())))
        .collect()
}

/// A specifier a touched JS/TS file imports that may be a project alias:
/// `@/lib/mail`, `~/jobs`, `#mail`, or a scoped package `@acme/mail`.
pub(super) static ALIAS_IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:\bfrom|\brequire\s*\()\s*['"](?:@|~|#)[\w./-]"#)
        .unwrap_or_else(|_| unreachable!("valid literal regex"))
});

/// The project's JS/TS manifests (`package.json` names and exports,
/// `tsconfig.json` `paths`), read from the head's tree when a touched JS/TS
/// file imports something that may be an alias of the project; `None`
/// otherwise (the tree is not listed for nothing).
fn js_manifests(
    files: &[ChangedFile],
    scope: &RepositoryScope<'_>,
    warnings: &mut Vec<String>,
) -> Option<Manifests> {
    let may_alias = files.iter().any(|file| {
        matches!(
            Language::from_path(&file.path),
            Some(Language::JavaScript | Language::TypeScript | Language::Tsx)
        ) && [&file.head_text, &file.base_text]
            .into_iter()
            .flatten()
            .any(|text| ALIAS_IMPORT.is_match(text))
    });
    if !may_alias {
        return None;
    }
    let wants = |path: &str| is_js_manifest(path);
    let rev = match scope.head {
        "WORKTREE" => None,
        "INDEX" => Some(scope.base),
        commit => Some(commit),
    };
    match diff::read_tree_files(scope.root, rev, &wants) {
        Ok(found) => Some(Manifests::read(
            found
                .iter()
                .map(|(path, text)| (path.as_str(), text.as_str())),
            &std::collections::BTreeSet::new(),
        )),
        Err(error) => {
            warnings.push(format!(
                "imported helpers: cannot read the project's package.json and tsconfig.json ({error}); aliased imports were not seen through"
            ));
            None
        }
    }
}

/// Whether `path` is a JS/TS manifest that says how the project's imports
/// resolve (`package.json` names and exports, `tsconfig.json` `paths`),
/// outside `node_modules`.
pub(super) fn is_js_manifest(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "package.json" | "tsconfig.json" | "tsconfig.base.json"
    ) && !path.split('/').any(|part| part == "node_modules")
}

/// Names imported from a package's index (`from shop.models import
/// Invoice` answered by `shop/models/__init__.py`, `import { send } from
/// './mail'` by `mail/index.ts`) that the index only passes on from one of
/// its modules are rewritten to name that module, and the modules read —
/// in batches, up to [`MAX_REEXPORT_HOPS`] indexes deep. The index is read
/// from the head (the same in base for an untouched index).
fn follow_reexports(
    imports: &mut [(&ChangedFile, Side, Vec<ImportedName>)],
    touched: &HashMap<&str, &ChangedFile>,
    untouched: &mut Vec<(String, String)>,
    scope: &RepositoryScope<'_>,
    config: &Config,
) {
    for _ in 0..MAX_REEXPORT_HOPS {
        let known: HashMap<&str, &str> = untouched
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .chain(
                touched
                    .iter()
                    .filter_map(|(path, file)| Some((*path, file.head_text.as_deref()?))),
            )
            .collect();
        let mut wanted: HashSet<String> = HashSet::new();
        for (_, _, names) in imports.iter_mut() {
            for name in names.iter_mut() {
                let Some(remote) = name.remote.clone() else {
                    continue;
                };
                let Some(found) = name
                    .candidates
                    .iter()
                    .find(|c| known.contains_key(c.as_str()))
                else {
                    continue;
                };
                let (Some(language), Some(text)) =
                    (Language::from_path(found), known.get(found.as_str()))
                else {
                    continue;
                };
                if !is_package_index(found) || declares(language, text, &remote) {
                    continue;
                }
                let Some(inner) = reexports(language, found, text)
                    .into_iter()
                    .find(|inner| inner.local == remote)
                else {
                    continue;
                };
                wanted.extend(
                    inner
                        .candidates
                        .iter()
                        .filter(|c| !known.contains_key(c.as_str()) && !config.is_ignored(c))
                        .cloned(),
                );
                name.remote = inner.remote;
                name.candidates = inner.candidates;
            }
        }
        if wanted.is_empty() {
            return;
        }
        let wanted_refs: HashSet<&str> = wanted.iter().map(String::as_str).collect();
        match read_untouched(scope, &wanted_refs) {
            Ok(read) => untouched.extend(read),
            Err(_) => return,
        }
    }
}

/// How many package indexes a name is followed through to the module that
/// defines it.
pub(super) const MAX_REEXPORT_HOPS: usize = 3;

/// Whether `path` is a package's index file, whose names are usually passed
/// on from the package's modules.
pub(super) fn is_package_index(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file == "__init__.py"
        || file.strip_prefix("index.").is_some_and(|ext| {
            matches!(
                ext,
                "js" | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "mts" | "cts"
            )
        })
}

/// Read the wanted files that the change does not touch (the same in base
/// and head): from the head commit, the work tree, or for the index the base.
fn read_untouched(
    scope: &RepositoryScope<'_>,
    wanted: &HashSet<&str>,
) -> Result<Vec<(String, String)>, diff::DiffError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<&str> = wanted.iter().copied().collect();
    paths.sort_unstable();
    match scope.head {
        "WORKTREE" => diff::read_paths(scope.root, None, &paths),
        "INDEX" => diff::read_paths(scope.root, Some(scope.base), &paths),
        commit => diff::read_paths(scope.root, Some(commit), &paths),
    }
}

/// The deferring task classes of the files that the imported helpers' own
/// imports name, for helpers declared as tasks with a `base=` class from
/// another file (one hop further, only for files that declare such a task).
#[derive(Default)]
struct TaskBases {
    /// Deferring task classes by the path of the file declaring them.
    classes: HashMap<String, HashSet<String>>,
    files_read: usize,
}

/// Read, once, the files a helper file imports its `base=` task classes
/// from, and find the deferring task classes there and in the helper files.
fn task_base_files<'a>(
    helper_files: impl Iterator<Item = &'a (String, String)>,
    known: &HashMap<&str, &str>,
    scope: &RepositoryScope<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> TaskBases {
    let mut wanted: HashSet<String> = HashSet::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    for (path, text) in helper_files {
        if !text.contains("base=") {
            continue;
        }
        texts.push((path.clone(), text.clone()));
        wanted.extend(unread_imports(path, text, known, config));
    }
    if texts.is_empty() {
        return TaskBases::default();
    }
    let wanted_refs: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let read = read_untouched(scope, &wanted_refs).unwrap_or_else(|error| {
        warnings.push(format!(
            "imported task classes: cannot read the repository ({error}); task classes in other files were not seen through"
        ));
        Vec::new()
    });
    let files_read = read.len();
    let mut all: Vec<(String, String)> = read;
    all.extend(texts);
    for (path, text) in known {
        if may_declare_task_class(text) {
            all.push(((*path).to_string(), (*text).to_string()));
        }
    }
    let classes = all
        .into_par_iter()
        .filter(|(_, text)| may_declare_task_class(text))
        .filter_map(|(path, text)| {
            let found = deferring_task_classes(&path, &text, config);
            (!found.is_empty()).then_some((path, found))
        })
        .collect();
    TaskBases {
        classes,
        files_read,
    }
}

/// The summaries of the module-level functions of each file, by path and
/// function name (see [`file_exports`]). `task_bases` are the deferring task
/// classes of other files, by path.
fn exports(
    files: Vec<(String, String)>,
    task_bases: &HashMap<String, HashSet<String>>,
    imported_of: &(dyn Fn(&str, &str) -> ImportedHelpers + Sync),
    config: &Config,
) -> HashMap<String, Exports> {
    files
        .into_par_iter()
        .filter_map(|(path, text)| {
            let classes_of =
                |candidates: &[String]| candidates.iter().find_map(|c| task_bases.get(c)).cloned();
            let imported = imported_of(&path, &text);
            let functions = file_exports(&path, &text, &classes_of, &imported, config)?;
            Some((path, functions))
        })
        .collect()
}

/// The files a file's project imports may name that are neither read yet
/// nor ignored.
fn unread_imports(
    path: &str,
    text: &str,
    known: &HashMap<&str, &str>,
    config: &Config,
) -> Vec<String> {
    let Some(language) = Language::from_path(path) else {
        return Vec::new();
    };
    project_imports(language, path, text)
        .into_iter()
        .flat_map(|name| name.candidates)
        .filter(|c| !known.contains_key(c.as_str()) && !config.is_ignored(c))
        .collect()
}

/// Read, once, the files the helper files import that are not read yet
/// (one level further than the touched files' imports).
fn read_further<'a>(
    helper_files: impl Iterator<Item = &'a (String, String)>,
    known: &HashMap<&str, &str>,
    scope: &RepositoryScope<'_>,
    config: &Config,
) -> Vec<(String, String)> {
    let wanted: HashSet<String> = helper_files
        .flat_map(|(path, text)| unread_imports(path, text, known, config))
        .collect();
    let wanted: HashSet<&str> = wanted.iter().map(String::as_str).collect();
    // Unreadable: the helpers are summarised from their own text, as before.
    read_untouched(scope, &wanted).unwrap_or_default()
}

/// What one file offers the files that import it, by function name
/// (`send_receipt`, `ApiClient.fetch`).
pub(super) type Exports = HashMap<String, Summary>;

/// The summaries of one file's module-level functions that reach, open or
/// defer something, and of every method of its classes (a method that
/// reaches nothing makes calls on the class's instances quiet). A task
/// declared with a `base=` class imported from another file defers when
/// `task_bases_of` (the deferring task classes of the first existing
/// candidate file of an import) names that class; `imported` are the
/// summaries of the helpers the file itself imports, when known. `None` for
/// an unsupported file.
pub(super) fn file_exports(
    path: &str,
    text: &str,
    task_bases_of: &dyn Fn(&[String]) -> Option<HashSet<String>>,
    imported: &[(String, Summary)],
    config: &Config,
) -> Option<Exports> {
    let language = Language::from_path(path)?;
    let model = lang::parse(language, text);
    let knowledge = config.knowledge.for_ecosystem(language.ecosystem());
    let shown = path.to_string();
    let mut summaries = Summaries::new(
        &model,
        knowledge,
        Box::new(move |function| format!("{shown}:{}", function.span.start_line)),
    )
    .in_file(path);
    for (name, summary) in imported {
        summaries.add_imported(name, summary.clone());
    }
    if text.contains("base=") {
        for name in project_imports(language, path, text) {
            match (task_bases_of(&name.candidates), &name.remote) {
                (Some(classes), Some(remote)) if classes.contains(remote) => {
                    summaries.add_deferring_task_class(&name.local);
                }
                (Some(classes), None) => {
                    for class in classes {
                        summaries.add_deferring_task_class(&format!("{}.{class}", name.local));
                    }
                }
                _ => {}
            }
        }
    }
    let mut exported: Exports = summaries
        .all()
        .into_iter()
        // Every function is exported, those that do nothing the summaries
        // tell too: a caller then knows the call is the project's code, seen
        // and found to write nothing, not code out of sight.
        .map(|(function, summary)| match &function.class {
            Some(class) => (format!("{class}.{}", short_name(function)), summary),
            None => (short_name(function).to_string(), summary),
        })
        .collect();
    // What a JS/TS file exports as its default, under `default` too: a
    // default import (`import fetch from './fetch'`) names it so.
    if matches!(
        language,
        Language::JavaScript | Language::TypeScript | Language::Tsx
    ) && let Some(name) = js_default_export(text)
    {
        let prefix = format!("{name}.");
        let aliases: Vec<(String, Summary)> = exported
            .iter()
            .filter_map(|(function, summary)| {
                let alias = if *function == name {
                    DEFAULT_EXPORT.to_string()
                } else {
                    format!("{DEFAULT_EXPORT}.{}", function.strip_prefix(&prefix)?)
                };
                Some((alias, summary.clone()))
            })
            .collect();
        exported.extend(aliases);
    }
    // A task class whose enqueue waits for the commit, under its own name:
    // a file that imports it and declares tasks with `base=` that class has
    // tasks that send after commit.
    for class in summaries.deferring_task_classes() {
        exported.insert(
            class.clone(),
            Summary {
                sends_after_commit: true,
                ..Summary::default()
            },
        );
    }
    Some(exported)
}

/// Whether a file may declare a task class that defers its sends
/// (`def apply_async` / `def delay` overridden): only those are parsed for
/// [`deferring_task_classes`].
pub(super) fn may_declare_task_class(text: &str) -> bool {
    text.contains("def apply_async") || text.contains("def delay")
}

/// The task classes one file declares that defer their sends to after commit.
pub(super) fn deferring_task_classes(path: &str, text: &str, config: &Config) -> HashSet<String> {
    let Some(language) = Language::from_path(path) else {
        return HashSet::new();
    };
    let model = lang::parse(language, text);
    let knowledge = config.knowledge.for_ecosystem(language.ecosystem());
    Summaries::new(&model, knowledge, Box::new(|_| String::new()))
        .deferring_task_classes()
        .clone()
}

/// The helpers one file version's imports bind, by local name.
fn bind(
    names: &[ImportedName],
    texts: &HashMap<&str, &str>,
    exported: &HashMap<String, Exports>,
) -> ImportedHelpers {
    let mut helpers = Vec::new();
    for name in names {
        let Some(path) = name
            .candidates
            .iter()
            .find(|c| texts.contains_key(c.as_str()))
        else {
            continue;
        };
        if let Some(functions) = exported.get(path) {
            bind_name(name, functions, &mut helpers);
        }
    }
    finish(helpers)
}

/// The helpers one imported name binds from the file it names: the function
/// or the class's methods (`from m import f`, `import { Client }`), or every
/// function under the module's local name (`import m`).
pub(super) fn bind_name(name: &ImportedName, functions: &Exports, helpers: &mut ImportedHelpers) {
    match &name.remote {
        Some(remote) => {
            if let Some(summary) = functions.get(remote) {
                helpers.push((name.local.clone(), summary.clone()));
            }
            // An imported class: its methods, under the local name.
            let prefix = format!("{remote}.");
            for (function, summary) in functions {
                if let Some(method) = function.strip_prefix(&prefix) {
                    helpers.push((format!("{}.{method}", name.local), summary.clone()));
                }
            }
        }
        None => {
            for (function, summary) in functions {
                helpers.push((format!("{}.{function}", name.local), summary.clone()));
            }
        }
    }
}

/// Sorted by local name, the first binding of a name kept.
pub(super) fn finish(mut helpers: ImportedHelpers) -> ImportedHelpers {
    helpers.sort_by(|a, b| a.0.cmp(&b.0));
    helpers.dedup_by(|a, b| a.0 == b.0);
    helpers
}
