//! The project's helpers that a file imports, in a whole-repository scan
//! (`--all-files`): the same see-through as a change's review (see
//! [`super::helpers`]), read on demand.
//!
//! An audit reports what each file does itself: the helpers are read to know
//! what the file's own calls mean — a task whose enqueue waits for the commit,
//! a wrapper that defers, a method of the project's own class that a pack
//! would take for an SDK call by its name — never to report a chain into
//! another file. They only ever quiet, so they are read only for the files
//! that have findings without them. Chains
//! are reported in review, with the change that makes them; on whole
//! repositories they were mostly the project's own plumbing (cache
//! notifications between its processes, tasks deferred three files away).
//!
//! There is no change to batch the reads by, and the files stream past in
//! path order, so an imported file is read from the scanned tree when a file
//! that imports it is analysed, summarised once, and its summaries (never its
//! text) kept for every other file that imports it. A task file's `base=`
//! classes from a third file are followed the same way, one hop further, as
//! in review.

use super::helpers::{
    ALIAS_IMPORT, Exports, ImportedHelpers, MAX_REEXPORT_HOPS, bind_name, deferring_task_classes,
    file_exports, finish, is_js_manifest, is_package_index, may_declare_task_class,
};
use crate::config::Config;
use crate::diff::PathReader;
use crate::flow::imports::{ImportedName, project_imports_with, reexports};
use crate::model::Language;
use crate::related::Manifests;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

/// At most this many distinct paths are looked up for helpers in one scan
/// (each import names a few candidate files; a lookup that finds nothing
/// keeps about a hundred bytes); past it, imports of paths not yet seen are
/// not seen through, and memory stays bounded on a monorepo.
const MAX_HELPER_PATHS: usize = 250_000;

/// How deep imports are followed: with 1, a scanned file's imports are
/// summarised from their own text; with 2, with their own imports' summaries
/// too (cycles end at the last level). 2 cost 15% more time on a Django
/// application and changed no finding of the corpus, so one level it is.
const LEVELS: usize = 1;

/// What one path yields to the files that import it.
#[derive(Debug, Default)]
struct Entry {
    /// Whether a regular file exists there.
    exists: bool,
    /// Its exported summaries per level, once summarised (`Some(None)`: not
    /// text, or not a supported language).
    exports: [Option<Option<Arc<Exports>>>; LEVELS],
    /// The task classes it declares that defer their sends, once looked for.
    task_classes: Option<Arc<HashSet<String>>>,
}

/// The imported helpers of the files of one whole-repository scan.
pub(super) struct RepositoryHelpers<'c> {
    config: &'c Config,
    reader: Mutex<PathReader>,
    entries: Mutex<HashMap<String, Entry>>,
    /// The JS/TS manifests, read when a file first imports what may be an
    /// alias of the project (`@/lib/mail`); `None` when there are none.
    manifests: OnceLock<Option<Manifests>>,
}

