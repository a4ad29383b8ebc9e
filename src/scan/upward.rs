//! Upward: helpers the change made riskier, judged at their callers in files
//! the change does not touch. Each search ([`UpwardSearch`]) picks its
//! helpers from the changed functions (one that now reaches a side effect,
//! hands back an unread response, or sends without a stable key) and says
//! which calls of a caller's file put them at risk (inside a transaction, a
//! dropped response, a retry). The repository is read once for all of them:
//! its source files are streamed in parallel, prefiltered by the helpers'
//! names, and only the files that mention one are parsed, once per search
//! that wants them.

use super::callers::{ChangedFunction, search_callers};
use super::contract::RepositoryScope;
use super::fingerprint::fingerprint;
use super::{AnalyzedFile, Finding, Status, to_finding};
use crate::config::Config;
use crate::flow::derived::{ReachedSink, Summary, file_knowledge};
use crate::flow::imports::{ImportedName, project_local_names};
use crate::lang;
use crate::model::{Language, Span};
use crate::rules::{FileContext, FileRule, RawFinding};

/// At most this many callers are listed per helper.
pub(super) const MAX_CALLERS: usize = 10;

/// A call, in a file the change does not touch, that puts a changed helper
/// at risk.
pub(super) struct Caller {
    pub path: String,
    /// The call of the helper.
    pub call: Span,
    /// What puts it at risk there, when it is a place of its own: the
    /// transaction's opener or the retry, with its name.
    pub around: Option<(Span, String)>,
    /// The function of the caller's file the call goes through, when the
    /// call at risk is of that function (`fulfill_order(..)`, which calls
    /// the helper) rather than of the helper itself.
    pub via: Option<String>,
    /// Whether the call was taken for the helper's by the method's name
    /// alone, on an object whose class the caller's file cannot name.
    pub guessed: bool,
}

/// A function of a touched file that a search looks for callers of, with
/// its new summary and the sink it now reaches.
pub(super) struct ChangedHelper {
    pub path: String,
    /// The declaring type or class, for a method.
    pub owner: Option<String>,
    /// The function's own name (`send`).
    pub name: String,
    /// Its stable name (`Entry.send`).
    pub function: String,
    pub summary: Summary,
    pub reached: ReachedSink,
    /// For a method: the classes of its file whose instances call it (see
    /// [`ChangedFunction::receivers`]).
    pub receivers: Vec<String>,
}

impl ChangedHelper {
    /// The changed function as a helper to search for, when its new
    /// version reaches a sink.
    pub fn of(changed: &ChangedFunction) -> Option<ChangedHelper> {
        Some(ChangedHelper {
            path: changed.path.clone(),
            owner: changed.owner.clone(),
            name: changed.name.clone(),
            function: changed.function.clone(),
            summary: changed.head.clone(),
            reached: changed.head.reaches.clone()?,
            receivers: changed.receivers.clone(),
        })
    }

    /// The name a caller's file must mention: the type for a method.
    pub fn searched(&self) -> &str {
        self.owner.as_deref().unwrap_or(&self.name)
    }

