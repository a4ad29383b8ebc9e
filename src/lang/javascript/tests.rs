//! Specs of the JavaScript/TypeScript frontend.

use crate::lang::{Frontend, JavaScriptFrontend, MAX_MODEL_DEPTH, PARSER_STACK_BYTES};
use crate::model::{
    Block, BlockKind, Call, CallResult, FileModel, Function, FunctionOrigin, Language, Node,
    Return, Value,
};

fn parse(language: Language, source: &str) -> FileModel {
    JavaScriptFrontend::new(language).parse(source)
}

fn js(source: &str) -> FileModel {
    parse(Language::JavaScript, source)
}

fn ts(source: &str) -> FileModel {
    parse(Language::TypeScript, source)
}

fn tsx(source: &str) -> FileModel {
    parse(Language::Tsx, source)
}

/// Every call of the model, in source order (chains, arguments, nested functions).
fn all_calls(model: &FileModel) -> Vec<&Call> {
    let mut calls = Vec::new();
    model.module.for_each_call(&mut |call| calls.push(call));
    calls
}

/// The one call with this callee, anywhere in the model.
fn call<'a>(model: &'a FileModel, callee: &str) -> &'a Call {
    let found: Vec<&Call> = all_calls(model)
        .into_iter()
        .filter(|c| c.callee == callee)
        .collect();
    assert_eq!(found.len(), 1, "calls to {callee}: {found:#?}");
    found[0]
}

fn callees(nodes: &[Node]) -> Vec<&str> {
    nodes
        .iter()
        .filter_map(|n| match n {
            Node::Call(c) => Some(c.callee.as_str()),
            _ => None,
        })
        .collect()
}

fn as_call(node: &Node) -> &Call {
    match node {
        Node::Call(call) => call,
        other => panic!("expected a call, got {other:#?}"),
    }
}

fn as_block(node: &Node) -> &Block {
    match node {
        Node::Block(block) => block,
        other => panic!("expected a block, got {other:#?}"),
    }
}

fn as_function(node: &Node) -> &Function {
    match node {
        Node::Function(function) => function,
        other => panic!("expected a function, got {other:#?}"),
    }
}

fn as_return(node: &Node) -> &Return {
    match node {
        Node::Return(ret) => ret,
        other => panic!("expected a return, got {other:#?}"),
    }
}

fn callback(call: &Call, index: usize) -> &Function {
    match &call.args[index].value {
        Value::Function(function) => function,
        other => panic!("argument {index} of {} is {other:#?}", call.callee),
    }
}

fn keys(value: &Value) -> Vec<&str> {
    match value {
        Value::Object(props) => props.iter().map(|p| p.key.as_str()).collect(),
        other => panic!("expected an object, got {other:#?}"),
    }
}

fn path(value: &Value) -> &str {
    match value {
        Value::Path(p) => p,
        other => panic!("expected a path, got {other:#?}"),
    }
}

fn string(value: &Value) -> &str {
    match value {
        Value::String(s) => s,
        other => panic!("expected a string, got {other:#?}"),
    }
}

fn condition(block: &Block) -> &str {
    match &block.kind {
        BlockKind::If { condition } => condition,
        other => panic!("expected an if block, got {other:#?}"),
    }
}

fn header(block: &Block) -> &str {
    match &block.kind {
        BlockKind::Loop { header } => header,
        other => panic!("expected a loop block, got {other:#?}"),
    }
}

const CHECKOUT: &str = r#"// Node/Express pseudo-code
app.post('/checkout', async (req, res) => {
  const { cart, paymentMethod, userId } = req.body;
  const payment = await payments.authorize(paymentMethod, cart.total);
  const order = await db.transaction(async (trx) => {
    const created = await trx.orders.insert({ user_id: userId, total: cart.total, status: 'pending' });
    // Bug: event published before transaction fully commits and before status finalized
    await eventBus.publish('order.created', { orderId: created.id, userId, total: cart.total });
    await trx.orders.update(created.id, { status: 'paid', payment_id: payment.id });
    return created;
  });
  res.status(200).json({ success: true, orderId: order.id });
});
"#;

