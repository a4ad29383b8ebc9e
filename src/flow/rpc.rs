//! Requests that carry their operation in the body: JSON-RPC (`{"method":
//! "..", "params": ..}`) and GraphQL (`{"query": ".."}`). Every such request
//! is a POST, whether it asks or changes something; what it does is the
//! operation it names. When the operation is not written at the call (`{
//! "method": method }`, a query held in a variable), a POST is no evidence
//! of a write, and findings that take it for one are not certain.

use crate::model::{Argument, Call, Value};

/// Keys of a body that hold what is sent (`json=`, `data=`, `body:`).
const BODY_KEYS: &[&str] = &["json", "data", "body", "payload"];

/// Calls that serialise a body (`json.dumps(payload)`, `JSON.stringify(body)`).
const SERIALISERS: &[&str] = &["json.dumps", "JSON.stringify", "dumps", "orjson.dumps"];

/// The operation a request body names, by protocol: a JSON-RPC `method`
/// (beside `params` or `jsonrpc`) or a GraphQL `query` (beside `variables`
/// or `operationName`, or alone).
enum Operation<'a> {
    JsonRpc(&'a Value),
    GraphQl(&'a Value),
}

/// The operations of the bodies `call` sends.
fn operations(call: &Call) -> Vec<Operation<'_>> {
    bodies(call)
        .into_iter()
        .filter_map(|body| {
            let Value::Object(props) = body else {
                return None;
            };
            let has = |key: &str| props.iter().any(|prop| prop.key == key);
            let value_of = |key: &str| {
                props
                    .iter()
                    .find(|prop| prop.key == key)
                    .map(|prop| &prop.value)
            };
            if has("method") && (has("params") || has("jsonrpc")) {
                value_of("method").map(Operation::JsonRpc)
            } else if has("query") && (has("variables") || props.len() == 1 || has("operationName"))
            {
                value_of("query").map(Operation::GraphQl)
            } else {
                None
            }
        })
        .collect()
}

/// Whether `call` sends a JSON-RPC or GraphQL request whose operation is not
/// written at the call: a JSON-RPC `method` or a GraphQL `query` that is a
/// variable, a parameter or an expression rather than a literal.
pub fn operation_out_of_sight(call: &Call) -> bool {
    operations(call).iter().any(|operation| {
        let (Operation::JsonRpc(value) | Operation::GraphQl(value)) = operation;
        !matches!(value, Value::String(_))
    })
}

/// Verbs that open the name of a JSON-RPC method that only answers
/// (`getBalance`, `list_volumes`, `system.describe`).
const READ_VERBS: &[&str] = &[
    "get", "list", "find", "search", "query", "fetch", "read", "describe", "count", "lookup",
    "show", "info", "status",
];

/// Whether `call` sends a JSON-RPC or GraphQL request whose operation says
/// it only asks: a GraphQL `query` (a literal opening with `query` or `{`,
/// or a constant or variable named for a query, `VERIFY_API_KEY_QUERY`,
/// never a mutation) or a JSON-RPC `method` whose name opens with a read
/// verb ([`READ_VERBS`]).
pub fn operation_only_asks(call: &Call) -> bool {
    let last_words =
        |name: &str| crate::knowledge::identifier_words(name.rsplit('.').next().unwrap_or(name));
    operations(call).iter().any(|operation| match operation {
        Operation::JsonRpc(Value::String(method)) => last_words(method)
            .first()
            .is_some_and(|verb| READ_VERBS.contains(&verb.as_str())),
        Operation::GraphQl(Value::String(text)) => {
            let text = text.trim_start();
            text.starts_with('{') || text.starts_with("query")
        }
        Operation::GraphQl(Value::Path(name)) => {
            let words = last_words(name);
            words.iter().any(|word| word == "query")
                && !words.iter().any(|word| word == "mutation")
                && name != "query"
        }
        _ => false,
    })
}

/// The bodies `call` sends, as object literals where the code shows them:
/// a body option or keyword, serialised or not, written inline or bound to
/// a name once before the call.
fn bodies(call: &Call) -> Vec<&Value> {
    let mut found = Vec::new();
    for link in call.chain.iter().chain(std::iter::once(call)) {
        for arg in &link.args {
            if let Some(keyword) = arg.keyword.as_deref() {
                if BODY_KEYS.contains(&keyword) {
                    found.extend(object_of(&arg.value, Some(arg)));
                }
                continue;
            }
            // `axios.post(url, JSON.stringify({ query: .. }))`,
            // `client.post(url, { query, variables })`: a body passed
            // positionally (options objects name no operation).
            found.extend(object_of(&arg.value, Some(arg)));
            // `fetch(url, { method: 'POST', body: JSON.stringify({..}) })`.
            if let Value::Object(props) = shape(arg) {
                for prop in props {
                    if BODY_KEYS.contains(&prop.key.as_str()) {
                        found.extend(object_of(&prop.value, None));
                    }
                }
            }
        }
    }
    found
}

