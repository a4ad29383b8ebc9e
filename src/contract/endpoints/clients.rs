//! HTTP clients: code that requests a literal route and reads the response
//! body, a consumer of the route's response.

use super::handlers::{PayloadRoots, consumer_from, is_identifier};
use super::producers::walk_calls;
use super::*;
use crate::contract::channel::{Channel, Route};
use crate::model::{Call, Function};
use std::collections::HashMap;

/// How an HTTP client call gives back the response body.
#[derive(Clone, Copy)]
enum ResponseBody {
    /// `res.json()` parses it (`fetch`, `requests`, `httpx`, `ky`, `got`).
    Parsed,
    /// It is under `.data` (`axios`).
    Data,
    /// The call returns the body itself (`$fetch`, `ofetch`).
    Direct,
}

/// Whether a call requests a route, and how its response body is reached.
/// Convention per library: the knowledge packs name HTTP writes, not reads.
fn client_call(call: &Call) -> Option<ResponseBody> {
    let verb = matches!(
        call.method.as_str(),
        "get" | "post" | "put" | "patch" | "delete" | "request"
    );
    let receiver = call.receiver.as_deref().unwrap_or("");
    let root = receiver.split('.').next().unwrap_or(receiver);
    match call.callee.as_str() {
        "fetch" | "window.fetch" | "globalThis.fetch" | "ky" | "got" => Some(ResponseBody::Parsed),
        "$fetch" | "ofetch" => Some(ResponseBody::Direct),
        "axios" => Some(ResponseBody::Data),
        _ if verb && matches!(root, "axios" | "api" | "apiClient" | "http" | "$http") => {
            Some(ResponseBody::Data)
        }
        _ if verb
            && matches!(
                root,
                "requests" | "httpx" | "ky" | "got" | "session" | "client"
            ) =>
        {
            Some(ResponseBody::Parsed)
        }
        _ => None,
    }
}

/// Client code that requests a literal route and reads the response body:
/// consumers of the route's response.
pub(super) fn client_consumers(file: &SourceFile<'_>, out: &mut Vec<Consumer>) {
    let module = &file.model.module;
    let mut found: Vec<(Channel, &Function, PayloadRoots, usize)> = Vec::new();
    walk_calls(&module.body, module, "", &mut |call, enclosing, _| {
        // `const data = await (await fetch(url)).json()`: the outer call is
        // bound to the body; otherwise the client call is bound to the response.
        let (client, bound, body) = match call.chain.iter().find_map(|c| Some((c, client_call(c)?)))
        {
            Some((inner, ResponseBody::Parsed)) if matches!(call.method.as_str(), "json") => {
                (inner, call.bound_to.as_deref(), ResponseBody::Direct)
            }
            _ => match client_call(call) {
                Some(body) => (call, call.bound_to.as_deref(), body),
                None => return,
            },
        };
        let Some(bound) = bound.filter(|b| is_identifier(b)) else {
            return;
        };
        let Some(route) = client
            .first_string_arg()
            .or_else(|| client.chain.iter().find_map(|c| c.first_string_arg()))
            .and_then(Route::parse)
        else {
            return;
        };
        let prefix: Vec<String> = match body {
            ResponseBody::Parsed => vec!["<body>".to_string()],
            ResponseBody::Data => vec!["data".to_string()],
            ResponseBody::Direct => Vec::new(),
        };
        let mut locals = HashMap::new();
        locals.insert(bound.to_string(), Vec::new());
        let roots = PayloadRoots {
            param: None,
            locals,
            prefixes: vec![prefix],
            type_name: None,
        };
        found.push((
            Channel::Response { route },
            enclosing,
            roots,
            call.span.start_byte,
        ));
    });
    for (channel, function, roots, from) in found {
        let consumer = consumer_from(file, function, channel, roots, from);
        if !consumer.reads.is_empty() || !consumer.opaque.is_empty() {
            out.push(consumer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{consumers, endpoints_of};

    fn reads_of(source: &str) -> Vec<(String, Vec<String>)> {
        consumers(&endpoints_of("client.js", source))
    }

    #[test]
    fn the_parsed_body_of_a_fetch_is_read_from_the_route_response() {
        assert_eq!(
            reads_of(
                "export async function load() {\n  const data = await (await fetch('/api/orders/1')).json();\n  show(data.total, data.items);\n}\n"
            ),
            [(
                "the response of `/api/orders/1`".to_string(),
                vec!["total".to_string(), "items".to_string()]
            )]
        );
    }

    #[test]
    fn an_axios_response_is_read_under_data() {
        assert_eq!(
            reads_of(
                "export async function load() {\n  const res = await axios.get('/api/orders/1');\n  show(res.data.total);\n}\n"
            ),
            [(
                "the response of `/api/orders/1`".to_string(),
                vec!["total".to_string()]
            )]
        );
    }

    #[test]
    fn a_get_on_an_object_that_is_no_http_client_reads_no_route() {
        assert_eq!(
            reads_of(
                "export async function load() {\n  const res = await cache.get('/api/orders/1');\n  show(res.data.total);\n}\n"
            ),
            []
        );
    }
}