#[test]
fn checkout_handler_publishes_inside_the_transaction_callback() {
    let model = js(CHECKOUT);
    assert_eq!(model.parse_errors, 0);
    assert!(!model.truncated);
    assert_eq!(model.module.name, "<module>");
    assert_eq!(model.module.origin, FunctionOrigin::Module);

    let route = as_call(&model.module.body[0]);
    assert_eq!(route.callee, "app.post");
    assert_eq!(route.receiver.as_deref(), Some("app"));
    assert_eq!(route.method, "post");
    assert_eq!(route.result, CallResult::Discarded);
    assert_eq!(string(&route.args[0].value), "/checkout");
    assert_eq!(route.args[0].text, "'/checkout'");

    let handler = callback(route, 1);
    assert_eq!(handler.name, r#"app.post("/checkout")"#);
    assert_eq!(
        handler.origin,
        FunctionOrigin::Callback {
            callee: "app.post".into(),
            index: 1,
            first_string: Some("/checkout".into()),
        }
    );
    assert!(handler.is_async);
    let params: Vec<&str> = handler.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["req", "res"]);

    // const { cart, paymentMethod, userId } = req.body;
    let Node::Assign(destructure) = &handler.body[0] else {
        panic!("expected an assignment: {:#?}", handler.body[0]);
    };
    assert_eq!(destructure.target, "{ cart, paymentMethod, userId }");
    assert_eq!(path(&destructure.value), "req.body");

    let payment = as_call(&handler.body[1]);
    assert_eq!(payment.callee, "payments.authorize");
    assert!(payment.awaited);
    assert_eq!(payment.result, CallResult::Bound);
    assert_eq!(payment.bound_to.as_deref(), Some("payment"));
    assert_eq!(path(&payment.args[1].value), "cart.total");

    let transaction = as_call(&handler.body[2]);
    assert_eq!(transaction.callee, "db.transaction");
    assert_eq!(transaction.bound_to.as_deref(), Some("order"));
    assert!(transaction.awaited);
    let body = callback(transaction, 0);
    assert_eq!(body.name, "db.transaction");
    assert_eq!(
        body.origin,
        FunctionOrigin::Callback {
            callee: "db.transaction".into(),
            index: 0,
            first_string: None,
        }
    );
    assert_eq!(body.params[0].name, "trx");
    assert_eq!(
        callees(&body.body),
        ["trx.orders.insert", "eventBus.publish", "trx.orders.update"]
    );

    let insert = as_call(&body.body[0]);
    assert_eq!(insert.receiver.as_deref(), Some("trx.orders"));
    assert_eq!(insert.method, "insert");
    assert_eq!(insert.bound_to.as_deref(), Some("created"));
    assert_eq!(keys(&insert.args[0].value), ["user_id", "total", "status"]);

    let publish = as_call(&body.body[1]);
    assert!(publish.awaited);
    assert_eq!(publish.result, CallResult::Discarded);
    assert_eq!(publish.first_string_arg(), Some("order.created"));
    assert_eq!(keys(&publish.args[1].value), ["orderId", "userId", "total"]);
    let Value::Object(payload) = &publish.args[1].value else {
        unreachable!()
    };
    assert_eq!(path(&payload[0].value), "created.id");
    assert_eq!(path(&payload[1].value), "userId");
    assert_eq!(publish.span.start_line, 8);
    assert_eq!(publish.span.start_col, 11);

    let returned = as_return(&body.body[3]);
    assert_eq!(returned.value_text, "created");

    let respond = as_call(&handler.body[3]);
    assert_eq!(respond.callee, "res.status().json");
    assert_eq!(respond.receiver.as_deref(), Some("res.status()"));
    assert_eq!(respond.method, "json");
    assert_eq!(respond.chain.len(), 1);
    assert_eq!(respond.chain[0].callee, "res.status");
    assert_eq!(respond.chain[0].args[0].text, "200");
    assert!(matches!(&respond.chain[0].args[0].value, Value::Number(n) if n == "200"));
    assert_eq!(keys(&respond.args[0].value), ["success", "orderId"]);

    assert_eq!(model.comments.len(), 2);
    assert_eq!(model.comments[0].text, "Node/Express pseudo-code");
    assert_eq!(model.comments[1].span.start_line, 7);
}

const WORKER: &str = r#"worker.on('order.created', async ({ orderId }) => {
  const order = await db.orders.find(orderId);
  if (order.status !== 'paid') {
    // silently skip, assuming another event will come later
    logger.warn({ orderId }, 'Order not paid yet, skipping fulfillment');
    return;
  }
  await fulfillment.createShipment({ orderId: order.id, items: order.items, total: order.total });
});
"#;

#[test]
fn worker_consumer_skips_silently_inside_an_if_branch() {
    let model = js(WORKER);
    let on = as_call(&model.module.body[0]);
    assert_eq!(on.callee, "worker.on");
    let consumer = callback(on, 1);
    assert_eq!(consumer.name, r#"worker.on("order.created")"#);
    assert_eq!(consumer.params.len(), 1);
    assert_eq!(consumer.params[0].name, "{ orderId }");
    assert_eq!(consumer.params[0].destructured, ["orderId"]);

    let find = as_call(&consumer.body[0]);
    assert_eq!(find.callee, "db.orders.find");
    assert_eq!(find.bound_to.as_deref(), Some("order"));

    let skip = as_block(&consumer.body[1]);
    assert_eq!(condition(skip), "order.status !== 'paid'");
    assert_eq!(skip.span.start_line, 3);
    assert_eq!(skip.span.end_line, 7);
    let warn = as_call(&skip.body[0]);
    assert_eq!(warn.callee, "logger.warn");
    assert_eq!(keys(&warn.args[0].value), ["orderId"]);
    assert_eq!(
        string(&warn.args[1].value),
        "Order not paid yet, skipping fulfillment"
    );
    let bare = as_return(&skip.body[1]);
    assert_eq!(bare.value_text, "");
    assert!(bare.value.is_none());

    let shipment = as_call(&consumer.body[2]);
    assert_eq!(shipment.callee, "fulfillment.createShipment");
    assert!(shipment.awaited);
    assert_eq!(keys(&shipment.args[0].value), ["orderId", "items", "total"]);
}

const OUTBOX: &str = r#"async function createPaidOrder(trx, orderInput) {
  const order = await trx.orders.insert({ ...orderInput, status: 'paid' });
  await trx.outbox.insert({
    topic: 'order.paid',
    key: order.id,
    payload: JSON.stringify({ orderId: order.id }),
    status: 'pending'
  });
  return order;
}

