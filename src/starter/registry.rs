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
use std::collections::{BTreeMap, HashMap};

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
