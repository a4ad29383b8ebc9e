//! Names that tie files together, read once over the whole repository:
//! route tables that register handlers by reference
//! (`router.post('/orders', orders.create)`, axum
//! `.route("/orders", post(create_order))`) and queues bound at module
//! level (`export const emails = new Queue('emails')`), so that a handler
//! declared in another file is a route, and `emails.add('receipt', ..)`
//! publishes to the `emails` queue its worker consumes.

use crate::flow::imports::{ImportedName, module_candidates, project_imports};
use crate::knowledge::{HandlerRole, Knowledge};
use crate::model::{Call, FileModel, Language, Node, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// HTTP verbs as route builders name them.
const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "all", "any"];

/// A handler a route table registers by reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRoute {
    /// `POST`.
    pub verb: String,
    /// `/orders/:id/refund`.
    pub route: String,
    /// The reference as written (`handlers::refunds::refund`, `orders.create`).
    pub reference: String,
    /// The files the referenced function may be declared in: the table's
    /// own file and the files its imports (or the reference's module path)
    /// name. Empty when nothing resolves it (a glob import).
    pub files: Vec<String>,
}

/// One file as the registry reads it.
pub struct RegistryFile<'a> {
    /// Its path.
    pub path: &'a str,
    /// Its text.
    pub source: &'a str,
    /// Its language.
    pub language: Language,
    /// Its model.
    pub model: &'a FileModel,
    /// The packs of its ecosystem.
    pub knowledge: &'a Knowledge,
}

/// What every file registers or binds, by name.
#[derive(Debug, Default)]
pub struct Registry {
    /// Handlers registered by reference, by the referenced function's name.
    routes: HashMap<String, Vec<TableRoute>>,
    /// Module-level queue (or topic) objects constructed with a name, per
    /// file: binding → name.
    bindings: HashMap<String, BTreeMap<String, String>>,
    /// Functions started as background tasks (`tokio::spawn(worker(rx))`,
    /// `thread::spawn(move || worker(rx))`, `asyncio.create_task(worker())`),
    /// by name, with the in-process channels they are handed (see
    /// [`channel_stem`]).
    spawned: HashMap<String, BTreeSet<String>>,
}

/// Method names that start a background task.
const SPAWNERS: &[&str] = &[
    "spawn",
    "spawn_blocking",
    "spawn_local",
    "create_task",
    "ensure_future",
];

/// Ends of the names of a channel's sending and receiving halves
/// (`orders_tx`, `update_sender`, `jobs_rx`, `update_receiver`).
const CHANNEL_ENDS: &[&str] = &[
    "_tx",
    "_sender",
    "_rx",
    "_receiver",
    "Tx",
    "Sender",
    "Rx",
    "Receiver",
];

/// The channel a half's name names, without its end: `manual_update_sender`
/// and `manual_update_rx` are both `manual_update`; `None` for a name that
/// says no end, or only an end (`tx`, `rx`).
pub fn channel_stem(name: &str) -> Option<String> {
    let last = name.rsplit(['.', ':']).next().unwrap_or(name);
    CHANNEL_ENDS
        .iter()
        .find_map(|end| last.strip_suffix(end))
        .map(|stem| stem.trim_end_matches('_').to_ascii_lowercase())
        .filter(|stem| !stem.is_empty())
}