    /// What the helper is called in messages (`UpdateMessage.send`).
    pub fn shown(&self) -> String {
        match &self.owner {
            Some(owner) => format!("{owner}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The name a caller's file calls the helper by, through one of its
    /// imports that names the helper's file (`send_receipt`,
    /// `billing.send_receipt`, `Entry.post` for a method of an imported
    /// type).
    pub fn bound_by(&self, import: &ImportedName) -> Option<String> {
        if !import.candidates.iter().any(|c| c == &self.path) {
            return None;
        }
        match (&import.remote, &self.owner) {
            (Some(remote), None) if remote == &self.name => Some(import.local.clone()),
            (Some(remote), Some(owner)) if remote == owner => {
                Some(format!("{}.{}", import.local, self.name))
            }
            (None, None) => Some(format!("{}.{}", import.local, self.name)),
            (None, Some(owner)) => Some(format!("{}.{owner}.{}", import.local, self.name)),
            _ => None,
        }
    }
}

/// One kind of upward search.
pub(super) trait UpwardSearch: Sync {
    /// The name a caller's file must mention, one per helper searched for
    /// (the type's name, for a method).
    fn names(&self) -> Vec<&str>;

    /// The callers in one file, each with the index of the helper (in
    /// [`UpwardSearch::names`]) it calls.
    fn callers_in(&self, path: &str, language: Language, text: &str) -> Vec<(usize, Caller)>;

    /// The findings, given the callers found for each helper.
    fn findings(&self, callers: Vec<Vec<Caller>>, analysed: &[AnalyzedFile]) -> Vec<Finding>;
}

/// Run every search over one read of the repository. A search with no
/// helper costs nothing; when none has one, the repository is not read.
pub(super) fn upward_findings(
    searches: &[&dyn UpwardSearch],
    analysed: &[AnalyzedFile],
    scope: &RepositoryScope<'_>,
    config: &Config,
    warnings: &mut Vec<String>,
) -> Vec<Finding> {
    let names: Vec<Vec<&str>> = searches.iter().map(|search| search.names()).collect();
    let all: Vec<&str> = names.iter().flatten().copied().collect();
    if all.is_empty() {
        return Vec::new();
    }
    // The helpers of search `i` are numbered from `offsets[i]` in `all`.
    let offsets: Vec<usize> = names
        .iter()
        .scan(0, |next, names| {
            let start = *next;
            *next += names.len();
            Some(start)
        })
        .collect();
    let found = search_callers(
        analysed,
        scope,
        config,
        &all,
        all.len(),
        |path, language, text| {
            let mut found = Vec::new();
            for ((search, names), offset) in searches.iter().zip(&names).zip(&offsets) {
                if names.iter().any(|name| text.contains(name)) {
                    found.extend(
                        search
                            .callers_in(path, language, text)
                            .into_iter()
                            .map(|(index, caller)| (offset + index, caller)),
                    );
                }
            }
            found
        },
    );
    let mut callers = match found {
        Ok(callers) => callers.into_iter(),
        Err(error) => {
            warnings.push(format!(
                "callers of changed helpers: cannot read the repository ({error}); callers in other files were not checked"
            ));
            return Vec::new();
        }
    };
    let mut findings = Vec::new();
    for (search, names) in searches.iter().zip(&names) {
        let mine: Vec<Vec<Caller>> = callers.by_ref().take(names.len()).collect();
        if mine.iter().any(|callers| !callers.is_empty()) {
            findings.extend(search.findings(mine, analysed));
        }
    }
    findings
}

/// The findings `rules` make in a caller's file (`path`, in `language`,
/// `text`) with the summaries of the changed helpers it calls, bound to the
/// names the file calls them by, laid over the packs.
pub(super) fn judged_with_helpers(
    path: &str,
    language: Language,
    text: &str,
    helpers: &[(String, Summary)],
    config: &Config,
    rules: &[&dyn FileRule],
) -> Vec<RawFinding> {
    if helpers.is_empty() {
        return Vec::new();
    }
    let model = lang::parse(language, text);
    let packs = config.knowledge.for_ecosystem(language.ecosystem());
    let knowledge = file_knowledge(
        &model,
        packs,
        helpers,
        project_local_names(language, path, text),
    );
    let context = FileContext::new(path, text, &model, &knowledge);
    let mut raw = Vec::new();
    for rule in rules {
        rule.check_file(&context, &mut raw);
    }
    raw
}

/// The finding `raw` at a changed helper of the touched file `file`, unless
/// a suppression comment of the helper's file covers it.
pub(super) fn at_helper(raw: RawFinding, path: &str, file: &AnalyzedFile) -> Option<Finding> {
    let text = file.change.head_text.as_deref()?;
    let mut kept = vec![raw];
    super::analyze::apply_suppressions(path, file.head.as_ref()?, &mut kept);
    let raw = kept.pop()?;
    let print = fingerprint(raw.rule.as_str(), path, &raw.function, &raw.trigger_text, 0);
    Some(to_finding(&raw, &print, Status::New, path, text))
}

/// The callers of one helper in the order a reader expects: by file, then
/// by place.
pub(super) fn in_reading_order(callers: &mut [Caller]) {
    callers.sort_by(|a, b| (&a.path, a.call.start_byte).cmp(&(&b.path, b.call.start_byte)));
}
