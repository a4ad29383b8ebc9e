//! The project's helpers that a file imports, in a whole-repository scan
//! (`--all-files`): the same see-through as a change's review (see
//! [`super::helpers`]), read on demand.
//!
//! An audit reports what each file does itself: the helpers are read to know
//! what the file's own calls mean — a task whose enqueue waits for the commit,
//! a wrapper that defers or opens a transaction, a project client whose
//! methods reach nothing — never to report a chain into another file. Chains
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
    Exports, ImportedHelpers, bind_name, deferring_task_classes, file_exports, finish,
    may_declare_task_class,
};
use crate::config::Config;
use crate::diff::PathReader;
use crate::flow::imports::{ImportedName, project_imports};
use crate::model::Language;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// At most this many distinct paths are looked up for helpers in one scan;
/// past it, imports of paths not yet seen are not seen through (memory stays
/// bounded on a monorepo; a summary is small and the bound generous).
const MAX_HELPER_PATHS: usize = 20_000;

/// What one path yields to the files that import it.
#[derive(Debug, Default)]
struct Entry {
    /// Whether a regular file exists there.
    exists: bool,
    /// Its exported summaries, once summarised (`Some(None)`: not text, or
    /// not a supported language).
    exports: Option<Option<Arc<Exports>>>,
    /// The task classes it declares that defer their sends, once looked for.
    task_classes: Option<Arc<HashSet<String>>>,
}

/// The imported helpers of the files of one whole-repository scan.
pub(super) struct RepositoryHelpers<'c> {
    config: &'c Config,
    reader: Mutex<PathReader>,
    entries: Mutex<HashMap<String, Entry>>,
}

impl<'c> RepositoryHelpers<'c> {
    /// Helpers read with `reader` (the scanned tree, or the work tree).
    pub fn new(config: &'c Config, reader: PathReader) -> RepositoryHelpers<'c> {
        RepositoryHelpers {
            config,
            reader: Mutex::new(reader),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The helpers the file at `path` imports from other files of the
    /// project, by the local name it calls them, with what they reach left
    /// out (see the module's documentation).
    pub fn of(&self, language: Language, path: &str, text: &str) -> ImportedHelpers {
        let mut helpers = Vec::new();
        for name in project_imports(language, path, text) {
            if let Some(exports) = self
                .first_existing(&name, path)
                .and_then(|found| self.exports(&found))
            {
                bind_name(&name, &exports, &mut helpers);
            }
        }
        for (_, summary) in &mut helpers {
            summary.reaches = None;
        }
        finish(helpers)
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

    /// A file's exports, summarised once.
    fn exports(&self, path: &str) -> Option<Arc<Exports>> {
        if let Some(known) = self.lock().get(path).and_then(|e| e.exports.clone()) {
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
            .and_then(|text| file_exports(path, &text, &task_bases_of, self.config))
            .map(Arc::new);
        self.lock()
            .entry(path.to_string())
            .or_default()
            .exports
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

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