async function publishOutboxBatch() {
  const records = await db.outbox.getPendingBatch(100);
  for (const record of records) {
    try {
      await eventBus.publish(record.topic, JSON.parse(record.payload), { idempotencyKey: record.key });
      await db.outbox.markSent(record.id);
    } catch (err) {
      await db.outbox.incrementAttempt(record.id, err.message);
    }
  }
}
"#;

#[test]
fn outbox_insert_and_publisher_loop_keep_their_structure() {
    let model = js(OUTBOX);
    let create = as_function(&model.module.body[0]);
    assert_eq!(create.name, "createPaidOrder");
    assert_eq!(create.origin, FunctionOrigin::Declaration);
    assert!(create.is_async);
    assert_eq!(create.span.start_line, 1);
    assert_eq!(create.span.end_line, 10);
    let params: Vec<&str> = create.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["trx", "orderInput"]);

    let insert = as_call(&create.body[0]);
    assert_eq!(keys(&insert.args[0].value), ["...", "status"]);
    let outbox = as_call(&create.body[1]);
    assert_eq!(outbox.callee, "trx.outbox.insert");
    assert_eq!(outbox.option_keys(), ["topic", "key", "payload", "status"]);
    let Some(Value::Call(stringify)) = outbox.option_value("payload") else {
        panic!("payload is not a call: {outbox:#?}");
    };
    assert_eq!(stringify.callee, "JSON.stringify");
    assert_eq!(stringify.result, CallResult::Used);
    assert_eq!(keys(&stringify.args[0].value), ["orderId"]);
    assert_eq!(as_return(&create.body[2]).value_text, "order");

    let publisher = as_function(&model.module.body[1]);
    assert_eq!(publisher.name, "publishOutboxBatch");
    assert!(publisher.params.is_empty());
    let batch = as_call(&publisher.body[0]);
    assert_eq!(batch.callee, "db.outbox.getPendingBatch");
    assert_eq!(batch.bound_to.as_deref(), Some("records"));

    let each = as_block(&publisher.body[1]);
    assert_eq!(header(each), "const record of records");
    assert_eq!(each.body.len(), 2);
    let attempt = as_block(&each.body[0]);
    assert!(matches!(attempt.kind, BlockKind::Try));
    assert_eq!(
        callees(&attempt.body),
        ["eventBus.publish", "db.outbox.markSent"]
    );
    let publish = as_call(&attempt.body[0]);
    assert_eq!(path(&publish.args[0].value), "record.topic");
    assert!(matches!(&publish.args[1].value, Value::Call(c) if c.callee == "JSON.parse"));
    assert_eq!(keys(&publish.args[2].value), ["idempotencyKey"]);

    let handler = as_block(&each.body[1]);
    let BlockKind::Catch {
        error_types,
        binding,
        ..
    } = &handler.kind
    else {
        panic!("expected a catch block: {handler:#?}");
    };
    assert!(error_types.is_empty());
    assert_eq!(binding.as_deref(), Some("err"));
    let increment = as_call(&handler.body[0]);
    assert_eq!(increment.callee, "db.outbox.incrementAttempt");
    assert_eq!(path(&increment.args[1].value), "err.message");
}

const CHECKOUT_FORM: &str = r#"import { useState } from 'react';

export function CheckoutButton({ orderId }: { orderId: string }) {
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  return (
    <form
      onSubmit={async (e: React.FormEvent) => {
        e.preventDefault();
        const res = await fetch('/api/checkout', {
          method: 'POST',
          body: JSON.stringify({ orderId }),
        });
        if (!res.ok) {
          setStatus('idle');
          return;
        }
        setStatus('done');
      }}
    >
      <button type="submit" disabled={status === 'done'}>Pay</button>
    </form>
  );
}
"#;

#[test]
fn tsx_form_posts_checkout_from_its_on_submit_handler() {
    let model = tsx(CHECKOUT_FORM);
    assert_eq!(model.parse_errors, 0);
    let component = as_function(&model.module.body[0]);
    assert_eq!(component.name, "CheckoutButton");
    assert_eq!(component.params[0].name, "{ orderId }");
    assert_eq!(component.params[0].destructured, ["orderId"]);
    assert_eq!(
        component.params[0].type_annotation.as_deref(),
        Some("{ orderId: string }")
    );

    let state = as_call(&component.body[0]);
    assert_eq!(state.callee, "useState");
    assert_eq!(state.bound_to.as_deref(), Some("[status, setStatus]"));
    assert_eq!(string(&state.args[0].value), "idle");

    // The JSX handler is hoisted before the return that renders it.
    let on_submit = as_function(&component.body[1]);
    assert_eq!(on_submit.name, "onSubmit");
    assert_eq!(on_submit.origin, FunctionOrigin::Anonymous);
    assert!(on_submit.is_async);
    assert_eq!(
        on_submit.params[0].type_annotation.as_deref(),
        Some("React.FormEvent")
    );
    assert_eq!(
        callees(&on_submit.body),
        ["e.preventDefault", "fetch", "setStatus"]
    );
    let fetch = as_call(&on_submit.body[1]);
    assert!(fetch.awaited);
    assert_eq!(fetch.bound_to.as_deref(), Some("res"));
    assert_eq!(fetch.first_string_arg(), Some("/api/checkout"));
    assert!(matches!(fetch.option_value("method"), Some(Value::String(m)) if m == "POST"));
    let Some(Value::Call(body)) = fetch.option_value("body") else {
        panic!("body is not a call: {fetch:#?}");
    };
    assert_eq!(body.callee, "JSON.stringify");
    assert_eq!(keys(&body.args[0].value), ["orderId"]);
    let unchecked = as_block(&on_submit.body[2]);
    assert_eq!(condition(unchecked), "!res.ok");

    let render = as_return(&component.body[2]);
    assert!(render.value_text.starts_with("(\n    <form"));
}

