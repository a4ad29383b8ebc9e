//! Responses: what a route handler sends back (`res.json({…})`,
//! `JsonResponse({…})`, a returned dict, `Json(…)`), a producer of the
//! route's response.

use super::handlers::Handler;
use super::producers::describe_payload;
use super::*;
use crate::contract::channel::{Channel, Route};
use crate::model::{Call, Ecosystem, Language, Node, Value};

/// `res.json({…})`, `JsonResponse({…})`, `return {…}` (Python), `Json(…)`
/// (Rust) inside a route handler: producers of the route's response.
pub(super) fn response_producers(
    file: &SourceFile<'_>,
    handler: &Handler<'_>,
    route: &Route,
    out: &mut Vec<Producer>,
) {
    let function = handler.function;
    let response_param = function.params.get(1).map(|p| p.name.as_str());
    let mut sends: Vec<(&Call, &Value)> = Vec::new();
    function.for_each_call(&mut |call| {
        let Some(first) = call.args.first() else {
            return;
        };
        let receiver_root = call
            .receiver
            .as_deref()
            .map(|r| r.split('.').next().unwrap_or(r));
        let is_response = match file.language.ecosystem() {
            Ecosystem::Js => {
                matches!(call.method.as_str(), "json" | "send")
                    && (receiver_root.is_some_and(|r| Some(r) == response_param || r == "reply")
                        || matches!(call.receiver.as_deref(), Some("NextResponse" | "Response")))
            }
            Ecosystem::Python => matches!(
                call.method.as_str(),
                "JsonResponse" | "jsonify" | "Response" | "JSONResponse"
            ),
            Ecosystem::Rust => {
                call.method == "Json"
                    || (call.method == "json"
                        && call
                            .receiver
                            .as_deref()
                            .is_some_and(|r| r.contains("HttpResponse")))
            }
        };
        if is_response
            && matches!(
                first.value,
                Value::Object(_) | Value::Path(_) | Value::Call(_) | Value::Other
            )
        {
            sends.push((call, &first.value));
        }
    });
    for (call, value) in sends {
        let mut payload = Payload::default();
        describe_payload(file, function, call.span.start_byte, value, &mut payload);
        out.push(Producer {
            channel: Channel::Response {
                route: route.clone(),
            },
            path: file.path.to_string(),
            function: function.name.clone(),
            span: call.span,
            text: call.text.clone(),
            payload,
        });
    }
    if file.language == Language::Python {
        for node in &function.body {
            if let Node::Return(ret) = node
                && let Some(value @ Value::Object(_)) = &ret.value
            {
                let mut payload = Payload::default();
                describe_payload(file, function, ret.span.start_byte, value, &mut payload);
                out.push(Producer {
                    channel: Channel::Response {
                        route: route.clone(),
                    },
                    path: file.path.to_string(),
                    function: function.name.clone(),
                    span: ret.span,
                    text: ret.value_text.clone(),
                    payload,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{endpoints_of, producers};

    #[test]
    fn res_json_in_an_express_handler_produces_the_route_response() {
        let found = endpoints_of(
            "routes.js",
            "app.post('/orders', (req, res) => {\n  res.status(201).json({ id: 1, email: 'a@b.c' });\n});\n",
        );
        assert_eq!(
            producers(&found),
            [(
                "the response of `/orders`".to_string(),
                vec!["id".to_string(), "email".to_string()]
            )]
        );
    }

    #[test]
    fn a_dict_returned_by_a_flask_route_produces_the_route_response() {
        let found = endpoints_of(
            "routes.py",
            "@app.route('/orders', methods=['POST'])\ndef create_order():\n    return {'id': 1, 'plan': 'pro'}\n",
        );
        assert_eq!(
            producers(&found),
            [(
                "the response of `/orders`".to_string(),
                vec!["id".to_string(), "plan".to_string()]
            )]
        );
    }

    #[test]
    fn a_dict_returned_by_a_plain_function_is_no_response() {
        let found = endpoints_of("util.py", "def create_order():\n    return {'id': 1}\n");
        assert!(found.producers.is_empty());
    }
}
