//! GitHub's published REST description (npm `@octokit/openapi`,
//! `generated/api.github.com.json`) as a judge of the requests Handoff sends:
//! the operation must exist, its query parameters must be documented, and
//! its JSON body must validate against the operation's request-body schema.

use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The directory of the test tools (`bash scripts/test.sh` installs them).
pub fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools")
}

/// A file under `.tools/node_modules`, or a failure that says how to get it.
pub fn node_module_file(relative: &str) -> PathBuf {
    let path = tools_dir().join("node_modules").join(relative);
    assert!(
        path.is_file(),
        "{} is missing: run `bash scripts/test.sh` (it installs the npm test data from .ci/package.json)",
        path.display()
    );
    path
}

/// The parsed description.
pub struct OpenApi {
    document: Value,
}

static SPEC: OnceLock<OpenApi> = OnceLock::new();

impl OpenApi {
    /// The description, loaded once per test binary.
    pub fn get() -> &'static OpenApi {
        SPEC.get_or_init(|| {
            let path = node_module_file("@octokit/openapi/generated/api.github.com.json");
            let text = std::fs::read_to_string(&path).expect("read the OpenAPI description");
            OpenApi {
                document: serde_json::from_str(&text).expect("the OpenAPI description is JSON"),
            }
        })
    }

    /// The path template (`/repos/{owner}/{repo}/...`) a concrete API path
    /// belongs to: the template whose literal segments all match, preferring
    /// the most literal one.
    pub fn template_for(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let paths = self.document["paths"].as_object()?;
        let mut best: Option<(usize, &String)> = None;
        for template in paths.keys() {
            let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let matches = parts.iter().zip(&segments).all(|(part, segment)| {
                if part.starts_with('{') && part.ends_with('}') {
                    !segment.is_empty()
                } else {
                    literal += 1;
                    part == segment
                }
            });
            if matches && best.is_none_or(|(score, _)| literal > score) {
                best = Some((literal, template));
            }
        }
        best.map(|(_, template)| template.clone())
    }

    /// The value of `#/components/examples/<name>`.
    pub fn example(&self, name: &str) -> Value {
        let value = self.document["components"]["examples"][name]["value"].clone();
        assert!(
            value.is_object(),
            "GitHub's REST description has no example `{name}`"
        );
        value
    }

    fn resolve_pointer(&self, reference: &str) -> Option<&Value> {
        self.document.pointer(reference.strip_prefix('#')?)
    }

    /// A schema with every `$ref` into `#/components/...` inlined (a
    /// recursive reference becomes `{}`), OpenAPI 3.0's `nullable` turned
    /// into JSON Schema, and — when `strict` — no undocumented properties.
    pub fn resolve(&self, schema: &Value, strict: bool) -> Value {
        let mut stack = HashSet::new();
        self.resolve_inner(schema, strict, &mut stack)
    }

    fn resolve_inner(&self, schema: &Value, strict: bool, stack: &mut HashSet<String>) -> Value {
        match schema {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    if !stack.insert(reference.clone()) {
                        return Value::Object(Map::new());
                    }
                    let target = self
                        .resolve_pointer(reference)
                        .cloned()
                        .unwrap_or(Value::Null);
                    let resolved = self.resolve_inner(&target, strict, stack);
                    stack.remove(reference);
                    return resolved;
                }
                let mut out = Map::new();
                for (key, value) in map {
                    let value = match key.as_str() {
                        // Examples and descriptions are not constraints.
                        "example" | "examples" | "description" => continue,
                        "properties" => Value::Object(
                            value
                                .as_object()
                                .map(|props| {
                                    props
                                        .iter()
                                        .map(|(k, v)| {
                                            (k.clone(), self.resolve_inner(v, strict, stack))
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                        ),
                        _ => self.resolve_inner(value, strict, stack),
                    };
                    out.insert(key.clone(), value);
                }
                if out.get("nullable") == Some(&Value::Bool(true)) {
                    out.remove("nullable");
                    if let Some(Value::Array(values)) = out.get_mut("enum") {
                        values.push(Value::Null);
                    }
                    match out.get("type").cloned() {
                        Some(Value::String(kind)) => {
                            out.insert(
                                "type".to_string(),
                                Value::Array(vec![Value::String(kind), "null".into()]),
                            );
                        }
                        _ => {
                            let inner = Value::Object(out.clone());
                            let mut wrapper = Map::new();
                            wrapper.insert(
                                "anyOf".to_string(),
                                Value::Array(vec![inner, serde_json::json!({"type": "null"})]),
                            );
                            return Value::Object(wrapper);
                        }
                    }
                }
                if strict
                    && out.contains_key("properties")
                    && !out.contains_key("additionalProperties")
                {
                    out.insert("additionalProperties".to_string(), Value::Bool(false));
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.resolve_inner(v, strict, stack))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Judge one request: `Err` lists every problem.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: &[u8],
    ) -> Result<String, Vec<String>> {
        let method = method.to_ascii_lowercase();
        let Some(template) = self.template_for(path) else {
            return Err(vec![format!(
                "{method} {path}: no such path in GitHub's REST description"
            )]);
        };
        let operation = &self.document["paths"][&template][&method];
        if !operation.is_object() {
            return Err(vec![format!("{method} {template}: no such operation")]);
        }
        let operation_id = operation["operationId"].as_str().unwrap_or("?").to_string();
        let mut problems = Vec::new();
        let documented: HashSet<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let p = match p["$ref"].as_str() {
                    Some(reference) => self.resolve_pointer(reference)?,
                    None => p,
                };
                (p["in"] == "query")
                    .then(|| p["name"].as_str().map(str::to_string))
                    .flatten()
            })
            .collect();
        for (name, value) in query {
            if !documented.contains(name) {
                problems.push(format!(
                    "{operation_id}: undocumented query parameter `{name}`"
                ));
            }
            if name == "per_page" && value.parse::<u32>().map_or(true, |n| n == 0 || n > 100) {
                problems.push(format!(
                    "{operation_id}: per_page={value} is outside 1..=100"
                ));
            }
        }
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        if schema.is_object() {
            match serde_json::from_slice::<Value>(body) {
                Err(e) => problems.push(format!("{operation_id}: the body is not JSON: {e}")),
                Ok(instance) => {
                    let resolved = self.resolve(schema, true);
                    match jsonschema::validator_for(&resolved) {
                        Err(e) => {
                            problems.push(format!("{operation_id}: schema does not compile: {e}"))
                        }
                        Ok(validator) => {
                            for error in validator.iter_errors(&instance) {
                                problems.push(format!(
                                    "{operation_id}: {} at {}",
                                    error,
                                    error.instance_path()
                                ));
                            }
                        }
                    }
                }
            }
        } else if !body.is_empty() {
            problems.push(format!(
                "{operation_id}: a body was sent to an operation that takes none"
            ));
        }
        if problems.is_empty() {
            Ok(operation_id)
        } else {
            Err(problems)
        }
    }

    /// Validate a response body the fake sends against the operation's
    /// documented response schema for `status`.
    pub fn check_response(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let schema = &self.document["paths"][template][method.to_ascii_lowercase()]["responses"]
            [status.to_string()]["content"]["application/json"]["schema"];
        if !schema.is_object() {
            return vec![format!(
                "{method} {template}: no documented {status} JSON response"
            )];
        }
        let resolved = self.resolve(schema, false);
        match jsonschema::validator_for(&resolved) {
            Err(e) => vec![format!(
                "{method} {template}: response schema does not compile: {e}"
            )],
            Ok(validator) => validator
                .iter_errors(body)
                .map(|e| format!("{method} {template} {status}: {e} at {}", e.instance_path()))
                .collect(),
        }
    }
}