#[test]
fn typescript_class_methods_keep_class_bases_modifiers_and_decorators() {
    let model = ts(r#"
export class OrderService extends EventEmitter implements OnModuleInit {
  private readonly retries: number = 3;
  constructor(private readonly bus: EventBus, public name?: string) {
    super();
  }
  @Post('/orders')
  public async create(@Body() dto: CreateOrderDto): Promise<Order> {
    const order = await this.repo.save(dto);
    this.emit('created', order);
    return order;
  }
  static build(): OrderService { return new OrderService(bus); }
  private handle = async (event: OrderEvent) => { await this.bus.publish(event); };
}
"#);
    let names: Vec<&str> = model
        .module
        .body
        .iter()
        .filter_map(|n| match n {
            Node::Function(f) => Some(f.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            "OrderService.constructor",
            "OrderService.create",
            "OrderService.build",
            "OrderService.handle"
        ]
    );
    let Node::Assign(retries) = &model.module.body[0] else {
        panic!("expected the field assignment first");
    };
    assert_eq!(retries.target, "this.retries");

    let constructor = as_function(&model.module.body[1]);
    assert_eq!(constructor.origin, FunctionOrigin::Declaration);
    assert_eq!(constructor.class.as_deref(), Some("OrderService"));
    assert_eq!(constructor.class_bases, ["EventEmitter"]);
    assert_eq!(constructor.params[0].name, "bus");
    assert_eq!(
        constructor.params[0].type_annotation.as_deref(),
        Some("EventBus")
    );
    assert_eq!(constructor.params[1].name, "name");
    assert_eq!(callees(&constructor.body), ["super"]);

    let create = as_function(&model.module.body[2]);
    assert!(create.is_async);
    assert_eq!(create.decorators.len(), 1);
    assert_eq!(create.decorators[0].callee, "Post");
    assert_eq!(create.decorators[0].first_string_arg(), Some("/orders"));
    assert_eq!(create.params[0].name, "dto");
    assert_eq!(
        create.params[0].type_annotation.as_deref(),
        Some("CreateOrderDto")
    );
    assert_eq!(callees(&create.body), ["this.repo.save", "this.emit"]);
    assert_eq!(as_call(&create.body[1]).receiver.as_deref(), Some("this"));
    // The method span starts after its (sibling) decorator line.
    assert_eq!(create.span.start_line, 8);

    let build = as_function(&model.module.body[3]);
    let Some(Value::Call(constructed)) = &as_return(&build.body[0]).value else {
        panic!("expected a returned constructor call");
    };
    assert!(constructed.is_new);
    assert_eq!(constructed.callee, "OrderService");
    assert_eq!(constructed.result, CallResult::Returned);

    let handle = as_function(&model.module.body[4]);
    assert!(handle.is_async);
    assert_eq!(handle.class.as_deref(), Some("OrderService"));
    assert_eq!(callees(&handle.body), ["this.bus.publish"]);
}

#[test]
fn typescript_casts_non_null_and_type_arguments_are_transparent() {
    let model = ts(r#"
(x as Publisher).publish('a');
client!.send(payload!);
const result = await f<Order>(input) satisfies Result;
const y = <Queue>queue;
repo.find<Order>(id)!.then(done);
"#);
    assert_eq!(call(&model, "x.publish").method, "publish");
    let send = call(&model, "client.send");
    assert_eq!(path(&send.args[0].value), "payload");
    let generic = call(&model, "f");
    assert!(generic.awaited);
    assert_eq!(generic.bound_to.as_deref(), Some("result"));
    let Node::Assign(cast) = &model.module.body[3] else {
        panic!("expected an assignment");
    };
    assert_eq!(path(&cast.value), "queue");
    let then = call(&model, "repo.find().then");
    assert_eq!(then.chain[0].callee, "repo.find");
}

#[test]
fn chained_calls_are_one_node_with_inner_calls_innermost_first() {
    let model = js("await trx('orders').insert(order).returning('id');");
    assert_eq!(model.module.body.len(), 1);
    let outer = as_call(&model.module.body[0]);
    assert_eq!(outer.callee, "trx().insert().returning");
    assert_eq!(outer.receiver.as_deref(), Some("trx().insert()"));
    assert_eq!(outer.method, "returning");
    assert!(outer.awaited);
    let inner: Vec<&str> = outer.chain.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(inner, ["trx", "trx().insert"]);
    assert_eq!(outer.chain[1].receiver.as_deref(), Some("trx()"));
    assert_eq!(outer.chain[1].text, "trx('orders').insert(order)");
    assert!(outer.chain.iter().all(|c| !c.awaited));
    assert_eq!(string(&outer.chain[0].args[0].value), "orders");
}

#[test]
fn callee_paths_normalise_optional_computed_and_awaited_members() {
    let model = js(r#"
a?.b?.c(1);
handlers[type].run();
this.bus.publish(e);
const body = await (await fetch(url)).json();
import('./x');
new EventEmitter();
"#);
    assert_eq!(call(&model, "a.b.c").receiver.as_deref(), Some("a.b"));
    assert_eq!(
        call(&model, "handlers[].run").receiver.as_deref(),
        Some("handlers[]")
    );
    assert_eq!(
        call(&model, "this.bus.publish").receiver.as_deref(),
        Some("this.bus")
    );
    let json = call(&model, "fetch().json");
    assert!(json.awaited);
    assert_eq!(json.bound_to.as_deref(), Some("body"));
    assert_eq!(json.chain[0].callee, "fetch");
    assert!(json.chain[0].awaited);
    assert_eq!(call(&model, "import").first_string_arg(), Some("./x"));
    let emitter = call(&model, "EventEmitter");
    assert!(emitter.is_new);
    assert_eq!(emitter.receiver, None);
}

#[test]
fn call_results_follow_the_surrounding_syntax() {
    let model = js(r#"
void notify(user);
function get() { return api.get('/x'); }
const load = () => api.load();
send(build(order));
"#);
    assert_eq!(call(&model, "notify").result, CallResult::ExplicitlyIgnored);
    let returned = call(&model, "api.get");
    assert_eq!(returned.result, CallResult::Returned);
    let get = as_function(&model.module.body[1]);
    let ret = as_return(&get.body[0]);
    assert_eq!(ret.value_text, "api.get('/x')");
    assert!(matches!(&ret.value, Some(Value::Call(c)) if c.callee == "api.get"));

    let load = as_function(&model.module.body[2]);
    assert_eq!(load.name, "load");
    assert_eq!(load.origin, FunctionOrigin::Anonymous);
    assert_eq!(as_return(&load.body[0]).value_text, "api.load()");
    assert_eq!(call(&model, "api.load").result, CallResult::Returned);

    assert_eq!(call(&model, "send").result, CallResult::Discarded);
    assert_eq!(call(&model, "build").result, CallResult::Used);
}

#[test]
fn argument_values_keep_their_shapes() {
    let model = js(r#"
emit(`order.${id}`, 42, true, [a, 'b'], { id, ...rest, 'quoted': 1, [dyn]: 2 }, x.y, () => 1, f(), a + b, null);
"#);
    let emit = call(&model, "emit");
    let args: Vec<&Value> = emit.args.iter().map(|a| &a.value).collect();
    assert_eq!(string(args[0]), "order.${id}");
    assert!(matches!(args[1], Value::Number(n) if n == "42"));
    assert!(matches!(args[2], Value::Bool(true)));
    let Value::Array(items) = args[3] else {
        panic!("expected an array");
    };
    assert_eq!(path(&items[0]), "a");
    assert_eq!(string(&items[1]), "b");
    assert_eq!(keys(args[4]), ["id", "...", "quoted", "[dyn]"]);
    let Value::Object(props) = args[4] else {
        unreachable!()
    };
    assert_eq!(path(&props[0].value), "id");
    assert_eq!(path(&props[1].value), "rest");
    assert_eq!(path(args[5]), "x.y");
    let Value::Function(arrow) = args[6] else {
        panic!("expected a function");
    };
    // A template literal is a string, so it names the callback.
    assert_eq!(arrow.name, r#"emit("order.${id}")"#);
    assert!(matches!(args[7], Value::Call(c) if c.callee == "f" && c.result == CallResult::Used));
    assert!(matches!(args[8], Value::Other));
    assert!(matches!(args[9], Value::Other));
    assert_eq!(emit.args[4].span.start_col, 41);
}

#[test]
fn calls_inside_larger_expressions_are_hoisted_before_their_statement() {
    let model = js(r#"
const total = price(a) + tax(b);
const label = ok ? render(x) : `n=${count()}`;
"#);
    let body = &model.module.body;
    assert_eq!(callees(body), ["price", "tax", "render", "count"]);
    assert!(matches!(&body[2], Node::Assign(a) if a.target == "total"));
    assert!(matches!(&body[5], Node::Assign(a) if a.target == "label"));
    assert!(
        body.iter()
            .filter_map(|n| match n {
                Node::Call(c) => Some(c.result),
                _ => None,
            })
            .all(|r| r == CallResult::Used)
    );
}

#[test]
fn if_else_if_else_are_consecutive_blocks_after_their_condition_calls() {
    let model = js(r#"
if (await isPaid(order)) {
  ship(order);
} else if (order.retry) retry(order);
else {
  cancel(order);
}
"#);
    let body = &model.module.body;
    assert_eq!(body.len(), 4);
    let paid = as_call(&body[0]);
    assert_eq!(paid.callee, "isPaid");
    assert!(paid.awaited);
    assert_eq!(paid.result, CallResult::Used);
    let first = as_block(&body[1]);
    assert_eq!(condition(first), "await isPaid(order)");
    assert_eq!(callees(&first.body), ["ship"]);
    let second = as_block(&body[2]);
    assert_eq!(condition(second), "order.retry");
    assert_eq!(callees(&second.body), ["retry"]);
    assert_eq!(second.span.start_line, 4);
    let last = as_block(&body[3]);
    assert_eq!(condition(last), "else");
    assert_eq!(callees(&last.body), ["cancel"]);
    assert_eq!(last.span.end_line, 7);
}

#[test]
fn switch_cases_are_arms_in_order() {
    let model = js(r#"
switch (event.type) {
  case 'created':
  case 'paid':
    publish(event);
    break;
  default:
    log(event);
}
"#);
    let patterns: Vec<&str> = model
        .module
        .body
        .iter()
        .map(|n| match &as_block(n).kind {
            BlockKind::Arm { pattern } => pattern.as_str(),
            other => panic!("expected an arm: {other:#?}"),
        })
        .collect();
    assert_eq!(patterns, ["'created'", "'paid'", "default"]);
    assert!(as_block(&model.module.body[0]).body.is_empty());
    assert_eq!(callees(&as_block(&model.module.body[1]).body), ["publish"]);
    assert_eq!(callees(&as_block(&model.module.body[2]).body), ["log"]);
}

#[test]
fn loops_record_headers_and_header_calls() {
    let model = js(r#"
for (let attempt = 0; attempt < max(); attempt++) send();
for (const key in payload) check(key);
outer: while (await queue.next()) { work(); }
do { poll(); } while (pending());
"#);
    let body = &model.module.body;
    assert_eq!(as_call(&body[0]).callee, "max");
    let counted = as_block(&body[1]);
    assert_eq!(
        header(counted),
        "let attempt = 0; attempt < max(); attempt++"
    );
    assert_eq!(callees(&counted.body), ["send"]);
    assert_eq!(header(as_block(&body[2])), "const key in payload");
    let next = as_call(&body[3]);
    assert_eq!(next.callee, "queue.next");
    assert!(next.awaited);
    let labelled = as_block(&body[4]);
    assert_eq!(header(labelled), "await queue.next()");
    assert_eq!(callees(&labelled.body), ["work"]);
    let polling = as_block(&body[5]);
    assert_eq!(header(polling), "pending()");
    assert_eq!(callees(&polling.body), ["poll", "pending"]);
    assert_eq!(body.len(), 6);
}

#[test]
fn try_catch_finally_are_adjacent_blocks() {
    let model = ts(r#"
try {
  await charge(order);
} catch (e: unknown) {
  logger.error(e);
  throw e;
} finally {
  release();
}
try { a(); } catch { b(); }
"#);
    let body = &model.module.body;
    assert!(matches!(as_block(&body[0]).kind, BlockKind::Try));
    assert_eq!(as_block(&body[0]).span.end_line, 4);
    let handler = as_block(&body[1]);
    assert!(
        matches!(&handler.kind, BlockKind::Catch { binding: Some(b), rethrows: true, .. } if b == "e")
    );
    let rethrow = as_return(&handler.body[1]);
    assert_eq!(rethrow.value_text, "throw e");
    assert!(matches!(as_block(&body[2]).kind, BlockKind::Finally));
    assert_eq!(callees(&as_block(&body[2]).body), ["release"]);
    assert!(matches!(
        &as_block(&body[4]).kind,
        BlockKind::Catch { binding: None, error_types, rethrows: false } if error_types.is_empty()
    ));
}

#[test]
fn throw_is_a_return_whose_text_starts_with_throw() {
    let model = js("function f() { throw new PaymentError('declined', code); }");
    let f = as_function(&model.module.body[0]);
    let thrown = as_return(&f.body[0]);
    assert_eq!(
        thrown.value_text,
        "throw new PaymentError('declined', code)"
    );
    let Some(Value::Call(error)) = &thrown.value else {
        panic!("expected the thrown constructor call");
    };
    assert!(error.is_new);
    assert_eq!(error.callee, "PaymentError");
}

#[test]
fn bindings_are_calls_or_assignments() {
    let model = js(r#"
let attempts = 0;
const key = record.key;
let pending;
const { data } = await axios.post(url, body);
order = await repo.save(order);
this.client = new Client(options);
attempts += 1;
"#);
    let body = &model.module.body;
    assert_eq!(body.len(), 6);
    let Node::Assign(attempts) = &body[0] else {
        panic!("expected an assignment");
    };
    assert_eq!(attempts.target, "attempts");
    assert!(matches!(&attempts.value, Value::Number(n) if n == "0"));
    assert_eq!(attempts.span.start_line, 2);
    assert_eq!(attempts.span.start_col, 5);
    let Node::Assign(key) = &body[1] else {
        panic!("expected an assignment");
    };
    assert_eq!(path(&key.value), "record.key");
    let post = as_call(&body[2]);
    assert_eq!(post.bound_to.as_deref(), Some("{ data }"));
    assert_eq!(post.result, CallResult::Bound);
    assert_eq!(as_call(&body[3]).bound_to.as_deref(), Some("order"));
    let client = as_call(&body[4]);
    assert!(client.is_new);
    assert_eq!(client.bound_to.as_deref(), Some("this.client"));
    assert!(matches!(&body[5], Node::Assign(a) if a.target == "attempts"));
}

#[test]
fn exported_handlers_are_functions_named_after_their_binding() {
    let model = ts(r#"
export const handler = async (event: SQSEvent) => {
  await sns.publish({ TopicArn: arn, Message: event.body });
};
export default async function checkout(req, res) {}
exports.worker = function () { run(); };
"#);
    let handler = as_function(&model.module.body[0]);
    assert_eq!(handler.name, "handler");
    assert_eq!(handler.origin, FunctionOrigin::Anonymous);
    assert!(handler.is_async);
    assert_eq!(
        handler.params[0].type_annotation.as_deref(),
        Some("SQSEvent")
    );
    assert_eq!(callees(&handler.body), ["sns.publish"]);
    let checkout = as_function(&model.module.body[1]);
    assert_eq!(checkout.name, "checkout");
    assert_eq!(checkout.origin, FunctionOrigin::Declaration);
    let worker = as_function(&model.module.body[2]);
    assert_eq!(worker.name, "exports.worker");
    assert_eq!(callees(&worker.body), ["run"]);
}

#[test]
fn object_methods_are_functions_named_by_their_key() {
    let model = js(r#"
export default {
  async fetch(request, env) { return handle(request); },
  queue: async (batch) => { await process(batch); },
};
"#);
    let Node::Assign(exported) = &model.module.body[0] else {
        panic!("expected the default export as an assignment");
    };
    assert_eq!(exported.target, "default");
    let Value::Object(props) = &exported.value else {
        panic!("expected an object");
    };
    let Value::Function(fetch) = &props[0].value else {
        panic!("expected a method");
    };
    assert_eq!(fetch.name, "fetch");
    assert_eq!(fetch.origin, FunctionOrigin::Anonymous);
    assert!(fetch.is_async);
    assert_eq!(fetch.params.len(), 2);
    let Value::Function(queue) = &props[1].value else {
        panic!("expected an arrow function");
    };
    assert_eq!(queue.name, "queue");
    assert_eq!(call(&model, "process").result, CallResult::Discarded);
}

#[test]
fn jsx_expression_containers_contribute_calls_and_handlers() {
    let model = js(r#"
const list = (
  <ul onClick={() => api.post('/track', { id })}>
    {items.map((item) => <li key={item.id}>{format(item)}</li>)}
  </ul>
);
"#);
    let body = &model.module.body;
    let click = as_function(&body[0]);
    assert_eq!(click.name, "onClick");
    let track = call(&model, "api.post");
    assert_eq!(track.result, CallResult::Returned);
    assert_eq!(keys(&track.args[1].value), ["id"]);
    let map = as_call(&body[1]);
    assert_eq!(map.callee, "items.map");
    assert_eq!(map.result, CallResult::Used);
    let render = callback(map, 0);
    assert_eq!(callees(&render.body), ["format"]);
    assert!(matches!(&body[2], Node::Assign(a) if a.target == "list"));
}

#[test]
fn tagged_templates_are_not_calls_but_their_substitutions_are_searched() {
    let model = js("const rows = sql`select * from orders where id = ${orderId(x)}`;");
    let callees: Vec<&str> = all_calls(&model)
        .iter()
        .map(|c| c.callee.as_str())
        .collect();
    assert_eq!(callees, ["orderId"]);
}

#[test]
fn immediately_invoked_functions_keep_their_bodies() {
    let model = js("(async () => { await main(); })();");
    let body = &model.module.body;
    let iife = as_function(&body[0]);
    assert!(iife.is_async);
    assert_eq!(callees(&iife.body), ["main"]);
    assert_eq!(as_call(&body[1]).callee, "<function>");
}

#[test]
fn parameters_record_defaults_rests_and_destructured_keys() {
    let model =
        ts("function f(a = 1, { id, user: u, n = 2, ...others }: Opts, ...rest: string[]) {}");
    let f = as_function(&model.module.body[0]);
    assert_eq!(f.params[0].name, "a");
    assert_eq!(f.params[1].destructured, ["id", "user", "n"]);
    assert_eq!(f.params[1].type_annotation.as_deref(), Some("Opts"));
    assert_eq!(f.params[2].name, "...rest");
    assert_eq!(f.params[2].type_annotation.as_deref(), Some("string[]"));
}

#[test]
fn javascript_class_extends_and_static_blocks() {
    let model = js(r#"
class Mailer extends events.EventEmitter {
  static { register(Mailer); }
  transport = createTransport(config);
  #send(message) { return this.transport.sendMail(message); }
}
"#);
    let body = &model.module.body;
    assert_eq!(callees(&as_block(&body[0]).body), ["register"]);
    assert_eq!(
        as_call(&body[1]).bound_to.as_deref(),
        Some("this.transport")
    );
    let send = as_function(&body[2]);
    assert_eq!(send.name, "Mailer.#send");
    assert_eq!(send.class_bases, ["events.EventEmitter"]);
}

#[test]
fn sequences_namespaces_and_plain_blocks() {
    let model = ts(r#"
a(), b();
namespace Jobs { schedule(); }
{ flush(); }
"#);
    let body = &model.module.body;
    assert_eq!(callees(body), ["a", "b"]);
    assert_eq!(callees(&as_block(&body[2]).body), ["schedule"]);
    assert!(matches!(as_block(&body[3]).kind, BlockKind::Plain));
    assert_eq!(callees(&as_block(&body[3]).body), ["flush"]);
}

#[test]
fn spans_count_characters_not_bytes() {
    let model = js("const é = 'ü'; publish(é);\n  next();");
    let publish = call(&model, "publish");
    assert_eq!(publish.span.start_line, 1);
    assert_eq!(publish.span.start_col, 16);
    assert_eq!(publish.span.end_col, 26);
    assert_eq!(publish.span.start_byte, 17);
    let next = call(&model, "next");
    assert_eq!((next.span.start_line, next.span.start_col), (2, 3));
}

#[test]
fn broken_input_counts_errors_and_keeps_what_parsed() {
    let model = js(r#"
async function ok() { await publish('a'); }
function broken( { const x = ;
notify(user);
"#);
    assert!(model.parse_errors > 0);
    assert!(all_calls(&model).iter().any(|c| c.callee == "publish"));
    assert!(all_calls(&model).iter().any(|c| c.callee == "notify"));
}

#[test]
fn comments_are_collected_in_order() {
    let model = ts("/* block\n * two */ f(); // handoff-ignore[a/b]: reason\n");
    let texts: Vec<&str> = model.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["block two", "handoff-ignore[a/b]: reason"]);
    assert_eq!(model.comments[1].span.start_line, 2);
}

#[test]
fn typescript_grammar_is_used_for_typescript_and_javascript_for_jsx() {
    let annotated = "const x = <Foo>bar; function f(a: number): void {}";
    assert_eq!(ts(annotated).parse_errors, 0);
    assert!(js("const x: number = 1;").parse_errors > 0);
    assert_eq!(
        js("const el = <div onClick={() => go()} />;").parse_errors,
        0
    );
}

/// Deeply nested inputs of every shape, 10,000 levels.
fn deep_inputs() -> Vec<(&'static str, String)> {
    let n = 10_000;
    vec![
        ("parens", format!("f({}x{});", "(".repeat(n), ")".repeat(n))),
        ("arrays", format!("f({}{});", "[".repeat(n), "]".repeat(n))),
        (
            "objects",
            format!("f({}1{});", "{a:".repeat(n), "}".repeat(n)),
        ),
        ("blocks", format!("{}f();{}", "{".repeat(n), "}".repeat(n))),
        ("arrows", format!("const a = {}f();", "() => ".repeat(n))),
        ("calls", format!("{}{};", "f(".repeat(n), ")".repeat(n))),
        ("chain", format!("a{};", ".b()".repeat(n))),
        ("members", format!("a{}();", ".b".repeat(n))),
        ("ifs", format!("{}f();", "if (a) ".repeat(n))),
        (
            "else-ifs",
            format!("if (a) f();{}", "\nelse if (a) f();".repeat(n)),
        ),
        ("ternaries", format!("x = {}b;", "a ? f() : ".repeat(n))),
        ("binary", format!("x = {}b;", "f() + ".repeat(n))),
        (
            "awaits",
            format!("async function g() {{ {}f(); }}", "await ".repeat(n)),
        ),
        ("news", format!("{}X;", "new ".repeat(n))),
        (
            "jsx",
            format!(
                "const a = {}{{f()}}{};",
                "<div>".repeat(n),
                "</div>".repeat(n)
            ),
        ),
        (
            "try",
            format!("{}f();{}", "try {".repeat(n), "} finally {}".repeat(n)),
        ),
        (
            "classes",
            format!("{}f();{}", "class A { m() {".repeat(n), "} }".repeat(n)),
        ),
    ]
}

#[test]
fn ten_thousand_levels_of_nesting_parse_without_overflow() {
    let worker = std::thread::Builder::new()
        .stack_size(PARSER_STACK_BYTES)
        .spawn(|| {
            deep_inputs()
                .into_iter()
                .map(|(name, source)| {
                    // The TypeScript grammars must survive the same inputs
                    // (some of which they reject, e.g. `new new X`).
                    ts(&source);
                    tsx(&source);
                    let model = js(&source);
                    (name, model.truncated, all_calls(&model).len())
                })
                .collect::<Vec<_>>()
        });
    let results = worker
        .map(|handle| handle.join())
        .unwrap_or_else(|e| panic!("spawn failed: {e}"))
        .unwrap_or_else(|_| panic!("parsing deep input panicked"));
    for (name, truncated, calls) in results {
        let expect_truncated = !matches!(
            name,
            "parens" | "members" | "else-ifs" | "ternaries" | "binary" | "awaits" | "jsx"
        );
        assert_eq!(truncated, expect_truncated, "{name}");
        match name {
            // Iterative shapes keep every call.
            "else-ifs" => assert_eq!(calls, 10_001, "{name}"),
            "ternaries" | "binary" => assert_eq!(calls, 10_000, "{name}"),
            "parens" | "members" | "awaits" | "jsx" => assert_eq!(calls, 1, "{name}"),
            // Cut-off shapes keep at most what fits in the depth budget.
            "calls" | "chain" => assert!(calls > 0 && calls <= MAX_MODEL_DEPTH, "{name}"),
            _ => assert!(calls <= MAX_MODEL_DEPTH, "{name}"),
        }
    }
}

#[test]
fn top_level_await_and_awaited_generic_calls_are_awaited() {
    let model = js("const body = await (await fetch(url)).json();");
    let json = call(&model, "fetch().json");
    assert!(json.awaited);
    assert!(json.chain[0].awaited);
    let model = ts("const order = await repo.find<Order>(id);");
    let find = call(&model, "repo.find");
    assert!(find.awaited);
    assert_eq!(find.bound_to.as_deref(), Some("order"));
}

#[test]
fn a_catch_that_throws_rethrows_and_a_throw_in_a_callback_does_not() {
    let model = js(
        "try { a(); } catch (e) { if (fatal) { throw e; } }\ntry { b(); } catch (e) { later(() => { throw e; }); }\n",
    );
    assert_eq!(
        crate::lang::test_support::handler_rethrows(&model),
        [true, false]
    );
}
