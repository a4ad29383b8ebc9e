//! Tests of the Rust frontend: each construct as a short snippet with precise
//! assertions on the model, plus the article's checkout/worker/outbox examples
//! in sqlx, rdkafka and Diesel idioms.

use super::RustFrontend;
use crate::lang::{Frontend, MAX_MODEL_DEPTH, PARSER_STACK_BYTES};
use crate::model::{
    BlockKind, Call, CallResult, FileModel, Function, FunctionOrigin, Node, Value, for_each_call_in,
};

fn parse(source: &str) -> FileModel {
    RustFrontend.parse(source)
}

/// The function named `name`, searched depth-first through every body.
fn function<'m>(model: &'m FileModel, name: &str) -> &'m Function {
    fn search<'m>(nodes: &'m [Node], name: &str) -> Option<&'m Function> {
        nodes.iter().find_map(|node| match node {
            Node::Function(f) if f.name == name => Some(f),
            Node::Function(f) => search(&f.body, name),
            Node::Block(b) => search(&b.body, name),
            _ => None,
        })
    }
    search(&model.module.body, name)
        .unwrap_or_else(|| panic!("no function {name} in {:#?}", model.module.body))
}

fn all_calls(nodes: &[Node]) -> Vec<&Call> {
    let mut calls = Vec::new();
    for_each_call_in(nodes, &mut |c| calls.push(c));
    calls
}

/// The first call (anywhere, chains and arguments included) with `callee`.
fn call<'m>(nodes: &'m [Node], callee: &str) -> &'m Call {
    all_calls(nodes)
        .into_iter()
        .find(|c| c.callee == callee)
        .unwrap_or_else(|| panic!("no call {callee} in {nodes:#?}"))
}

fn callees(nodes: &[Node]) -> Vec<&str> {
    all_calls(nodes).iter().map(|c| c.callee.as_str()).collect()
}

/// Short labels of a body's direct nodes, for order assertions.
fn outline(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Call(c) => format!("call {}", c.callee),
            Node::Block(b) => match &b.kind {
                BlockKind::If { condition } => format!("if {condition}"),
                BlockKind::Arm { pattern } => format!("arm {pattern}"),
                BlockKind::Loop { header } => format!("loop {header}"),
                other => format!("{other:?}"),
            },
            Node::Function(f) => format!("fn {}", f.name),
            Node::Return(r) => format!("return {}", r.value_text),
            Node::Assign(a) => format!("assign {}", a.target),
        })
        .collect()
}

fn block(node: &Node) -> &crate::model::Block {
    match node {
        Node::Block(b) => b,
        other => panic!("not a block: {other:?}"),
    }
}

fn keys(value: &Value) -> Vec<&str> {
    match value {
        Value::Object(props) => props.iter().map(|p| p.key.as_str()).collect(),
        other => panic!("not an object: {other:?}"),
    }
}

fn run_on_parser_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(PARSER_STACK_BYTES)
        .spawn(work);
    match handle.map(|h| h.join()) {
        Ok(Ok(value)) => value,
        _ => panic!("parser thread failed"),
    }
}

// ----- positions ---------------------------------------------------------------

#[test]
fn two_files_on_one_thread_both_start_at_line_one() {
    let first = parse("\n\n\nfn first() {\n    a();\n}\n");
    let second = parse("fn second() { b(); }\n");
    assert_eq!(function(&first, "first").span.start_line, 4);
    let f = function(&second, "second");
    assert_eq!((f.span.start_line, f.span.start_col), (1, 1));
    let b = call(&f.body, "b");
    assert_eq!((b.span.start_line, b.span.start_col), (1, 15));
    assert_eq!((b.span.start_byte, b.span.end_byte), (14, 17));
}

#[test]
fn spans_count_characters_in_columns_and_bytes_in_offsets() {
    let source = "fn f() {\n    let s = \"héllo\"; send(s);\n}\n";
    let model = parse(source);
    let send = call(&function(&model, "f").body, "send");
    assert_eq!(send.span.start_line, 2);
    assert_eq!(send.span.start_col, 22);
    assert_eq!(send.span.end_col, 29);
    assert_eq!(&source[send.span.start_byte..send.span.end_byte], "send(s)");
    assert_eq!(send.text, "send(s)");
}

#[test]
fn byte_order_mark_shifts_neither_lines_nor_columns() {
    let source = "\u{feff}fn f() { g(); }\n";
    let model = parse(source);
    let f = function(&model, "f");
    assert_eq!((f.span.start_line, f.span.start_col), (1, 2));
    let g = call(&f.body, "g");
    assert_eq!(&source[g.span.start_byte..g.span.end_byte], "g()");
    assert_eq!(model.parse_errors, 0);
}

#[test]
fn crlf_line_endings_keep_lines_columns_and_bytes() {
    let source = "fn f() {\r\n    // note\r\n    g();\r\n}\r\n";
    let model = parse(source);
    let g = call(&function(&model, "f").body, "g");
    assert_eq!((g.span.start_line, g.span.start_col), (3, 5));
    assert_eq!(&source[g.span.start_byte..g.span.end_byte], "g()");
    assert_eq!(model.comments[0].text, "note");
    assert_eq!(model.comments[0].span.start_line, 2);
}

#[test]
fn shebang_line_is_skipped_with_lines_kept() {
    let model = parse("#!/usr/bin/env run-cargo-script\nfn main() { go(); }\n");
    assert_eq!(model.parse_errors, 0);
    assert_eq!(function(&model, "main").span.start_line, 2);
}

// ----- functions -----------------------------------------------------------

