//! Knowledge for the rejection rules: how code reports, checks or loses a
//! downstream failure (loggers and their levels, response status checks,
//! clients that throw on error statuses, task spawners, error suppressors).
//!
//! Kept apart from the side-effect knowledge in `mod.rs`: these entries say
//! nothing about *what* a call reaches, only about what happens to its failure.

use super::{Knowledge, KnowledgeError, LogLevel, Pack, PatternSet, compile_patterns};
use crate::model::{Call, Language, Value};

/// The compiled rejection sections of every pack for one ecosystem.
#[derive(Debug, Clone, Default)]
pub(super) struct FailureKnowledge {
    loggers: Vec<(PatternSet, LogLevel)>,
    status_checks: Vec<String>,
    throwing_clients: PatternSet,
    throwing_options: Vec<super::pack::OptionCondition>,
    non_throwing_options: Vec<super::pack::OptionCondition>,
    non_throwing_http_modules: Vec<String>,
    synchronous_sinks: PatternSet,
    task_spawners: PatternSet,
    error_suppressors: PatternSet,
    local_errors: PatternSet,
    status_errors: PatternSet,
    connect_errors: PatternSet,
    responses: PatternSet,
}

impl FailureKnowledge {
    /// Add the rejection sections of a pack.
    pub(super) fn add_pack(
        &mut self,
        file: &str,
        source: &str,
        pack: &Pack,
    ) -> Result<(), KnowledgeError> {
        for entry in &pack.loggers {
            self.loggers
                .push((compile_patterns(file, source, &entry.calls)?, entry.level));
        }
        self.status_checks
            .extend(pack.status_checks.iter().cloned());
        self.throwing_clients
            .extend(compile_patterns(file, source, &pack.throwing_clients)?);
        self.throwing_options
            .extend(pack.throwing_options.iter().cloned());
        self.non_throwing_options
            .extend(pack.non_throwing_options.iter().cloned());
        self.non_throwing_http_modules
            .extend(pack.non_throwing_http_modules.iter().cloned());
        self.synchronous_sinks
            .extend(compile_patterns(file, source, &pack.synchronous_sinks)?);
        self.task_spawners
            .extend(compile_patterns(file, source, &pack.task_spawners)?);
        self.error_suppressors
            .extend(compile_patterns(file, source, &pack.error_suppressors)?);
        self.local_errors
            .extend(compile_patterns(file, source, &pack.local_errors)?);
        self.status_errors
            .extend(compile_patterns(file, source, &pack.status_errors)?);
        self.connect_errors
            .extend(compile_patterns(file, source, &pack.connect_errors)?);
        self.responses
            .extend(compile_patterns(file, source, &pack.responses)?);
        Ok(())
    }
}

impl Knowledge {
    /// The level a logging call logs at, if the call is a known logger.
    /// When several entries match, the highest level wins, so a user pack
    /// can raise a wrapper (`audit.warn` that pages someone) to `error`.
    pub fn log_level(&self, call: &Call) -> Option<LogLevel> {
        self.failure
            .loggers
            .iter()
            .filter(|(patterns, _)| patterns.matches(&call.callee))
            .map(|(_, level)| *level)
            .max()
    }

    /// Whether reading this member of an HTTP response checks its status
    /// (`ok`, `status_code`, `raise_for_status`).
    pub fn is_status_check(&self, member: &str) -> bool {
        self.failure.status_checks.iter().any(|m| m == member)
    }

    /// Whether the HTTP call rejects or raises on a non-2xx status by itself
    /// (axios, got, ky), judged on the call and the calls of its chain; or
    /// an option of the call tells it to (`raise_for_status=True`); never
    /// when an option tells it not to (`throwHttpErrors: false`).
    pub fn throws_on_error_status(&self, call: &Call) -> bool {
        !self.told_not_to_throw(call)
            && std::iter::once(call)
                .chain(call.chain.iter())
                .any(|c| self.failure.throwing_clients.matches(&c.callee))
            || any_option_set(call, &self.failure.throwing_options)
    }

    /// Whether an option of the HTTP call tells its client to answer an
    /// error status normally (`throwHttpErrors: false`): whatever the
    /// client, the caller must look at the status.
    pub fn told_not_to_throw(&self, call: &Call) -> bool {
        any_option_set(call, &self.failure.non_throwing_options)
    }

    /// Whether the file (`source`, in `language`) imports a module whose HTTP
    /// clients resolve normally on an error status (`import requests`,
    /// `from 'node-fetch'`): only then is a client known by its name alone
    /// (`self.session.post`, `api.request(..)`) taken for one of them.
    pub fn imports_non_throwing_http(&self, language: Language, source: &str) -> bool {
        self.failure
            .non_throwing_http_modules
            .iter()
            .any(|module| crate::flow::imports::imports_module(language, source, module))
    }

    /// Whether the side-effect call returns synchronously (no promise/future).
    pub fn is_synchronous_sink(&self, call: &Call) -> bool {
        self.failure.synchronous_sinks.matches(&call.callee)
    }

    /// Whether the call starts a background task (`asyncio.create_task`).
    pub fn is_task_spawner(&self, call: &Call) -> bool {
        self.failure.task_spawners.matches(&call.callee)
    }

    /// Whether the context manager silences exceptions (`suppress(Exception)`).
    pub fn is_error_suppressor(&self, call: &Call) -> bool {
        self.failure.error_suppressors.matches(&call.callee)
    }