/// The object literal a value is, once a serialiser and a bound name are
/// seen through.
fn object_of<'a>(value: &'a Value, arg: Option<&'a Argument>) -> Option<&'a Value> {
    match value {
        Value::Object(_) => Some(value),
        Value::Path(_) => arg
            .and_then(|arg| arg.bound_literal.as_ref())
            .filter(|literal| matches!(literal, Value::Object(_))),
        Value::Call(inner) if SERIALISERS.contains(&inner.callee.as_str()) => {
            let first = inner.args.first()?;
            object_of(&first.value, Some(first))
        }
        _ => None,
    }
}

/// An argument's shape, with a bound literal read for a name.
fn shape(arg: &Argument) -> &Value {
    match (&arg.value, &arg.bound_literal) {
        (Value::Path(_), Some(literal)) => literal,
        (value, _) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::operation_out_of_sight;
    use crate::model::{Language, Node};

    fn first_post(language: Language, source: &str) -> crate::model::Call {
        let model = crate::lang::parse(language, source);
        let Some(Node::Function(function)) = model.module.body.first() else {
            panic!("the source starts with a function");
        };
        let mut found = None;
        function.for_each_call(&mut |call| {
            if found.is_none() && (call.method == "post" || call.callee == "fetch") {
                found = Some(call.clone());
            }
        });
        found.expect("the source posts")
    }

    #[test]
    fn queries_and_read_methods_only_ask() {
        use super::operation_only_asks;
        let named = "async function verify(url, key) {\n  return fetch(url, { method: 'post', body: JSON.stringify({ query: VERIFY_API_KEY_QUERY, variables: { key } }) });\n}\n";
        assert!(operation_only_asks(&first_post(
            Language::JavaScript,
            named
        )));
        let literal = "def viewer(url):\n    return requests.post(url, json={'query': '{ viewer { name } }'})\n";
        assert!(operation_only_asks(&first_post(Language::Python, literal)));
        let mutation = "async function pay(url, input) {\n  return fetch(url, { method: 'POST', body: JSON.stringify({ query: CREATE_PAYMENT_MUTATION, variables: { input } }) });\n}\n";
        assert!(!operation_only_asks(&first_post(
            Language::JavaScript,
            mutation
        )));
        let unnamed = "async function run(url, query, variables) {\n  return fetch(url, { method: 'POST', body: JSON.stringify({ query, variables }) });\n}\n";
        assert!(!operation_only_asks(&first_post(
            Language::JavaScript,
            unnamed
        )));
        let rpc = "def balance(url, account):\n    return requests.post(url, json={'jsonrpc': '2.0', 'method': 'getBalance', 'params': [account]})\n";
        assert!(operation_only_asks(&first_post(Language::Python, rpc)));
        let write = "def send(url, tx):\n    return requests.post(url, json={'jsonrpc': '2.0', 'method': 'sendTransaction', 'params': [tx]})\n";
        assert!(!operation_only_asks(&first_post(Language::Python, write)));
        let positional = "async function ping(url) {\n  return axios.post(url, JSON.stringify({ query: `{ nodeInfo { id } }` }), { timeout: 500 });\n}\n";
        assert!(operation_only_asks(&first_post(
            Language::JavaScript,
            positional
        )));
    }

    #[test]
    fn operations_named_elsewhere_are_out_of_sight() {
        let rpc = "def call(url, method, params):\n    payload = {'method': method, 'params': params, 'id': 1}\n    return requests.post(url, data=json.dumps(payload))\n";
        assert!(operation_out_of_sight(&first_post(Language::Python, rpc)));
        let named = "def call(url, params):\n    return requests.post(url, json={'jsonrpc': '2.0', 'method': 'CreateVolume', 'params': params})\n";
        assert!(!operation_out_of_sight(&first_post(
            Language::Python,
            named
        )));
        let graphql = "async function run(url, query, variables) {\n  return fetch(url, { method: 'POST', body: JSON.stringify({ query, variables }) });\n}\n";
        assert!(operation_out_of_sight(&first_post(
            Language::JavaScript,
            graphql
        )));
        let plain = "def create(url, order):\n    return requests.post(url, json={'method': 'card', 'amount': order.total})\n";
        assert!(!operation_out_of_sight(&first_post(
            Language::Python,
            plain
        )));
    }
}