impl Registry {
    /// Read the route tables and named constructions of every file.
    pub fn read(files: &[RegistryFile<'_>]) -> Registry {
        let mut registry = Registry::default();
        for file in files {
            let mut tables: Vec<&Call> = Vec::new();
            file.model.module.for_each_call(&mut |call| {
                if file.knowledge.callback_role(call) == Some(HandlerRole::Route) {
                    tables.push(call);
                }
            });
            if !tables.is_empty() {
                let imports = project_imports(file.language, file.path, file.source);
                for call in tables {
                    for (verb, route, reference) in route_table(call) {
                        let files = reference_files(file, &imports, &reference);
                        registry.add(verb, route, reference, files);
                    }
                }
            }
            file.model.module.for_each_call(&mut |call| {
                if SPAWNERS.contains(&call.method.as_str()) {
                    for (name, channels) in spawned_functions(call) {
                        registry.spawned.entry(name).or_default().extend(channels);
                    }
                }
            });
            let bound = named_constructions(file.model);
            if !bound.is_empty() {
                registry.bindings.insert(file.path.to_string(), bound);
            }
        }
        registry
    }

    fn add(&mut self, verb: String, route: String, reference: String, files: Vec<String>) {
        let name = reference
            .rsplit(['.', ':'])
            .next()
            .unwrap_or(&reference)
            .to_string();
        if name.is_empty() {
            return;
        }
        self.routes.entry(name).or_default().push(TableRoute {
            verb,
            route,
            reference,
            files,
        });
    }

    /// The route a function of `path` called `name` is registered for: a
    /// registration whose reference resolves to `path`, else the only
    /// registration of that name when nothing resolves it.
    pub fn route_of(&self, path: &str, name: &str) -> Option<&TableRoute> {
        let registered = self.routes.get(name)?;
        if let Some(resolved) = registered
            .iter()
            .find(|r| r.files.iter().any(|f| f == path))
        {
            return Some(resolved);
        }
        match registered.as_slice() {
            [only] if only.files.is_empty() => Some(only),
            _ => None,
        }
    }

    /// The in-process channels a function started as a background task
    /// is handed, if some code starts one called `name`.
    pub fn spawned(&self, name: &str) -> Option<&BTreeSet<String>> {
        self.spawned.get(name)
    }

    /// Whether a spawned worker receives from the channel `stem`.
    pub fn is_worker_channel(&self, stem: &str) -> bool {
        self.spawned
            .values()
            .any(|channels| channels.contains(stem))
    }

    /// The name of the queue `receiver` is bound to in `path`, directly or
    /// through an import of the file that binds it.
    pub fn queue_of(
        &self,
        path: &str,
        language: Language,
        source: &str,
        receiver: &str,
    ) -> Option<String> {
        let root = receiver
            .trim_start_matches("this.")
            .trim_start_matches("self.")
            .split('.')
            .next()?;
        if let Some(name) = self.bindings.get(path).and_then(|b| b.get(root)) {
            return Some(name.clone());
        }
        project_imports(language, path, source)
            .into_iter()
            .filter(|import| import.local == root)
            .find_map(|import| {
                let remote = import.remote.as_deref()?;
                import
                    .candidates
                    .iter()
                    .find_map(|file| self.bindings.get(file)?.get(remote).cloned())
            })
    }
}

/// `(verb, route, reference)` of each handler a route registration names
/// by reference: `router.post('/x', auth, create)` (the call's own verb),
/// `.route("/x", post(create).get(list))` (the builders' verbs).
fn route_table(call: &Call) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let Some(route) = call.first_string_arg() else {
        return out;
    };
    let own_verb = VERBS
        .contains(&call.method.as_str())
        .then(|| call.method.to_ascii_uppercase());
    for arg in call.args.iter().skip(1) {
        match &arg.value {
            Value::Path(reference) => {
                if let Some(verb) = &own_verb {
                    out.push((verb.clone(), route.to_string(), reference.clone()));
                }
            }
            Value::Call(builder) => {
                let steps = builder
                    .chain
                    .iter()
                    .chain(std::iter::once(builder.as_ref()));
                for step in steps.filter(|s| VERBS.contains(&s.method.as_str())) {
                    for inner in &step.args {
                        if let Value::Path(reference) = &inner.value {
                            let verb = step.method.to_ascii_uppercase();
                            out.push((verb, route.to_string(), reference.clone()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The files a handler reference may be declared in.
fn reference_files(
    file: &RegistryFile<'_>,
    imports: &[ImportedName],
    reference: &str,
) -> Vec<String> {
    let separator = if file.language == Language::Rust {
        "::"
    } else {
        "."
    };
    let mut segments: Vec<&str> = reference.split(separator).collect();
    let name = segments.pop().unwrap_or(reference);
    let local = segments.first().copied().unwrap_or(name);
    let mut out: Vec<String> = imports
        .iter()
        .filter(|i| i.local == local)
        .flat_map(|i| i.candidates.iter().cloned())
        .collect();
    if segments.is_empty() {
        if out.is_empty() && declares(file.model, name) {
            out.push(file.path.to_string());
        }
    } else if file.language == Language::Rust {
        let module = segments.join("::");
        for prefix in ["crate", "self"] {
            let path = format!("{prefix}::{module}::{name}");
            out.extend(module_candidates(Language::Rust, file.path, &path).unwrap_or_default());
        }
    }
    out
}

/// Whether a file declares a function called `name` (at any depth).
fn declares(model: &FileModel, name: &str) -> bool {
    fn in_nodes(nodes: &[Node], name: &str) -> bool {
        nodes.iter().any(|node| match node {
            Node::Function(f) => {
                crate::flow::derived::short_name(f) == name || in_nodes(&f.body, name)
            }
            Node::Block(b) => in_nodes(&b.body, name),
            _ => false,
        })
    }
    in_nodes(&model.module.body, name)
}

/// The project functions a spawn call starts, with the channels handed to
/// them: the call it is given (`spawn(worker(client, jobs_rx))`), the
/// function it is given by name (`spawn(worker)`), or the calls a closure
/// or async block it is given makes (`spawn(async move { worker(rx).await })`).
fn spawned_functions(call: &Call) -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    for arg in &call.args {
        match &arg.value {
            Value::Call(inner) => out.push(started(inner)),
            Value::Path(name) => {
                let last = name.rsplit(['.', ':']).next().unwrap_or(name);
                out.push((last.to_string(), BTreeSet::new()));
            }
            Value::Function(closure) => {
                for node in &closure.body {
                    if let Node::Call(inner) = node {
                        out.push(started(inner));
                    }
                }
            }
            _ => {}
        }
    }
    out.retain(|(name, _)| !name.is_empty());
    out
}

/// The function a call starts and the channels among its arguments.
fn started(call: &Call) -> (String, BTreeSet<String>) {
    let channels = call
        .args
        .iter()
        .filter_map(|arg| match &arg.value {
            Value::Path(name) => channel_stem(name),
            _ => None,
        })
        .collect();
    // A method chain (`worker(rx).instrument(span)`) starts its root.
    let root = call.chain.first().unwrap_or(call);
    (root.method.clone(), channels)
}

/// `const emails = new Queue('emails')` at module level: binding → name.
fn named_constructions(model: &FileModel) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for node in &model.module.body {
        let Node::Call(call) = node else {
            continue;
        };
        if !call.is_new {
            continue;
        }
        if let (Some(binding), Some(name)) = (call.bound_to.as_deref(), call.first_string_arg()) {
            out.insert(binding.to_string(), name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn registry(files: &[(&str, &str, Language)]) -> Registry {
        let config = Config::builtin().expect("built-in configuration");
        let models: Vec<FileModel> = files
            .iter()
            .map(|(_, text, language)| crate::lang::parse(*language, text))
            .collect();
        let entries: Vec<RegistryFile<'_>> = files
            .iter()
            .zip(&models)
            .map(|((path, source, language), model)| RegistryFile {
                path,
                source,
                language: *language,
                model,
                knowledge: config.knowledge.for_ecosystem(language.ecosystem()),
            })
            .collect();
        Registry::read(&entries)
    }

    #[test]
    fn axum_route_tables_register_handlers_declared_elsewhere() {
        let found = registry(&[(
            "src/router.rs",
            "pub fn router() -> Router {\n    Router::new()\n        .route(\"/orders\", post(create_order).get(list_orders))\n        .route(\"/orders/:id/refund\", post(handlers::refunds::refund))\n}\n",
            Language::Rust,
        )]);
        let create = found
            .route_of("src/orders.rs", "create_order")
            .expect("create_order");
        assert_eq!(
            (create.verb.as_str(), create.route.as_str()),
            ("POST", "/orders")
        );
        let refund = found
            .route_of("src/handlers/refunds.rs", "refund")
            .expect("refund");
        assert_eq!(refund.route, "/orders/:id/refund");
        assert_eq!(
            found
                .route_of("src/orders.rs", "list_orders")
                .map(|r| r.verb.as_str()),
            Some("GET")
        );
    }

    #[test]
    fn express_routes_register_controller_methods() {
        let found = registry(&[(
            "src/routes.js",
            "import * as orders from './orders';\nconst { cancelOrder } = require('./cancel');\nrouter.post('/orders', orders.create);\napp.delete('/orders/:id', auth, cancelOrder);\n",
            Language::JavaScript,
        )]);
        assert_eq!(
            found
                .route_of("src/orders.js", "create")
                .map(|r| r.route.as_str()),
            Some("/orders")
        );
        assert_eq!(
            found
                .route_of("src/cancel.js", "cancelOrder")
                .map(|r| r.verb.as_str()),
            Some("DELETE")
        );
    }

    #[test]
    fn queues_bound_in_another_file_are_found_through_imports() {
        let found = registry(&[(
            "src/queues.ts",
            "export const emailQueue = new Queue('emails', { connection });\n",
            Language::TypeScript,
        )]);
        let source = "import { emailQueue } from './queues';\n";
        assert_eq!(
            found
                .queue_of("src/orders.ts", Language::TypeScript, source, "emailQueue")
                .as_deref(),
            Some("emails")
        );
    }
}