    /// Whether an exception type is only ever raised by local code.
    pub fn is_local_error(&self, type_name: &str) -> bool {
        self.failure.local_errors.matches(type_name)
    }

    /// Whether an exception type, as its import spells it in full
    /// (`requests.exceptions.HTTPError`), is raised only by a check of a
    /// response's status.
    pub fn is_status_error(&self, type_path: &str) -> bool {
        self.failure.status_errors.matches(type_path)
    }

    /// Whether an exception type, as its import spells it in full
    /// (`httpx.ConnectError`), is raised only while a connection is being
    /// made, before anything is sent on it.
    pub fn is_connect_error(&self, type_path: &str) -> bool {
        self.failure.connect_errors.matches(type_path)
    }

    /// Whether the call sends an HTTP response to the caller (`res.json`).
    pub fn is_response(&self, call: &Call) -> bool {
        self.failure.responses.matches(&call.callee)
    }
}

/// Whether the call sets one of `options` to one of its values.
fn any_option_set(call: &Call, options: &[super::pack::OptionCondition]) -> bool {
    options.iter().any(|option| {
        let value = match call.option_value(&option.key) {
            Some(Value::Bool(value)) => value.to_string(),
            Some(Value::String(value) | Value::Number(value)) => value.clone(),
            _ => return false,
        };
        option
            .values
            .iter()
            .any(|accepted| accepted.eq_ignore_ascii_case(&value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::KnowledgeBase;
    use crate::model::Ecosystem;

    fn call(callee: &str) -> Call {
        Call {
            callee: callee.to_string(),
            method: callee.rsplit('.').next().unwrap_or(callee).to_string(),
            ..Call::default()
        }
    }

    fn builtin() -> KnowledgeBase {
        KnowledgeBase::builtin().expect("built-in packs are valid")
    }

    #[test]
    fn warnings_log_below_error_in_every_ecosystem() {
        let base = builtin();
        let js = base.for_ecosystem(Ecosystem::Js);
        assert_eq!(js.log_level(&call("logger.warn")), Some(LogLevel::Warn));
        assert_eq!(
            js.log_level(&call("this.logger.warn")),
            Some(LogLevel::Warn)
        );
        assert_eq!(js.log_level(&call("console.log")), Some(LogLevel::Info));
        assert_eq!(
            js.log_level(&call("this.logger.debug")),
            Some(LogLevel::Debug)
        );
        assert_eq!(js.log_level(&call("console.error")), Some(LogLevel::Error));
        assert_eq!(js.log_level(&call("eventBus.publish")), None);
        let python = base.for_ecosystem(Ecosystem::Python);
        assert_eq!(
            python.log_level(&call("logging.warning")),
            Some(LogLevel::Warn)
        );
        assert_eq!(
            python.log_level(&call("logger.exception")),
            Some(LogLevel::Error)
        );
        assert_eq!(python.log_level(&call("print")), Some(LogLevel::Debug));
        assert_eq!(python.log_level(&call("log.debug")), Some(LogLevel::Debug));
        assert_eq!(python.log_level(&call("logger.info")), Some(LogLevel::Info));
        let rust = base.for_ecosystem(Ecosystem::Rust);
        assert_eq!(rust.log_level(&call("tracing.warn!")), Some(LogLevel::Warn));
        assert_eq!(rust.log_level(&call("warn!")), Some(LogLevel::Warn));
        assert_eq!(rust.log_level(&call("info!")), Some(LogLevel::Info));
        assert_eq!(rust.log_level(&call("error!")), Some(LogLevel::Error));
    }

    #[test]
    fn a_user_pack_can_raise_a_logging_wrapper_to_error() {
        let mut base = builtin();
        let source = "loggers:\n  - calls: [\"audit.warn\"]\n    level: error\n";
        let pack: Pack = serde_norway::from_str(source).expect("valid pack");
        base.add_pack(Ecosystem::Js, ".handoff.yml", source, &pack)
            .expect("pack compiles");
        let js = base.for_ecosystem(Ecosystem::Js);
        assert_eq!(js.log_level(&call("audit.warn")), Some(LogLevel::Error));
    }

    #[test]
    fn axios_throws_on_error_statuses_and_fetch_does_not() {
        let base = builtin();
        let js = base.for_ecosystem(Ecosystem::Js);
        assert!(js.throws_on_error_status(&call("axios.post")));
        assert!(js.throws_on_error_status(&call("got.post")));
        assert!(!js.throws_on_error_status(&call("fetch")));
        let python = base.for_ecosystem(Ecosystem::Python);
        assert!(!python.throws_on_error_status(&call("requests.post")));
        assert!(python.is_status_check("raise_for_status"));
        assert!(python.is_local_error("json.JSONDecodeError"));
        assert!(!python.is_local_error("requests.RequestException"));
    }

    #[test]
    fn spawners_and_suppressors_are_known() {
        let base = builtin();
        assert!(
            base.for_ecosystem(Ecosystem::Python)
                .is_task_spawner(&call("asyncio.create_task"))
        );
        assert!(
            base.for_ecosystem(Ecosystem::Python)
                .is_error_suppressor(&call("contextlib.suppress"))
        );
        assert!(
            base.for_ecosystem(Ecosystem::Rust)
                .is_task_spawner(&call("tokio.spawn"))
        );
        assert!(
            base.for_ecosystem(Ecosystem::Js)
                .is_synchronous_sink(&call("channel.sendToQueue"))
        );
    }
}