#[test]
fn attributes_are_decorators_with_paths_and_arguments() {
    let model = parse(
        r#"
/// Creates an order.
#[post("/checkout")]
#[instrument(skip(db), name = "checkout")]
#[tokio::main]
pub async fn checkout(db: Db) {}
"#,
    );
    let f = function(&model, "checkout");
    assert!(f.is_async);
    assert_eq!(f.origin, FunctionOrigin::Declaration);
    let names: Vec<&str> = f.decorators.iter().map(|d| d.callee.as_str()).collect();
    assert_eq!(names, ["post", "instrument", "tokio.main"]);
    assert_eq!(f.decorators[0].first_string_arg(), Some("/checkout"));
    assert_eq!(f.decorators[0].text, "post(\"/checkout\")");
    let instrument = &f.decorators[1];
    let Value::Call(skip) = &instrument.args[0].value else {
        panic!("skip(db) is a call: {instrument:?}");
    };
    assert_eq!(skip.callee, "skip");
    assert!(matches!(&skip.args[0].value, Value::Path(p) if p == "db"));
    assert_eq!(instrument.args[1].keyword.as_deref(), Some("name"));
    assert!(matches!(&instrument.args[1].value, Value::String(s) if s == "checkout"));
    let main = &f.decorators[2];
    assert_eq!(
        (main.receiver.as_deref(), main.method.as_str()),
        (Some("tokio"), "main")
    );
    assert!(main.args.is_empty());
    // The span starts at `pub`, after the attributes.
    assert_eq!((f.span.start_line, f.span.start_col), (6, 1));
}

#[test]
fn impl_methods_are_named_type_dot_method_with_trait_as_base() {
    let model = parse(
        r#"
impl<T: Clone> OrderService<T> {
    pub async fn create(&self, order: Order) -> Result<()> { self.repo.save(&order).await }
}
impl Handler for &Worker {
    fn handle(&mut self) {}
}
"#,
    );
    let create = function(&model, "OrderService.create");
    assert_eq!(create.class.as_deref(), Some("OrderService"));
    assert!(create.class_bases.is_empty());
    assert!(create.is_async);
    assert_eq!(create.params[0].name, "self");
    assert_eq!(create.params[1].name, "order");
    assert_eq!(create.params[1].type_annotation.as_deref(), Some("Order"));
    let handle = function(&model, "Worker.handle");
    assert_eq!(handle.class.as_deref(), Some("Worker"));
    assert_eq!(handle.class_bases, ["Handler"]);
}

#[test]
fn trait_default_methods_are_functions_and_required_ones_are_not() {
    let model = parse(
        r#"
trait Notifier: Send + Sync {
    fn required(&self);
    fn notify(&self, topic: &str) { self.publish(topic); }
}
"#,
    );
    assert_eq!(outline(&model.module.body), ["fn Notifier.notify"]);
    let notify = function(&model, "Notifier.notify");
    assert_eq!(notify.class.as_deref(), Some("Notifier"));
    assert_eq!(notify.class_bases, ["Send", "Sync"]);
    assert_eq!(call(&notify.body, "self.publish").method, "publish");
}

#[test]
fn module_items_are_qualified_with_the_module_path() {
    let model = parse(
        r#"
mod handlers {
    pub mod orders {
        pub fn create() {}
        impl Repo { fn save(&self) {} }
    }
}
"#,
    );
    assert_eq!(
        outline(&model.module.body),
        ["fn handlers.orders.create", "fn handlers.orders.Repo.save"]
    );
    assert_eq!(
        function(&model, "handlers.orders.Repo.save")
            .class
            .as_deref(),
        Some("Repo")
    );
}

#[test]
fn nested_fn_is_a_function_node_with_its_plain_name() {
    let model = parse("fn outer() { fn helper() { work(); } helper(); }");
    let outer = function(&model, "outer");
    assert_eq!(outline(&outer.body), ["fn helper", "call helper"]);
    assert_eq!(callees(&function(&model, "helper").body), ["work"]);
}

#[test]
fn params_keep_patterns_types_and_destructured_keys() {
    let model = parse(
        "async fn h(State(pool): State<PgPool>, Json(OrderRequest { id, items }): Json<OrderRequest>, mut n: u32) {}",
    );
    let params = &function(&model, "h").params;
    assert_eq!(params[0].name, "State(pool)");
    assert!(params[0].destructured.is_empty());
    assert_eq!(params[0].type_annotation.as_deref(), Some("State<PgPool>"));
    assert_eq!(params[1].name, "Json(OrderRequest { id, items })");
    assert_eq!(params[1].destructured, ["id", "items"]);
    assert_eq!(params[2].name, "n");
}

#[test]
fn statics_and_consts_are_bindings() {
    let model = parse(
        "static CLIENT: Lazy<Client> = Lazy::new(|| Client::new());\nconst MAX_ATTEMPTS: u32 = 3;",
    );
    let lazy = call(&model.module.body, "Lazy.new");
    assert_eq!(lazy.bound_to.as_deref(), Some("CLIENT"));
    assert_eq!(lazy.result, CallResult::Bound);
    let Node::Assign(max) = &model.module.body[1] else {
        panic!("const is an assignment");
    };
    assert_eq!(max.target, "MAX_ATTEMPTS");
    assert!(matches!(&max.value, Value::Number(n) if n == "3"));
}

// ----- calls ---------------------------------------------------------------

#[test]
fn path_calls_turn_double_colons_into_dots_and_drop_generics() {
    let model = parse(
        "fn f() { let id = Uuid::new_v4(); sqlx::query(SQL); Vec::<u8>::new(); let v = xs.iter().collect::<Vec<_>>(); <Foo as Bar>::baz(); }",
    );
    let body = &function(&model, "f").body;
    let uuid = call(body, "Uuid.new_v4");
    assert_eq!(
        (uuid.receiver.as_deref(), uuid.method.as_str()),
        (Some("Uuid"), "new_v4")
    );
    assert_eq!(uuid.bound_to.as_deref(), Some("id"));
    assert_eq!(call(body, "sqlx.query").receiver.as_deref(), Some("sqlx"));
    call(body, "Vec.new");
    assert_eq!(call(body, "xs.iter().collect").method, "collect");
    call(body, "Bar.baz");
}

