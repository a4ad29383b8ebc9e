//! Which failures only local code raises.
//!
//! A retry that fires only on named exceptions (Celery
//! `autoretry_for=(LockTimeout,)`, a retry loop's `except IntegrityError:`)
//! re-runs an attempt only when something raises one of them. An exception
//! class the project declares — in the file, or imported from a module of the
//! project's own package — is raised by the project's code, and the packs
//! name those only local code raises (a unique-key conflict, a missing key):
//! a send through an SDK cannot set such a retry off. A retry on the
//! exception a status check raises (`requests.exceptions.HTTPError`) goes
//! round only when the code checks a status.

use super::imports::python_module_of;
use crate::knowledge::Knowledge;
use regex::Regex;

/// Whether every exception in `errors` (as written in the retry's options
/// or `except` clauses) is one the project declares — a class of this file,
/// or a name imported from a relative module or from a module whose top
/// package is a directory on the file's own path (`from shop.locks import
/// ..` in `shop/orders/tasks.py`) — or one the packs know only local code
/// raises (`IntegrityError`, `KeyError`: [`Knowledge::is_local_error`]).
/// Only Python retries name their exceptions.
pub fn only_local_errors(
    errors: &[String],
    path: &str,
    source: &str,
    knowledge: &Knowledge,
) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|error| knowledge.is_local_error(error) || project_error(error, path, source))
}

/// Whether every exception in `errors` is one only a check of a response's
/// status raises ([`Knowledge::is_status_error`]), spelled in full through
/// the file's imports (`HTTPError` of `from requests.exceptions import
/// HTTPError`). A retry on these alone goes round only when the status is
/// checked, never because the request itself failed.
pub fn only_status_errors(errors: &[String], source: &str, knowledge: &Knowledge) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|error| knowledge.is_status_error(&spelled_in_full(error, source)))
}

/// Whether every exception in `errors` is one raised only while a
/// connection is being made ([`Knowledge::is_connect_error`]), spelled in
/// full through the file's imports (`SMTPConnectError` of `from smtplib
/// import SMTPConnectError`, `smtplib.SMTPConnectError`). A retry on these
/// alone goes round only when nothing was sent.
pub fn only_connect_errors(errors: &[String], source: &str, knowledge: &Knowledge) -> bool {
    !errors.is_empty()
        && errors
            .iter()
            .all(|error| knowledge.is_connect_error(&spelled_in_full(error, source)))
}

/// An exception as the file's imports spell it in full.
fn spelled_in_full(error: &str, source: &str) -> String {
    let head = error.split('.').next().unwrap_or(error);
    match python_module_of(source, head) {
        Some(module) if !module.starts_with('.') => format!("{module}.{error}"),
        _ => error.to_string(),
    }
}

fn project_error(error: &str, path: &str, source: &str) -> bool {
    let head = error.split('.').next().unwrap_or(error);
    if head.is_empty() || !head.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return false;
    }
    if declares_class(source, head) {
        return true;
    }
    python_module_of(source, head).is_some_and(|module| project_module(&module, path))
}

fn declares_class(source: &str, name: &str) -> bool {
    Regex::new(&format!(r"(?m)^[ \t]*class[ \t]+{}\b", regex::escape(name)))
        .is_ok_and(|class| class.is_match(source))
}

/// A relative module, or one whose top package names a directory the file
/// is in.
fn project_module(module: &str, path: &str) -> bool {
    if module.starts_with('.') {
        return true;
    }
    let top = module.split('.').next().unwrap_or(module);
    let mut directories = path.split('/');
    directories.next_back();
    !top.is_empty() && directories.any(|directory| directory == top)
}

#[cfg(test)]
mod tests {
    use super::only_local_errors;
    use crate::knowledge::KnowledgeBase;
    use crate::model::Ecosystem;

    const TASKS: &str = "from celery import shared_task\nfrom requests import Timeout\nfrom shop.locks import (\n    LockTimeout,\n    Busy as Occupied,\n)\nfrom .errors import StaleCart\nimport shop.errors as errs\n\nclass Skipped(Exception):\n    pass\n";

    #[test]
    fn errors_of_the_project_are_declared_here_or_imported_from_its_package() {
        let path = "src/shop/orders/tasks.py";
        let own = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let base = KnowledgeBase::builtin().expect("the packs load");
            only_local_errors(&names, path, TASKS, base.for_ecosystem(Ecosystem::Python))
        };
        assert!(own(&["LockTimeout"]));
        assert!(own(&["Occupied", "StaleCart", "Skipped"]));
        assert!(own(&["errs.Gone"]));
        assert!(!own(&["Timeout"]));
        assert!(!own(&["LockTimeout", "Timeout"]));
        assert!(!own(&["Exception"]));
        assert!(own(&["IntegrityError", "LockTimeout"]));
        assert!(!own(&["requests.Timeout"]));
        assert!(!own(&[]));
    }
}