impl<'c> RepositoryHelpers<'c> {
    /// Helpers read with `reader` (the scanned tree, or the work tree).
    pub fn new(config: &'c Config, reader: PathReader) -> RepositoryHelpers<'c> {
        RepositoryHelpers {
            config,
            reader: Mutex::new(reader),
            entries: Mutex::new(HashMap::new()),
            manifests: OnceLock::new(),
        }
    }

    /// The helpers the file at `path` imports from other files of the
    /// project, by the local name it calls them, with what they reach left
    /// out (see the module's documentation).
    pub fn of(&self, language: Language, path: &str, text: &str) -> ImportedHelpers {
        let mut helpers = self.imported(language, path, text, 0);
        // What a helper reaches, and a transaction it opens, are left out: a
        // call to it is the project's own call, neither a chain nor an SDK
        // call by its name, and the helpers only ever quiet the file's calls.
        for (_, summary) in &mut helpers {
            summary.reach_withheld = summary.reaches.take().is_some();
            summary.opens_transaction = false;
            summary.opens_transaction_sometimes = false;
        }
        helpers
    }

    /// The helpers a file imports, summarised at `level` (see [`LEVELS`]).
    fn imported(
        &self,
        language: Language,
        path: &str,
        text: &str,
        level: usize,
    ) -> ImportedHelpers {
        let mut helpers = Vec::new();
        let manifests = self.manifests_for(language, text);
        let aliases = |importer: &str, specifier: &str| {
            manifests.map_or_else(Vec::new, |m| m.js_alias_candidates(importer, specifier))
        };
        for name in project_imports_with(language, path, text, &aliases) {
            if let Some((defined, exports)) = self.definition(&name, path, level) {
                bind_name(&defined, &exports, &mut helpers);
            }
        }
        finish(helpers)
    }

    /// The project's JS/TS manifests, when a JS/TS file's `text` imports
    /// what may be an alias of the project: read once per scan, from the
    /// listed tree.
    fn manifests_for(&self, language: Language, text: &str) -> Option<&Manifests> {
        let js = matches!(
            language,
            Language::JavaScript | Language::TypeScript | Language::Tsx
        );
        if !js || !ALIAS_IMPORT.is_match(text) {
            return None;
        }
        self.manifests
            .get_or_init(|| {
                let reader = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
                let found: Vec<(String, String)> = reader
                    .listed_paths(&is_js_manifest)
                    .into_iter()
                    .filter_map(|path| {
                        let text = reader.text(&path)?;
                        Some((path, text))
                    })
                    .collect();
                (!found.is_empty()).then(|| {
                    Manifests::read(
                        found
                            .iter()
                            .map(|(path, text)| (path.as_str(), text.as_str())),
                        &BTreeSet::new(),
                    )
                })
            })
            .as_ref()
    }

    /// Where `name` is defined: the first of its candidate files that exists,
    /// or — when that file is a package's index (`__init__.py`, `index.ts`)
    /// that only re-exports the name from one of its modules — that module,
    /// followed up to [`MAX_REEXPORT_HOPS`] times. The name is returned as
    /// the defining file knows it, bound under the importing file's local name.
    fn definition(
        &self,
        name: &ImportedName,
        importer: &str,
        level: usize,
    ) -> Option<(ImportedName, Arc<Exports>)> {
        let mut current = name.clone();
        let mut from = importer.to_string();
        for _ in 0..=MAX_REEXPORT_HOPS {
            let found = self.first_existing(&current, &from)?;
            let exports = self.exports(&found, level)?;
            let Some(remote) = current.remote.as_deref() else {
                return Some((current, exports));
            };
            let prefix = format!("{remote}.");
            let defined_here =
                exports.contains_key(remote) || exports.keys().any(|k| k.starts_with(&prefix));
            if defined_here || !is_package_index(&found) {
                return Some((current, exports));
            }
            let text = self.read(&found)?;
            let language = Language::from_path(&found)?;
            let passed_on = reexports(language, &found, &text);
            let named = passed_on.iter().find(|inner| inner.local == remote);
            let next = match named {
                Some(inner) => ImportedName {
                    local: name.local.clone(),
                    remote: inner.remote.clone(),
                    candidates: inner.candidates.clone(),
                },
                // `export * from './mail'`: the first module that defines it.
                None => passed_on
                    .iter()
                    .filter(|inner| inner.local == "*")
                    .map(|inner| ImportedName {
                        local: name.local.clone(),
                        remote: Some(remote.to_string()),
                        candidates: inner.candidates.clone(),
                    })
                    .find(|inner| {
                        self.first_existing(inner, &found)
                            .and_then(|module| self.exports(&module, level))
                            .is_some_and(|exports| {
                                exports.contains_key(remote)
                                    || exports.keys().any(|k| k.starts_with(&prefix))
                            })
                    })?,
            };
            current = next;
            from = found;
        }
        None
    }

    /// The first of `name`'s candidate files that exists and is not ignored
    /// (never the importing file itself).
    fn first_existing(&self, name: &ImportedName, importer: &str) -> Option<String> {
        name.candidates
            .iter()
            .filter(|c| c.as_str() != importer && !self.config.is_ignored(c))
            .find(|c| self.exists(c))
            .cloned()
    }

    /// Whether a regular file exists at `path`, looked up once.
    fn exists(&self, path: &str) -> bool {
        let mut entries = self.lock();
        if let Some(entry) = entries.get(path) {
            return entry.exists;
        }
        if entries.len() >= MAX_HELPER_PATHS {
            return false;
        }
        let exists = self
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .exists(path);
        entries.insert(
            path.to_string(),
            Entry {
                exists,
                ..Entry::default()
            },
        );
        exists
    }

    /// A file's text, read for one summary (texts are not kept).
    fn read(&self, path: &str) -> Option<String> {
        self.reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .text(path)
    }

    /// A file's exports at `level`, summarised once: below the last level
    /// with the summaries of the helpers the file itself imports.
    fn exports(&self, path: &str, level: usize) -> Option<Arc<Exports>> {
        if let Some(known) = self.lock().get(path).and_then(|e| e.exports[level].clone()) {
            return known;
        }
        let task_bases_of = |candidates: &[String]| -> Option<HashSet<String>> {
            let found = candidates
                .iter()
                .filter(|c| !self.config.is_ignored(c))
                .find(|c| self.exists(c))?;
            let classes = self.task_classes(found);
            (!classes.is_empty()).then(|| (*classes).clone())
        };
        let exports = self
            .read(path)
            .and_then(|text| {
                let language = Language::from_path(path)?;
                let imported = if level + 1 < LEVELS {
                    self.imported(language, path, &text, level + 1)
                } else {
                    Vec::new()
                };
                file_exports(path, &text, &task_bases_of, &imported, self.config)
            })
            .map(Arc::new);
        self.lock().entry(path.to_string()).or_default().exports[level]
            .get_or_insert_with(|| exports.clone());
        exports
    }

    /// The deferring task classes a file declares, looked for once.
    fn task_classes(&self, path: &str) -> Arc<HashSet<String>> {
        if let Some(known) = self.lock().get(path).and_then(|e| e.task_classes.clone()) {
            return known;
        }
        let classes = Arc::new(
            self.read(path)
                .filter(|text| may_declare_task_class(text))
                .map(|text| deferring_task_classes(path, &text, self.config))
                .unwrap_or_default(),
        );
        self.lock()
            .entry(path.to_string())
            .or_default()
            .task_classes
            .get_or_insert_with(|| Arc::clone(&classes));
        classes
    }

    /// How many files were read and summarised for their helpers.
    pub fn files_read(&self) -> usize {
        self.lock()
            .values()
            .filter(|entry| {
                entry.exports.iter().any(Option::is_some) || entry.task_classes.is_some()
            })
            .count()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