#[test]
fn reqwest_post_chain_is_one_call_with_inner_calls_in_chain() {
    let source = r#"
async fn notify(client: &Client, body: Payload) -> Result<Response> {
    let res = client.post(url).json(&body).send().await?;
    Ok(res)
}
"#;
    let model = parse(source);
    let body = &function(&model, "notify").body;
    assert_eq!(
        outline(body),
        ["call client.post().json().send", "return Ok(res)"]
    );
    let Node::Call(send) = &body[0] else {
        unreachable!()
    };
    assert_eq!(send.method, "send");
    assert_eq!(send.receiver.as_deref(), Some("client.post().json()"));
    assert!(send.awaited && send.propagated);
    assert_eq!(send.result, CallResult::Bound);
    assert_eq!(send.bound_to.as_deref(), Some("res"));
    assert_eq!(send.text, "client.post(url).json(&body).send()");
    assert_eq!(
        (send.span.start_line, send.span.start_col, send.span.end_col),
        (3, 15, 50)
    );
    let chain: Vec<(&str, &str)> = send
        .chain
        .iter()
        .map(|c| (c.callee.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        chain,
        [
            ("client.post", "client.post(url)"),
            ("client.post().json", "client.post(url).json(&body)")
        ]
    );
    assert!(matches!(&send.chain[0].args[0].value, Value::Path(p) if p == "url"));
    assert!(matches!(&send.chain[1].args[0].value, Value::Path(p) if p == "body"));
    assert_eq!(send.chain[1].args[0].text, "&body");
    assert!(send.chain.iter().all(|c| c.result == CallResult::Used));
}

#[test]
fn awaits_and_question_marks_inside_a_chain_stay_with_their_call() {
    let model = parse("async fn f() { let o: Order = client.get(u).send().await?.json().await?; }");
    let json = call(&function(&model, "f").body, "client.get().send().json");
    assert!(json.awaited && json.propagated);
    let send = &json.chain[1];
    assert_eq!(send.callee, "client.get().send");
    assert!(send.awaited && send.propagated);
    assert!(!json.chain[0].awaited);
}

#[test]
fn field_access_between_calls_is_part_of_the_path() {
    let model = parse("fn f(&self) { self.state().producer.send(r); }");
    let send = call(&function(&model, "f").body, "self.state().producer.send");
    assert_eq!(send.receiver.as_deref(), Some("self.state().producer"));
    assert_eq!(send.chain[0].callee, "self.state");
}

#[test]
fn let_bound_awaited_propagated_call() {
    let model = parse("async fn f() { let mut tx = pool.begin().await?; }");
    let begin = call(&function(&model, "f").body, "pool.begin");
    assert_eq!(begin.bound_to.as_deref(), Some("tx"));
    assert_eq!(begin.result, CallResult::Bound);
    assert!(begin.awaited && begin.propagated);
    assert_eq!(begin.text, "pool.begin()");
}

#[test]
fn let_underscore_is_explicitly_ignored() {
    let model = parse(
        "async fn f() { let _ = producer.send(record, timeout).await; let _guard = lock(); }",
    );
    let body = &function(&model, "f").body;
    let send = call(body, "producer.send");
    assert_eq!(send.result, CallResult::ExplicitlyIgnored);
    assert_eq!(send.bound_to, None);
    assert!(send.awaited);
    let lock = call(body, "lock");
    assert_eq!(lock.result, CallResult::Bound);
    assert_eq!(lock.bound_to.as_deref(), Some("_guard"));
}

#[test]
fn ok_statement_keeps_the_sink_call_in_its_chain() {
    let model = parse("fn f() { sink(x).ok(); }");
    let body = &function(&model, "f").body;
    assert_eq!(outline(body), ["call sink().ok"]);
    let ok = call(body, "sink().ok");
    assert_eq!(ok.method, "ok");
    assert_eq!(ok.result, CallResult::Discarded);
    assert_eq!(ok.chain.len(), 1);
    assert_eq!(ok.chain[0].callee, "sink");
    assert!(matches!(&ok.chain[0].args[0].value, Value::Path(p) if p == "x"));
}

#[test]
fn assignments_bind_calls_and_record_plain_values() {
    let model = parse(
        "async fn f(&mut self) { let mut attempts = 0; self.tx = pool.begin().await?; key = format!(\"{id}\"); attempts += 1; _ = flush(); }",
    );
    let body = &function(&model, "f").body;
    assert_eq!(
        outline(body),
        [
            "assign attempts",
            "call pool.begin",
            "call format!",
            "assign attempts",
            "call flush"
        ]
    );
    assert_eq!(
        call(body, "pool.begin").bound_to.as_deref(),
        Some("self.tx")
    );
    assert_eq!(call(body, "format!").bound_to.as_deref(), Some("key"));
    assert_eq!(call(body, "flush").result, CallResult::ExplicitlyIgnored);
}

#[test]
fn tail_expressions_and_returns_are_return_nodes() {
    let model = parse(
        r#"
async fn f() -> Result<u32> {
    if missing { return Err(Error::NotFound); }
    let n = count().await?;
    Ok(n)
}
fn g() -> Client { Client::new() }
"#,
    );
    let body = &function(&model, "f").body;
    assert_eq!(outline(body), ["if missing", "call count", "return Ok(n)"]);
    let early = block(&body[0]);
    let Node::Return(ret) = &early.body[0] else {
        panic!("early return");
    };
    assert_eq!(ret.value_text, "Err(Error::NotFound)");
    let Some(Value::Call(err)) = &ret.value else {
        panic!("returned call");
    };
    assert_eq!(
        (err.callee.as_str(), err.result),
        ("Err", CallResult::Returned)
    );
    let client = call(&function(&model, "g").body, "Client.new");
    assert_eq!(client.result, CallResult::Returned);
}

#[test]
fn bare_return_has_empty_text_and_no_value() {
    let model = parse("fn f() { if done { return; } }");
    let branch = block(&function(&model, "f").body[0]);
    let Node::Return(ret) = &branch.body[0] else {
        panic!("return");
    };
    assert_eq!(ret.value_text, "");
    assert!(ret.value.is_none());
}

#[test]
fn calls_nested_as_arguments_are_call_values() {
    let model = parse("fn f() { outer(inner(1), &mut conn, \"topic\", true, 2.5, [a, b]); }");
    let outer = call(&function(&model, "f").body, "outer");
    let shapes: Vec<String> = outer
        .args
        .iter()
        .map(|a| match &a.value {
            Value::Call(c) => format!("call {} {:?}", c.callee, c.result),
            Value::Path(p) => format!("path {p}"),
            Value::String(s) => format!("string {s}"),
            Value::Bool(b) => format!("bool {b}"),
            Value::Number(n) => format!("number {n}"),
            Value::Array(items) => format!("array {}", items.len()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        shapes,
        [
            "call inner Used",
            "path conn",
            "string topic",
            "bool true",
            "number 2.5",
            "array 2"
        ]
    );
    assert_eq!(outer.args[1].text, "&mut conn");
}

#[test]
fn calls_inside_operators_and_conditions_are_kept_as_used_calls() {
    let model = parse("fn f() { let total = price(a) * qty(b); }");
    let body = &function(&model, "f").body;
    assert_eq!(outline(body), ["call price", "call qty", "assign total"]);
    assert_eq!(call(body, "qty").result, CallResult::Used);
}

// ----- macros --------------------------------------------------------------

#[test]
fn json_macro_is_an_object_with_keys() {
    let model = parse(
        r#"
fn f() {
    let payload = json!({ "orderId": order.id, total: total(), "items": [{ "sku": sku }], "meta": null });
    client.post(url).json(&json!({ "event": "order.created" }));
}
"#,
    );
    let body = &function(&model, "f").body;
    let Node::Assign(payload) = &body[0] else {
        panic!("json! binds a value: {body:#?}");
    };
    assert_eq!(payload.target, "payload");
    assert_eq!(keys(&payload.value), ["orderId", "total", "items", "meta"]);
    let Value::Object(props) = &payload.value else {
        unreachable!()
    };
    assert!(matches!(&props[0].value, Value::Path(p) if p == "order.id"));
    assert!(matches!(&props[1].value, Value::Call(c) if c.callee == "total"));
    let Value::Array(items) = &props[2].value else {
        panic!("array");
    };
    assert_eq!(keys(&items[0]), ["sku"]);
    assert_eq!(props[0].span.start_line, 3);
    let post = call(body, "client.post().json");
    assert_eq!(post.option_keys(), ["event"]);
    assert!(matches!(post.option_value("event"), Some(Value::String(s)) if s == "order.created"));
}

#[test]
fn macro_invocations_are_calls_named_with_a_bang() {
    let model = parse(
        r#"
fn f() {
    println!("{}", render(x));
    tracing::warn!(order_id = %order.id, "payment failed");
    warn!("skipped {}", id);
    let items = vec![load(a), load(b)];
}
"#,
    );
    let body = &function(&model, "f").body;
    let println = call(body, "println!");
    assert_eq!(println.method, "println!");
    assert_eq!(println.first_string_arg(), Some("{}"));
    assert!(matches!(&println.args[1].value, Value::Call(c) if c.callee == "render"));
    let tracing = call(body, "tracing.warn!");
    assert_eq!(
        (tracing.receiver.as_deref(), tracing.method.as_str()),
        (Some("tracing"), "warn!")
    );
    assert_eq!(tracing.args[0].keyword.as_deref(), Some("order_id"));
    assert!(matches!(tracing.args[0].value, Value::Other));
    assert_eq!(tracing.args[0].text, "order_id = %order.id");
    assert_eq!(tracing.first_string_arg(), Some("payment failed"));
    call(body, "warn!");
    let Node::Assign(items) = &body[3] else {
        panic!("vec! binds an array");
    };
    assert!(matches!(&items.value, Value::Array(v) if v.len() == 2));
    // A call is visited before the calls in its arguments.
    assert_eq!(
        callees(body),
        [
            "println!",
            "render",
            "tracing.warn!",
            "warn!",
            "load",
            "load"
        ]
    );
}

#[test]
fn calls_inside_join_and_select_macros_are_visible() {
    let model = parse(
        r#"
async fn f() {
    tokio::join!(a.send(), b.send());
    tokio::select! {
        biased;
        msg = rx.recv() => { handle(msg).await; }
        _ = shutdown.changed(), if armed => break,
    }
    done();
}
"#,
    );
    let body = &function(&model, "f").body;
    let join = call(body, "tokio.join!");
    let joined: Vec<&str> = join
        .args
        .iter()
        .map(|a| match &a.value {
            Value::Call(c) => c.callee.as_str(),
            _ => "?",
        })
        .collect();
    assert_eq!(joined, ["a.send", "b.send"]);
    assert_eq!(
        outline(body),
        [
            "call tokio.join!",
            "arm msg",
            "arm _",
            "call tokio.select!",
            "call done"
        ]
    );
    assert_eq!(callees(&block(&body[1]).body), ["handle"]);
    assert!(block(&body[2]).body.is_empty());
    let select = call(body, "tokio.select!");
    assert!(matches!(&select.args[0].value, Value::Call(c) if c.callee == "rx.recv"));
    assert!(matches!(&select.args[1].value, Value::Call(c) if c.callee == "shutdown.changed"));
}

#[test]
fn struct_literal_is_an_object_with_field_keys() {
    let model = parse(
        "fn f() { bus.publish(OrderCreated { order_id: id, total, meta: Meta { at: now() }, ..Default::default() }); }",
    );
    let publish = call(&function(&model, "f").body, "bus.publish");
    assert_eq!(
        keys(&publish.args[0].value),
        ["order_id", "total", "meta", "..."]
    );
    assert_eq!(
        publish.option_keys(),
        ["order_id", "total", "meta", "at", "..."]
    );
    assert!(matches!(publish.option_value("total"), Some(Value::Path(p)) if p == "total"));
    assert!(
        matches!(publish.option_value("..."), Some(Value::Call(c)) if c.callee == "Default.default")
    );
}

// ----- closures ------------------------------------------------------------

#[test]
fn spawned_async_block_is_a_callback_function() {
    let model = parse("async fn f() { tokio::spawn(async move { mailer.send(email).await; }); }");
    let spawn = call(&function(&model, "f").body, "tokio.spawn");
    let Value::Function(task) = &spawn.args[0].value else {
        panic!("async block is a function value");
    };
    assert!(task.is_async);
    assert_eq!(task.name, "tokio.spawn");
    assert_eq!(
        task.origin,
        FunctionOrigin::Callback {
            callee: "tokio.spawn".to_string(),
            index: 0,
            first_string: None
        }
    );
    let send = call(&task.body, "mailer.send");
    assert!(send.awaited);
    assert_eq!(send.result, CallResult::Discarded);
}

#[test]
fn closure_argument_is_a_callback_named_after_callee_and_first_string() {
    let model = parse(
        r#"fn f() { consumer.on("order.created", move |msg: Message| async move { process(msg).await }); }"#,
    );
    let on = call(&function(&model, "f").body, "consumer.on");
    let callback = on.callbacks().next().expect("callback");
    assert_eq!(callback.name, "consumer.on(\"order.created\")");
    assert_eq!(
        callback.origin,
        FunctionOrigin::Callback {
            callee: "consumer.on".to_string(),
            index: 1,
            first_string: Some("order.created".to_string())
        }
    );
    assert!(callback.is_async);
    assert_eq!(callback.params[0].name, "msg");
    assert_eq!(
        callback.params[0].type_annotation.as_deref(),
        Some("Message")
    );
    let process = call(&callback.body, "process");
    assert_eq!(process.result, CallResult::Returned);
}

#[test]
fn closure_bound_to_a_variable_is_named_after_it() {
    let model = parse("fn f() { let handler = |x| publish(x); let fut = async { go().await }; }");
    let body = &function(&model, "f").body;
    let names: Vec<(&str, &FunctionOrigin, bool)> = body
        .iter()
        .filter_map(|n| match n {
            Node::Assign(a) => match &a.value {
                Value::Function(f) => Some((f.name.as_str(), &f.origin, f.is_async)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            ("handler", &FunctionOrigin::Anonymous, false),
            ("fut", &FunctionOrigin::Anonymous, true)
        ]
    );
    assert_eq!(callees(body), ["publish", "go"]);
}

// ----- blocks --------------------------------------------------------------

#[test]
fn if_let_err_call_is_used_and_the_branch_is_an_if_block() {
    let model = parse(
        "async fn f() { if let Err(e) = publish(&event).await { tracing::error!(?e, \"publish failed\"); } }",
    );
    let body = &function(&model, "f").body;
    assert_eq!(
        outline(body),
        ["call publish", "if let Err(e) = publish(&event).await"]
    );
    let publish = call(body, "publish");
    assert_eq!(publish.result, CallResult::Used);
    assert!(publish.awaited);
    assert_eq!(callees(&block(&body[1]).body), ["tracing.error!"]);
}

#[test]
fn if_else_if_else_are_sibling_if_blocks() {
    let model = parse("fn f() { if a() { x(); } else if b() { y(); } else { z(); } done(); }");
    let body = &function(&model, "f").body;
    assert_eq!(
        outline(body),
        ["call a", "if a()", "if b()", "if else", "call done"]
    );
    // An `else if` condition runs only when reached: its calls open its block.
    assert_eq!(outline(&block(&body[2]).body), ["call b", "call y"]);
    assert_eq!(block(&body[3]).span.start_line, 1);
}

#[test]
fn match_scrutinee_call_is_used_and_arms_are_blocks() {
    let model = parse(
        r#"
async fn f() -> Result<()> {
    match charge(&card).await {
        Ok(receipt) if receipt.ok() => save(receipt),
        Ok(_) => {}
        Err(e) => return Err(e.into()),
    }
}
"#,
    );
    let body = &function(&model, "f").body;
    assert_eq!(
        outline(body),
        [
            "call charge",
            "arm Ok(receipt) if receipt.ok()",
            "arm Ok(_)",
            "arm Err(e)"
        ]
    );
    let charge = call(body, "charge");
    assert_eq!(charge.result, CallResult::Used);
    assert!(charge.awaited);
    let guarded = block(&body[1]);
    assert_eq!(
        outline(&guarded.body),
        ["call receipt.ok", "return save(receipt)"]
    );
    assert!(block(&body[2]).body.is_empty());
    assert_eq!(outline(&block(&body[3]).body), ["return Err(e.into())"]);
    assert_eq!(block(&body[3]).span.start_line, 6);
}

#[test]
fn match_in_a_let_emits_its_arms_before_the_binding() {
    let model = parse(
        "fn f() { let order = match repo.find(id) { Some(o) => o, None => return }; ship(order); }",
    );
    let body = &function(&model, "f").body;
    assert_eq!(
        outline(body),
        [
            "call repo.find",
            "arm Some(o)",
            "arm None",
            "assign order",
            "call ship"
        ]
    );
    assert_eq!(outline(&block(&body[2]).body), ["return "]);
}

#[test]
fn loops_have_their_header_text() {
    let model = parse(
        r#"
async fn f() {
    for attempt in 0..max_attempts() { send().await; }
    while let Some(msg) = consumer.recv().await { handle(msg); }
    loop { tick().await; }
}
"#,
    );
    let body = &function(&model, "f").body;
    assert_eq!(
        outline(body),
        [
            "call max_attempts",
            "loop attempt in 0..max_attempts()",
            "loop let Some(msg) = consumer.recv().await",
            "loop loop"
        ]
    );
    assert_eq!(outline(&block(&body[1]).body), ["call send"]);
    // A `while` condition runs on every iteration: its calls open the body.
    assert_eq!(
        outline(&block(&body[2]).body),
        ["call consumer.recv", "call handle"]
    );
}

#[test]
fn let_else_diverging_block_follows_the_binding() {
    let model = parse(
        "async fn f() { let Some(order) = repo.find(id).await? else { warn!(\"missing\"); return Ok(()); }; }",
    );
    let body = &function(&model, "f").body;
    assert_eq!(outline(body), ["call repo.find", "if else"]);
    assert_eq!(
        call(body, "repo.find").bound_to.as_deref(),
        Some("Some(order)")
    );
    assert_eq!(
        outline(&block(&body[1]).body),
        ["call warn!", "return Ok(())"]
    );
}

#[test]
fn unsafe_and_bare_blocks_are_plain_blocks() {
    let model = parse("fn f() { unsafe { raw(); } { scoped(); } }");
    let body = &function(&model, "f").body;
    assert!(matches!(block(&body[0]).kind, BlockKind::Plain));
    assert!(matches!(block(&body[1]).kind, BlockKind::Plain));
    assert_eq!(callees(body), ["raw", "scoped"]);
}

// ----- comments ------------------------------------------------------------

#[test]
fn comments_are_collected_around_strings_chars_and_lifetimes() {
    let source = r####"//! Crate docs.
/// Doc for f.
fn f<'a>(x: &'a str) -> char {
    let s = r#"not // a comment "# ; // real one
    let t = "/* nor this */ \" // nor this";
    let q = '"'; /* outer /* nested */ still outer */
    let l = b'\''; 'label: loop { break 'label; }
    '/' // after a char
}
"####;
    let model = parse(source);
    let texts: Vec<&str> = model.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Crate docs.",
            "Doc for f.",
            "real one",
            "outer /* nested */ still outer",
            "after a char"
        ]
    );
    let real = &model.comments[2];
    assert_eq!((real.span.start_line, real.span.start_col), (4, 38));
    assert_eq!(
        &source[real.span.start_byte..real.span.end_byte],
        "// real one"
    );
    assert_eq!(model.parse_errors, 0);
}

#[test]
fn comments_are_kept_for_files_that_do_not_parse() {
    let model = parse("// expect: sequencing/side-effect-in-transaction\nfn f( {\n");
    assert_eq!(model.comments.len(), 1);
    assert_eq!(
        model.comments[0].text,
        "expect: sequencing/side-effect-in-transaction"
    );
}

// ----- syntax errors -------------------------------------------------------

#[test]
fn syntax_error_keeps_the_other_items_and_counts_the_broken_one() {
    let model = parse(
        r#"
fn before() { a(); }

fn broken() -> {
}

fn after() { b(); }
"#,
    );
    assert_eq!(model.parse_errors, 1);
    assert_eq!(outline(&model.module.body), ["fn before", "fn after"]);
    let after = function(&model, "after");
    assert_eq!(after.span.start_line, 7);
    assert_eq!(call(&after.body, "b").span.start_line, 7);
}

#[test]
fn unterminated_block_does_not_swallow_the_following_items() {
    let model = parse("fn open() {\n    x(\n\nfn later() { y(); }\n");
    assert!(model.parse_errors >= 1);
    assert_eq!(callees(&function(&model, "later").body), ["y"]);
}

#[test]
fn broken_method_keeps_its_sibling_methods() {
    let model = parse(
        r#"
#[async_trait]
impl Handler for Worker {
    async fn good(&self) { fine().await; }

    async fn bad(&self) {
        let x = ;
        still_here();
    }
}
"#,
    );
    assert_eq!(model.parse_errors, 1);
    assert_eq!(
        outline(&model.module.body),
        ["fn Worker.good", "fn Worker.bad"]
    );
    let bad = function(&model, "Worker.bad");
    assert_eq!(bad.class_bases, ["Handler"]);
    assert_eq!((bad.span.start_line, bad.span.end_line), (6, 9));
    assert_eq!(callees(&bad.body), ["still_here"]);
    assert_eq!(call(&bad.body, "still_here").span.start_line, 8);
}

#[test]
fn broken_statement_keeps_the_other_statements_of_its_function() {
    let model = parse(
        r#"
async fn checkout(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    let = insert(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
"#,
    );
    assert_eq!(model.parse_errors, 1);
    let f = function(&model, "checkout");
    assert_eq!(f.params[0].name, "pool");
    assert_eq!(
        outline(&f.body),
        ["call pool.begin", "call tx.commit", "return Ok(())"]
    );
}

#[test]
fn garbage_input_yields_an_empty_model_with_errors() {
    for source in [
        "}}}{{{",
        "fn",
        "'",
        "r#\"",
        "/* unterminated",
        "\"",
        "b'",
        "é'x",
    ] {
        let model = parse(source);
        assert!(model.parse_errors >= 1, "{source:?}");
    }
}

#[test]
fn odd_literals_and_tokens_do_not_panic() {
    let snippets = [
        r#"fn f() { g("\q", "\u{110000}", "\x80", '\u{d800}', b"\xff", c"a\0b", 1e999, 0x, 1u999); }"#,
        r#"fn f() { json!({ 1: 2, "a" 3, : , [x]: y, "k": }); json!(); json!(null); }"#,
        r#"fn f() { tokio::select! { => , x = => {}, = y => z, }; m!(=); m!(a =); m!(,,,); }"#,
        r#"#[a = ] #[b(=)] fn f() {}"#,
        "fn f() { x.await.await?.0.1[2](); (a.b)(); (|| 1)(); }",
        "fn f() { let r#type = r#match(); 'a: { break 'a 1; } }",
    ];
    for source in snippets {
        let model = parse(source);
        assert!(
            model.parse_errors > 0 || !model.module.body.is_empty(),
            "{source}"
        );
    }
}

// ----- depth ---------------------------------------------------------------

fn assert_deep_input_is_truncated(source: String) {
    let model = run_on_parser_thread(move || parse(&source));
    assert_eq!(model.parse_errors, 0);
    assert!(model.truncated);
    assert_eq!(outline(&model.module.body), ["fn f"]);
}

#[test]
fn ten_thousand_nested_blocks_are_truncated_without_overflow() {
    let depth = 10_000;
    assert_deep_input_is_truncated(format!(
        "fn f() {{ {} g(); {} }}",
        "{ ".repeat(depth),
        "} ".repeat(depth)
    ));
}

#[test]
fn ten_thousand_nested_parentheses_and_calls_are_truncated_without_overflow() {
    let depth = 10_000;
    assert_deep_input_is_truncated(format!(
        "fn f() {{ let x = {}1{}; g({}{}); }}",
        "(".repeat(depth),
        ")".repeat(depth),
        "h(".repeat(depth),
        ")".repeat(depth)
    ));
}

#[test]
fn ten_thousand_nested_closures_and_arrays_are_truncated_without_overflow() {
    let depth = 10_000;
    assert_deep_input_is_truncated(format!(
        "fn f() {{ let c = {}g(); let a = {}{}; let j = json!({}{}); }}",
        "|| ".repeat(depth),
        "[".repeat(depth),
        "]".repeat(depth),
        "[".repeat(depth),
        "]".repeat(depth)
    ));
}

#[test]
fn ten_thousand_link_method_chain_is_truncated_without_overflow() {
    let source = format!("fn f() {{ a{}; }}", ".b()".repeat(10_000));
    let model = run_on_parser_thread(move || parse(&source));
    assert!(model.truncated);
    let f = function(&model, "f");
    let Node::Call(outer) = &f.body[0] else {
        panic!("chain is one call");
    };
    assert!(outer.chain.len() < MAX_MODEL_DEPTH);
    assert!(outer.callee.starts_with("<expr>.b().b()"));
}

#[test]
fn ten_thousand_else_ifs_are_siblings_not_nesting() {
    let mut source = String::from("fn f() { if c0 { a(); }");
    for i in 1..10_000 {
        source.push_str(&format!(" else if c{i} {{ a(); }}"));
    }
    source.push_str(" }");
    let model = run_on_parser_thread(move || parse(&source));
    assert!(!model.truncated);
    assert_eq!(function(&model, "f").body.len(), 10_000);
}

// ----- the article's examples ----------------------------------------------

const SQLX_CHECKOUT: &str = r#"
#[post("/checkout")]
async fn checkout(
    State(app): State<AppState>,
    Json(req): Json<CheckoutRequest>,
) -> Result<Json<Order>, AppError> {
    let mut tx = app.pool.begin().await?;
    let order = sqlx::query_as!(Order, "INSERT INTO orders (user_id, total) VALUES ($1, $2) RETURNING *", req.user_id, req.total)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query!("UPDATE inventory SET reserved = reserved + 1 WHERE sku = $1", req.sku)
        .execute(&mut *tx)
        .await?;
    let payload = serde_json::to_vec(&OrderCreated { order_id: order.id, total: order.total })?;
    producer
        .send(
            FutureRecord::to("order.created").key(&order.id.to_string()).payload(&payload),
            Duration::from_secs(0),
        )
        .await;
    tx.commit().await?;
    Ok(Json(order))
}
"#;

#[test]
fn sqlx_checkout_publishes_inside_the_transaction() {
    let model = parse(SQLX_CHECKOUT);
    assert_eq!(model.parse_errors, 0);
    let f = function(&model, "checkout");
    assert_eq!(f.decorators[0].first_string_arg(), Some("/checkout"));
    assert_eq!(
        outline(&f.body),
        [
            "call app.pool.begin",
            "call sqlx.query_as!().fetch_one",
            "call sqlx.query!().execute",
            "call serde_json.to_vec",
            "call producer.send",
            "call tx.commit",
            "return Ok(Json(order))"
        ]
    );
    let begin = call(&f.body, "app.pool.begin");
    assert_eq!(
        (begin.bound_to.as_deref(), begin.awaited, begin.propagated),
        (Some("tx"), true, true)
    );
    let fetch = call(&f.body, "sqlx.query_as!().fetch_one");
    assert_eq!(fetch.bound_to.as_deref(), Some("order"));
    assert!(matches!(&fetch.args[0].value, Value::Path(p) if p == "tx"));
    assert_eq!(fetch.chain[0].callee, "sqlx.query_as!");
    assert!(
        fetch.chain[0]
            .first_string_arg()
            .is_some_and(|s| s.starts_with("INSERT"))
    );
    let to_vec = call(&f.body, "serde_json.to_vec");
    assert_eq!(to_vec.option_keys(), ["order_id", "total"]);
    let send = call(&f.body, "producer.send");
    assert!(send.awaited && !send.propagated);
    assert_eq!(send.result, CallResult::Discarded);
    assert_eq!(send.span.start_line, 15);
    let Value::Call(record) = &send.args[0].value else {
        panic!("record argument is a call");
    };
    assert_eq!(record.callee, "FutureRecord.to().key().payload");
    assert_eq!(record.chain[0].first_string_arg(), Some("order.created"));
    assert!(matches!(&send.args[1].value, Value::Call(c) if c.callee == "Duration.from_secs"));
    let commit = call(&f.body, "tx.commit");
    assert!(commit.awaited && commit.propagated);
}

#[test]
fn fixed_sqlx_checkout_publishes_after_commit() {
    let fixed = r#"
async fn checkout(pool: &PgPool, producer: &FutureProducer, req: CheckoutRequest) -> Result<()> {
    let mut tx = pool.begin().await?;
    let order_id = sqlx::query_scalar!("INSERT INTO orders (total) VALUES ($1) RETURNING id", req.total)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    let payload = json!({ "orderId": order_id, "total": req.total });
    if let Err((e, _)) = producer
        .send(FutureRecord::to("order.created").payload(&payload.to_string()), Duration::from_secs(5))
        .await
    {
        tracing::error!(error = ?e, order_id = %order_id, "order.created not published");
        return Err(e.into());
    }
    Ok(())
}
"#;
    let model = parse(fixed);
    let f = function(&model, "checkout");
    assert_eq!(
        outline(&f.body)[..5],
        [
            "call pool.begin",
            "call sqlx.query_scalar!().fetch_one",
            "call tx.commit",
            "assign payload",
            "call producer.send"
        ]
    );
    let Node::Assign(payload) = &f.body[3] else {
        unreachable!()
    };
    assert_eq!(keys(&payload.value), ["orderId", "total"]);
    let send = call(&f.body, "producer.send");
    assert_eq!(send.result, CallResult::Used);
    assert!(send.awaited);
    let branch = block(&f.body[5]);
    assert!(
        matches!(&branch.kind, BlockKind::If { condition } if condition.starts_with("let Err((e, _)) = producer"))
    );
    assert_eq!(
        outline(&branch.body),
        ["call tracing.error!", "return Err(e.into())"]
    );
}

#[test]
fn diesel_transaction_callback_holds_the_publish() {
    let model = parse(
        r#"
pub fn create_order(conn: &mut PgConnection, publisher: &Publisher, new_order: NewOrder) -> QueryResult<()> {
    conn.transaction(|c| {
        diesel::insert_into(orders::table).values(&new_order).execute(c)?;
        let payload = serde_json::to_string(&new_order)?;
        publisher.publish("order.created", &payload)?;
        Ok(())
    })
}
"#,
    );
    let f = function(&model, "create_order");
    let Node::Return(ret) = &f.body[0] else {
        panic!("the transaction is the tail expression");
    };
    let Some(Value::Call(transaction)) = &ret.value else {
        panic!("returned call");
    };
    assert_eq!(transaction.callee, "conn.transaction");
    assert_eq!(transaction.result, CallResult::Returned);
    let callback = transaction.callbacks().next().expect("callback");
    assert_eq!(callback.name, "conn.transaction");
    assert_eq!(callback.params[0].name, "c");
    assert_eq!(
        outline(&callback.body),
        [
            "call diesel.insert_into().values().execute",
            "call serde_json.to_string",
            "call publisher.publish",
            "return Ok(())"
        ]
    );
    let publish = call(&callback.body, "publisher.publish");
    assert_eq!(publish.first_string_arg(), Some("order.created"));
    assert!(publish.propagated);
    assert_eq!(publish.result, CallResult::Discarded);
}

#[test]
fn worker_skips_unpaid_orders_silently() {
    let model = parse(
        r#"
pub async fn run(consumer: StreamConsumer, db: PgPool) {
    consumer.subscribe(&["order.created"]).expect("subscribe");
    while let Ok(message) = consumer.recv().await {
        let event: OrderCreated = serde_json::from_slice(message.payload().unwrap_or_default())?;
        let order = load_order(&db, event.order_id).await?;
        if order.status != OrderStatus::Paid {
            warn!(order_id = %order.id, "order not paid, skipping");
            continue;
        }
        fulfil(&db, &order).await?;
    }
}
"#,
    );
    let f = function(&model, "run");
    assert_eq!(outline(&f.body)[0], "call consumer.subscribe().expect");
    let subscribe = &call(&f.body, "consumer.subscribe().expect").chain[0];
    assert!(
        matches!(&subscribe.args[0].value, Value::Array(topics) if matches!(&topics[0], Value::String(t) if t == "order.created"))
    );
    let worker_loop = block(&f.body[1]);
    assert!(
        matches!(&worker_loop.kind, BlockKind::Loop { header } if header == "let Ok(message) = consumer.recv().await")
    );
    assert_eq!(
        outline(&worker_loop.body),
        [
            "call consumer.recv",
            "call serde_json.from_slice",
            "call load_order",
            "if order.status != OrderStatus::Paid",
            "call fulfil"
        ]
    );
    let skip = block(&worker_loop.body[3]);
    assert_eq!(outline(&skip.body), ["call warn!"]);
    let from_slice = call(&worker_loop.body, "serde_json.from_slice");
    assert!(
        matches!(&from_slice.args[0].value, Value::Call(c) if c.callee == "message.payload().unwrap_or_default")
    );
}

#[test]
fn order_created_handler_returns_early_for_unpaid_orders() {
    let model = parse(
        r#"
pub fn register(worker: &mut Worker, db: PgPool) {
    worker.on("order.created", move |OrderCreated { order_id, .. }| async move {
        let order = orders::find(&db, order_id).await?;
        if order.status != "paid" {
            logger.warn("order not paid", order_id);
            return Ok(());
        }
        fulfilment.ship(&order).await?;
        Ok(())
    });
}
"#,
    );
    let on = call(&function(&model, "register").body, "worker.on");
    let handler = on.callbacks().next().expect("handler");
    assert_eq!(handler.name, "worker.on(\"order.created\")");
    assert!(handler.is_async);
    assert_eq!(handler.params[0].destructured, ["order_id"]);
    assert_eq!(
        outline(&handler.body),
        [
            "call orders.find",
            "if order.status != \"paid\"",
            "call fulfilment.ship",
            "return Ok(())"
        ]
    );
    assert_eq!(
        outline(&block(&handler.body[1]).body),
        ["call logger.warn", "return Ok(())"]
    );
}

#[test]
fn outbox_version_inserts_the_event_in_the_same_transaction() {
    let model = parse(
        r#"
async fn checkout(pool: &PgPool, req: CheckoutRequest) -> Result<Uuid> {
    let mut tx = pool.begin().await?;
    let order_id = Uuid::new_v4();
    sqlx::query("INSERT INTO orders (id, total) VALUES ($1, $2)")
        .bind(order_id)
        .bind(req.total)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO outbox (topic, payload) VALUES ($1, $2)")
        .bind("order.created")
        .bind(Json(json!({ "orderId": order_id })))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(order_id)
}
"#,
    );
    let f = function(&model, "checkout");
    assert_eq!(
        outline(&f.body),
        [
            "call pool.begin",
            "call Uuid.new_v4",
            "call sqlx.query().bind().bind().execute",
            "call sqlx.query().bind().bind().execute",
            "call tx.commit",
            "return Ok(order_id)"
        ]
    );
    let Node::Call(outbox) = &f.body[3] else {
        unreachable!()
    };
    assert!(
        outbox.chain[0]
            .first_string_arg()
            .is_some_and(|sql| sql.contains("outbox"))
    );
    assert_eq!(outbox.chain[1].first_string_arg(), Some("order.created"));
    let Value::Call(json) = &outbox.chain[2].args[0].value else {
        panic!("Json(json!(..)) is a call");
    };
    assert_eq!(json.callee, "Json");
    assert_eq!(keys(&json.args[0].value), ["orderId"]);
}

// ----- lexer ---------------------------------------------------------------

#[test]
fn item_chunks_keep_attributes_where_clauses_and_brace_lines_with_their_item() {
    let source = "use a;\n\n/// doc\n#[derive(Debug)]\nstruct S;\nfn f<T>(t: T)\nwhere\n    T: Clone,\n{\n}\n";
    let chunks: Vec<&str> = super::lexer::item_chunks(source, 0..source.len(), 0)
        .into_iter()
        .map(|r| source[r].trim())
        .collect();
    assert_eq!(
        chunks,
        [
            "use a;",
            "/// doc\n#[derive(Debug)]\nstruct S;",
            "fn f<T>(t: T)\nwhere\n    T: Clone,\n{\n}"
        ]
    );
}

#[test]
fn a_struct_literal_receiver_names_its_type_and_keeps_its_fields_calls() {
    let model = parse(
        "async fn f(c: &Client) {\n    crate::chat::PostMessage { text: &render(), channel }\n        .send(c)\n        .await;\n}\n",
    );
    let f = function(&model, "f");
    assert_eq!(callees(&f.body), ["render", "crate.chat.PostMessage.send"]);
}
