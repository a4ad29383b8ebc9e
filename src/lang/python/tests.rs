//! Tests of the Python frontend: each one a snippet and precise assertions on
//! the model it yields.

use crate::lang::{Frontend, MAX_MODEL_DEPTH, PARSER_STACK_BYTES, PythonFrontend};
use crate::model::{
    Block, BlockKind, Call, CallResult, FileModel, Function, FunctionOrigin, Node, Value,
};

fn parse(source: &str) -> FileModel {
    PythonFrontend.parse(source)
}

/// Every call under `nodes`: body calls, chains, arguments, nested functions,
/// and also `with` items and decorators (which `for_each_call` leaves out).
fn every_call<'a>(nodes: &'a [Node], found: &mut Vec<&'a Call>) {
    for node in nodes {
        match node {
            Node::Call(call) => call_and_inside(call, found),
            Node::Block(block) => {
                if let BlockKind::With { items, .. } = &block.kind {
                    items.iter().for_each(|c| call_and_inside(c, found));
                }
                every_call(&block.body, found);
            }
            Node::Function(function) => function_calls(function, found),
            Node::Return(ret) => {
                if let Some(value) = &ret.value {
                    value_calls(value, found);
                }
            }
            Node::Assign(assign) => value_calls(&assign.value, found),
        }
    }
}

fn function_calls<'a>(function: &'a Function, found: &mut Vec<&'a Call>) {
    function
        .decorators
        .iter()
        .for_each(|c| call_and_inside(c, found));
    every_call(&function.body, found);
}

fn call_and_inside<'a>(call: &'a Call, found: &mut Vec<&'a Call>) {
    call.chain.iter().for_each(|c| call_and_inside(c, found));
    found.push(call);
    call.args.iter().for_each(|a| value_calls(&a.value, found));
}

fn value_calls<'a>(value: &'a Value, found: &mut Vec<&'a Call>) {
    match value {
        Value::Call(call) => call_and_inside(call, found),
        Value::Function(function) => function_calls(function, found),
        Value::Object(props) => props.iter().for_each(|p| value_calls(&p.value, found)),
        Value::Array(items) => items.iter().for_each(|v| value_calls(v, found)),
        _ => {}
    }
}

/// The first call with this callee anywhere in the model.
fn call<'a>(model: &'a FileModel, callee: &str) -> &'a Call {
    let mut found = Vec::new();
    every_call(&model.module.body, &mut found);
    let names: Vec<&str> = found.iter().map(|c| c.callee.as_str()).collect();
    found
        .into_iter()
        .find(|c| c.callee == callee)
        .unwrap_or_else(|| panic!("no call to {callee} among {names:?}"))
}

/// Every function of the model (declarations, nested, lambdas), outer first.
fn functions(nodes: &[Node]) -> Vec<&Function> {
    let mut found = Vec::new();
    let mut calls = Vec::new();
    every_call(nodes, &mut calls);
    collect_functions(nodes, &mut found);
    for call in calls {
        found.extend(call.callbacks());
    }
    found
}

fn collect_functions<'a>(nodes: &'a [Node], found: &mut Vec<&'a Function>) {
    for node in nodes {
        match node {
            Node::Function(function) => {
                found.push(function);
                collect_functions(&function.body, found);
            }
            Node::Block(block) => collect_functions(&block.body, found),
            Node::Assign(assign) => {
                if let Value::Function(function) = &assign.value {
                    found.push(function);
                }
            }
            _ => {}
        }
    }
}

fn function<'a>(model: &'a FileModel, name: &str) -> &'a Function {
    let all = functions(&model.module.body);
    let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
    all.into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no function {name} among {names:?}"))
}

fn as_call(node: &Node) -> &Call {
    match node {
        Node::Call(call) => call,
        other => panic!("expected a call, got {other:?}"),
    }
}

fn as_block(node: &Node) -> &Block {
    match node {
        Node::Block(block) => block,
        other => panic!("expected a block, got {other:?}"),
    }
}

/// A short label per node: `call:callee`, `if:cond`, `try`, `catch`, ...
fn labels(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .map(|node| match node {
            Node::Call(call) => format!("call:{}", call.callee),
            Node::Function(function) => format!("def:{}", function.name),
            Node::Return(ret) => format!("return:{}", ret.value_text),
            Node::Assign(assign) => format!("assign:{}", assign.target),
            Node::Block(block) => match &block.kind {
                BlockKind::Try => "try".to_string(),
                BlockKind::Catch { error_types, .. } => format!("catch:{}", error_types.join("|")),
                BlockKind::Finally => "finally".to_string(),
                BlockKind::Loop { header } => format!("loop:{header}"),
                BlockKind::If { condition } => format!("if:{condition}"),
                BlockKind::With { items, .. } => {
                    let items: Vec<&str> = items.iter().map(|c| c.callee.as_str()).collect();
                    format!("with:{}", items.join("|"))
                }
                BlockKind::Arm { pattern } => format!("arm:{pattern}"),
                BlockKind::Plain => "plain".to_string(),
            },
        })
        .collect()
}

fn keywords(call: &Call) -> Vec<Option<&str>> {
    call.args.iter().map(|a| a.keyword.as_deref()).collect()
}

fn path(value: &Value) -> &str {
    match value {
        Value::Path(path) => path,
        other => panic!("expected a path, got {other:?}"),
    }
}

fn string(value: &Value) -> &str {
    match value {
        Value::String(text) => text,
        other => panic!("expected a string, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The article's examples, in Django/Celery idiom.

const DJANGO_CHECKOUT: &str = r#"from django.db import transaction

@require_POST
def checkout(request):
    cart = Cart.for_user(request.user)
    with transaction.atomic():
        order = Order.objects.create(user=request.user, total=cart.total, status="paid")
        send_order_email.delay(order.id)
    return JsonResponse({"order_id": order.id, "ok": True}, status=201)
"#;

#[test]
fn django_checkout_records_email_task_inside_atomic_block() {
    let model = parse(DJANGO_CHECKOUT);
    assert_eq!(model.parse_errors, 0);
    assert!(!model.truncated);
    assert_eq!(labels(&model.module.body), ["def:checkout"]);
    let checkout = function(&model, "checkout");
    assert_eq!(checkout.origin, FunctionOrigin::Declaration);
    assert_eq!(checkout.params[0].name, "request");
    assert_eq!(checkout.decorators[0].callee, "require_POST");
    assert_eq!(
        labels(&checkout.body),
        [
            "call:Cart.for_user",
            "with:transaction.atomic",
            "return:JsonResponse({\"order_id\": order.id, \"ok\": True}, status=201)"
        ]
    );

    let with = as_block(&checkout.body[1]);
    let BlockKind::With { items, is_async } = &with.kind else {
        panic!("expected with");
    };
    assert!(!is_async);
    assert_eq!(items[0].callee, "transaction.atomic");
    assert_eq!(items[0].receiver.as_deref(), Some("transaction"));
    assert_eq!(items[0].method, "atomic");
    assert!(items[0].args.is_empty());
    assert_eq!(items[0].result, CallResult::Used);
    assert_eq!(items[0].bound_to, None);
    assert_eq!(
        labels(&with.body),
        ["call:Order.objects.create", "call:send_order_email.delay"]
    );

    let create = as_call(&with.body[0]);
    assert_eq!(create.receiver.as_deref(), Some("Order.objects"));
    assert_eq!(create.method, "create");
    assert_eq!(create.result, CallResult::Bound);
    assert_eq!(create.bound_to.as_deref(), Some("order"));
    assert_eq!(
        keywords(create),
        [Some("user"), Some("total"), Some("status")]
    );
    assert_eq!(path(&create.args[0].value), "request.user");
    assert_eq!(path(&create.args[1].value), "cart.total");
    assert_eq!(string(&create.args[2].value), "paid");
    assert_eq!(create.args[0].text, "user=request.user");

    let delay = as_call(&with.body[1]);
    assert_eq!(delay.receiver.as_deref(), Some("send_order_email"));
    assert_eq!(delay.method, "delay");
    assert_eq!(delay.result, CallResult::Discarded);
    assert!(!delay.awaited);
    assert_eq!(delay.args.len(), 1);
    assert_eq!(path(&delay.args[0].value), "order.id");
    assert_eq!(delay.text, "send_order_email.delay(order.id)");
    assert_eq!(delay.span.start_line, 8);
    assert_eq!(delay.span.start_col, 9);
    assert_eq!(delay.span.end_line, 8);
    assert_eq!(delay.span.end_col, 9 + delay.text.len() as u32);
    assert_eq!(
        &DJANGO_CHECKOUT[delay.span.start_byte..delay.span.end_byte],
        delay.text
    );

    let Node::Return(ret) = &checkout.body[2] else {
        panic!("expected return");
    };
    let Some(Value::Call(response)) = &ret.value else {
        panic!("expected a returned call");
    };
    assert_eq!(response.callee, "JsonResponse");
    assert_eq!(response.result, CallResult::Returned);
    let Value::Object(props) = &response.args[0].value else {
        panic!("expected a dict");
    };
    let keys: Vec<&str> = props.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["order_id", "ok"]);
    assert!(matches!(props[1].value, Value::Bool(true)));
    assert_eq!(response.args[1].keyword.as_deref(), Some("status"));
    assert!(matches!(&response.args[1].value, Value::Number(n) if n == "201"));
}

#[test]
fn on_commit_lambda_is_a_callback_holding_the_deferred_task() {
    let model = parse(
        "def checkout(request):\n    with transaction.atomic():\n        order = Order.objects.create(total=1)\n        transaction.on_commit(lambda: send_order_email.delay(order.id))\n",
    );
    let on_commit = call(&model, "transaction.on_commit");
    assert_eq!(on_commit.result, CallResult::Discarded);
    assert_eq!(on_commit.args.len(), 1);
    let Value::Function(callback) = &on_commit.args[0].value else {
        panic!("expected a lambda");
    };
    assert_eq!(callback.name, "transaction.on_commit");
    assert_eq!(
        callback.origin,
        FunctionOrigin::Callback {
            callee: "transaction.on_commit".to_string(),
            index: 0,
            first_string: None,
        }
    );
    assert!(callback.params.is_empty());
    assert_eq!(
        labels(&callback.body),
        ["return:send_order_email.delay(order.id)"]
    );
    let Node::Return(ret) = &callback.body[0] else {
        panic!("expected an implicit return");
    };
    let Some(Value::Call(delay)) = &ret.value else {
        panic!("expected a returned call");
    };
    assert_eq!(delay.callee, "send_order_email.delay");
    assert_eq!(delay.result, CallResult::Returned);
    assert_eq!(path(&delay.args[0].value), "order.id");
    // The visitor the rules use finds the deferred call inside the callback.
    let checkout = function(&model, "checkout");
    let mut seen = Vec::new();
    checkout.for_each_call(&mut |c| seen.push(c.callee.clone()));
    assert_eq!(
        seen,
        [
            "Order.objects.create",
            "transaction.on_commit",
            "send_order_email.delay"
        ]
    );
}

const CELERY_TASK: &str = r#"@shared_task(bind=True, autoretry_for=(Exception,), max_retries=3)
def charge_order(self, order_id):
    order = Order.objects.get(pk=order_id)
    try:
        stripe.Charge.create(amount=order.total, idempotency_key=f"charge-{order.id}")
    except stripe.error.APIConnectionError as exc:
        self.retry(exc=exc)
    except (stripe.error.RateLimitError, TimeoutError) as exc:
        raise self.retry(exc=exc, countdown=5)
"#;

#[test]
fn celery_task_decorator_and_retry_in_except_are_recorded() {
    let model = parse(CELERY_TASK);
    assert_eq!(model.parse_errors, 0);
    let task = function(&model, "charge_order");
    assert_eq!(task.span.start_line, 1);
    assert_eq!(task.span.end_line, 9);
    let decorator = &task.decorators[0];
    assert_eq!(decorator.callee, "shared_task");
    assert_eq!(
        keywords(decorator),
        [Some("bind"), Some("autoretry_for"), Some("max_retries")]
    );
    assert!(matches!(decorator.args[0].value, Value::Bool(true)));
    let Value::Array(retry_for) = &decorator.args[1].value else {
        panic!("expected a tuple");
    };
    assert_eq!(retry_for.len(), 1);
    assert_eq!(path(&retry_for[0]), "Exception");
    assert!(matches!(&decorator.args[2].value, Value::Number(n) if n == "3"));
    assert_eq!(
        decorator.option_keys(),
        ["bind", "autoretry_for", "max_retries"]
    );

    let params: Vec<&str> = task.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["self", "order_id"]);
    assert_eq!(
        labels(&task.body),
        [
            "call:Order.objects.get",
            "try",
            "catch:stripe.error.APIConnectionError",
            "catch:stripe.error.RateLimitError|TimeoutError"
        ]
    );
    let charge = as_call(&as_block(&task.body[1]).body[0]);
    assert_eq!(charge.callee, "stripe.Charge.create");
    assert_eq!(string(&charge.args[1].value), "charge-{order.id}");
    assert_eq!(charge.args[1].keyword.as_deref(), Some("idempotency_key"));

    let first = as_block(&task.body[2]);
    let BlockKind::Catch { binding, .. } = &first.kind else {
        panic!("expected except");
    };
    assert_eq!(binding.as_deref(), Some("exc"));
    let retry = as_call(&first.body[0]);
    assert_eq!(retry.callee, "self.retry");
    assert_eq!(retry.receiver.as_deref(), Some("self"));
    assert_eq!(retry.method, "retry");
    assert_eq!(retry.result, CallResult::Discarded);
    assert_eq!(keywords(retry), [Some("exc")]);
    assert_eq!(path(&retry.args[0].value), "exc");

    let second = as_block(&task.body[3]);
    let raised = as_call(&second.body[0]);
    assert_eq!(raised.callee, "self.retry");
    assert_eq!(raised.result, CallResult::Used);
    assert_eq!(keywords(raised), [Some("exc"), Some("countdown")]);
}

const RETRY_LOOP: &str = r#"def notify_fulfillment(payload):
    for attempt in range(3):
        try:
            requests.post("https://fulfillment.example.com/orders", json=payload, timeout=5)
            break
        except requests.Timeout:
            continue
    else:
        logger.error("fulfillment unreachable")
"#;

#[test]
fn hand_written_retry_loop_wraps_try_and_except() {
    let model = parse(RETRY_LOOP);
    let notify = function(&model, "notify_fulfillment");
    assert_eq!(
        labels(&notify.body),
        ["call:range", "loop:attempt in range(3)", "plain"]
    );
    let range = as_call(&notify.body[0]);
    assert_eq!(range.result, CallResult::Used);
    assert!(matches!(&range.args[0].value, Value::Number(n) if n == "3"));
    let loop_block = as_block(&notify.body[1]);
    assert_eq!(loop_block.span.start_line, 2);
    assert_eq!(loop_block.span.end_line, 7);
    assert_eq!(labels(&loop_block.body), ["try", "catch:requests.Timeout"]);
    let post = as_call(&as_block(&loop_block.body[0]).body[0]);
    assert_eq!(post.callee, "requests.post");
    assert_eq!(
        post.first_string_arg(),
        Some("https://fulfillment.example.com/orders")
    );
    assert_eq!(keywords(post), [None, Some("json"), Some("timeout")]);
    let BlockKind::Catch { binding, .. } = &as_block(&loop_block.body[1]).kind else {
        panic!("expected except");
    };
    assert_eq!(*binding, None);
    assert_eq!(
        labels(&as_block(&notify.body[2]).body),
        ["call:logger.error"]
    );
}

#[test]
fn worker_early_return_branch_is_an_if_block_with_a_bare_return() {
    let model = parse(
        r#"@app.task
def handle_order_created(order_id):
    order = Order.objects.get(pk=order_id)
    if order.status != "paid":
        logger.warning("order not paid", extra={"order_id": order_id})
        return
    fulfillment.create_shipment(order_id=order.id)
"#,
    );
    let handler = function(&model, "handle_order_created");
    assert_eq!(handler.decorators[0].callee, "app.task");
    assert!(handler.decorators[0].args.is_empty());
    assert_eq!(
        labels(&handler.body),
        [
            "call:Order.objects.get",
            "if:order.status != \"paid\"",
            "call:fulfillment.create_shipment"
        ]
    );
    let branch = as_block(&handler.body[1]);
    assert_eq!(labels(&branch.body), ["call:logger.warning", "return:"]);
    let Node::Return(ret) = &branch.body[1] else {
        panic!("expected return");
    };
    assert!(ret.value.is_none());
    assert_eq!(ret.span.start_line, 6);
    let warning = as_call(&branch.body[0]);
    assert_eq!(warning.option_keys(), ["extra", "order_id"]);
}

#[test]
fn outbox_insert_inside_atomic_block_and_relay_loop() {
    let model = parse(
        r#"def checkout(cart):
    with transaction.atomic():
        order = Order.objects.create(total=cart.total)
        OutboxEvent.objects.create(topic="order.created", payload={"order_id": order.id})

def relay():
    for event in OutboxEvent.objects.filter(sent_at=None).order_by("id"):
        bus.publish(event.topic, event.payload, idempotency_key=event.id)
        event.mark_sent()
"#,
    );
    let outbox = call(&model, "OutboxEvent.objects.create");
    assert_eq!(outbox.option_keys(), ["topic", "payload", "order_id"]);
    assert_eq!(string(&outbox.args[0].value), "order.created");
    let relay = function(&model, "relay");
    assert_eq!(
        labels(&relay.body),
        [
            "call:OutboxEvent.objects.filter().order_by",
            "loop:event in OutboxEvent.objects.filter(sent_at=None).order_by(\"id\")"
        ]
    );
    let pending = as_call(&relay.body[0]);
    assert_eq!(pending.chain.len(), 1);
    assert_eq!(pending.chain[0].callee, "OutboxEvent.objects.filter");
    assert_eq!(pending.chain[0].option_keys(), ["sent_at"]);
    assert_eq!(
        labels(&as_block(&relay.body[1]).body),
        ["call:bus.publish", "call:event.mark_sent"]
    );
}

// ---------------------------------------------------------------------------
// Functions, methods, classes, decorators.

#[test]
fn methods_are_named_after_their_class_with_bases() {
    let model = parse(
        r#"class OrderService(BaseService, mixins.Audited, metaclass=ServiceMeta):
    timeout = settings.get("TIMEOUT")

    def create(self, data):
        return self.repo.insert(data)

    async def publish(self, order):
        await self.bus.publish("order.created", order)

    class Meta(Base):
        def describe(self):
            pass
"#,
    );
    assert_eq!(
        labels(&model.module.body),
        [
            "call:settings.get",
            "def:OrderService.create",
            "def:OrderService.publish",
            "def:OrderService.Meta.describe"
        ]
    );
    let create = function(&model, "OrderService.create");
    assert_eq!(create.class.as_deref(), Some("OrderService"));
    assert_eq!(create.class_bases, ["BaseService", "mixins.Audited"]);
    assert!(!create.is_async);
    let publish = function(&model, "OrderService.publish");
    assert!(publish.is_async);
    let bus = as_call(&publish.body[0]);
    assert!(bus.awaited);
    assert_eq!(bus.callee, "self.bus.publish");
    assert_eq!(bus.receiver.as_deref(), Some("self.bus"));
    let describe = function(&model, "OrderService.Meta.describe");
    assert_eq!(describe.class.as_deref(), Some("OrderService.Meta"));
    assert_eq!(describe.class_bases, ["Base"]);
    let timeout = as_call(&model.module.body[0]);
    assert_eq!(timeout.bound_to.as_deref(), Some("timeout"));
}

#[test]
fn nested_functions_are_plain_declarations() {
    let model = parse(
        "class Worker:\n    def run(self):\n        def step(item):\n            process(item)\n        for item in self.items:\n            step(item)\n",
    );
    let run = function(&model, "Worker.run");
    assert_eq!(labels(&run.body), ["def:step", "loop:item in self.items"]);
    let step = function(&model, "step");
    assert_eq!(step.class, None);
    assert_eq!(step.origin, FunctionOrigin::Declaration);
    assert_eq!(labels(&step.body), ["call:process"]);
}

#[test]
fn decorators_are_calls_with_keyword_arguments() {
    let model = parse(
        r#"@app.post("/checkout")
@transaction.atomic
@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=1))
@task
async def checkout(request):
    pass
"#,
    );
    let checkout = function(&model, "checkout");
    assert!(checkout.is_async);
    assert_eq!(checkout.span.start_line, 1);
    let callees: Vec<&str> = checkout
        .decorators
        .iter()
        .map(|d| d.callee.as_str())
        .collect();
    assert_eq!(callees, ["app.post", "transaction.atomic", "retry", "task"]);
    let post = &checkout.decorators[0];
    assert_eq!(post.first_string_arg(), Some("/checkout"));
    assert_eq!(post.result, CallResult::Used);
    let atomic = &checkout.decorators[1];
    assert!(atomic.args.is_empty());
    assert_eq!(atomic.text, "transaction.atomic");
    assert_eq!(atomic.receiver.as_deref(), Some("transaction"));
    assert_eq!(atomic.method, "atomic");
    let retry = &checkout.decorators[2];
    assert_eq!(keywords(retry), [Some("stop"), Some("wait")]);
    let Value::Call(stop) = &retry.args[0].value else {
        panic!("expected a call");
    };
    assert_eq!(stop.callee, "stop_after_attempt");
    assert_eq!(stop.result, CallResult::Used);
    let task = &checkout.decorators[3];
    assert_eq!(task.callee, "task");
    assert_eq!(task.method, "task");
    assert_eq!(task.receiver, None);
    assert!(task.args.is_empty());
    assert_eq!(task.text, "task");
    assert_eq!(task.span.start_line, 4);
    assert_eq!(task.span.start_col, 2);
}

#[test]
fn class_decorators_are_used_calls_before_the_members() {
    let model = parse(
        "@dataclass(frozen=True)\nclass Event:\n    def key(self):\n        return self.id\n",
    );
    assert_eq!(
        labels(&model.module.body),
        ["call:dataclass", "def:Event.key"]
    );
    let dataclass = as_call(&model.module.body[0]);
    assert_eq!(dataclass.result, CallResult::Used);
    assert_eq!(keywords(dataclass), [Some("frozen")]);
}

#[test]
fn parameters_keep_stars_annotations_and_default_calls() {
    let model = parse(
        "def send(self, to: str, *args, retries=3, timeout: float = default_timeout(), **kwargs) -> None:\n    pass\n",
    );
    assert_eq!(
        labels(&model.module.body),
        ["call:default_timeout", "def:send"]
    );
    let send = function(&model, "send");
    let names: Vec<&str> = send.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["self", "to", "*args", "retries", "timeout", "**kwargs"]
    );
    let annotations: Vec<Option<&str>> = send
        .params
        .iter()
        .map(|p| p.type_annotation.as_deref())
        .collect();
    assert_eq!(
        annotations,
        [None, Some("str"), None, None, Some("float"), None]
    );
}

#[test]
fn lambdas_are_named_by_binding_or_receiving_call() {
    let model = parse(
        r#"handler = lambda event, *, retries=1: process(event)
app.add_url_rule("/orders", view_func=lambda: list_orders())
items.sort(key=lambda item: item.created)
"#,
    );
    let handler = function(&model, "handler");
    assert_eq!(handler.origin, FunctionOrigin::Anonymous);
    let names: Vec<&str> = handler.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["event", "retries"]);
    assert_eq!(labels(&handler.body), ["return:process(event)"]);
    let view = function(&model, "app.add_url_rule(\"/orders\")");
    assert_eq!(
        view.origin,
        FunctionOrigin::Callback {
            callee: "app.add_url_rule".to_string(),
            index: 1,
            first_string: Some("/orders".to_string()),
        }
    );
    let key = function(&model, "items.sort");
    let Node::Return(ret) = &key.body[0] else {
        panic!("expected an implicit return");
    };
    assert_eq!(
        path(ret.value.as_ref().expect("lambda body")),
        "item.created"
    );
}

// ---------------------------------------------------------------------------
// Calls: callee normalisation, chains, arguments, results.

#[test]
fn method_chains_keep_inner_calls_innermost_first() {
    let model = parse(
        "order = session.query(Order).filter(Order.id == order_id).with_for_update().first()\n",
    );
    let first = as_call(&model.module.body[0]);
    assert_eq!(
        first.callee,
        "session.query().filter().with_for_update().first"
    );
    assert_eq!(
        first.receiver.as_deref(),
        Some("session.query().filter().with_for_update()")
    );
    assert_eq!(first.method, "first");
    assert_eq!(first.bound_to.as_deref(), Some("order"));
    let chain: Vec<&str> = first.chain.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(
        chain,
        [
            "session.query",
            "session.query().filter",
            "session.query().filter().with_for_update"
        ]
    );
    assert_eq!(first.chain[0].method, "query");
    assert_eq!(first.chain[0].receiver.as_deref(), Some("session"));
    assert_eq!(path(&first.chain[0].args[0].value), "Order");
    assert_eq!(first.chain[0].text, "session.query(Order)");
    assert_eq!(first.chain[0].result, CallResult::Used);
    assert!(matches!(first.chain[1].args[0].value, Value::Other));
    assert_eq!(first.chain[1].receiver.as_deref(), Some("session.query()"));
    // Chain calls are not separate nodes.
    assert_eq!(model.module.body.len(), 1);
}

#[test]
fn odd_receivers_normalise_to_paths() {
    let model = parse(
        r#"handlers["created"].run(event)
super().save(*args, **kwargs)
", ".join(parts)
factory()(payload)
response = (await client.post(url)).json()
"#,
    );
    let run = call(&model, "handlers[].run");
    assert_eq!(run.receiver.as_deref(), Some("handlers[]"));
    let save = call(&model, "super().save");
    assert_eq!(save.chain[0].callee, "super");
    assert_eq!(keywords(save), [Some("*"), Some("**")]);
    assert_eq!(path(&save.args[0].value), "args");
    assert_eq!(path(&save.args[1].value), "kwargs");
    let join = call(&model, "\", \".join");
    assert_eq!(join.method, "join");
    let produced = call(&model, "factory()");
    assert_eq!(produced.method, "factory");
    assert_eq!(produced.chain[0].callee, "factory");
    let json = call(&model, "client.post().json");
    assert!(!json.awaited);
    assert!(json.chain[0].awaited);
    assert_eq!(json.bound_to.as_deref(), Some("response"));
}

#[test]
fn awaited_and_bound_calls_record_their_targets() {
    let model = parse(
        r#"async def run(self):
    order = await Order.objects.acreate(total=1)
    self.client = make_client()
    status, body = fetch(url)
    total += compute()
    first = second = build()
    await asyncio.sleep(1)
    x: Client = connect()
    return await self.bus.publish("done")
"#,
    );
    let run = function(&model, "run");
    let bound: Vec<(&str, Option<&str>, CallResult, bool)> = run
        .body
        .iter()
        .filter_map(|n| match n {
            Node::Call(c) => Some((
                c.callee.as_str(),
                c.bound_to.as_deref(),
                c.result,
                c.awaited,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        bound,
        [
            (
                "Order.objects.acreate",
                Some("order"),
                CallResult::Bound,
                true
            ),
            ("make_client", Some("self.client"), CallResult::Bound, false),
            ("fetch", Some("status, body"), CallResult::Bound, false),
            ("compute", Some("total"), CallResult::Bound, false),
            ("build", Some("first"), CallResult::Bound, false),
            ("asyncio.sleep", None, CallResult::Discarded, true),
            ("connect", Some("x"), CallResult::Bound, false),
        ]
    );
    let publish = call(&model, "self.bus.publish");
    assert!(publish.awaited);
    assert_eq!(publish.result, CallResult::Returned);
    assert_eq!(publish.text, "self.bus.publish(\"done\")");
}

#[test]
fn argument_values_have_shapes() {
    let model = parse(
        r#"publish("order.created", {"order_id": order.id, 42: "x", key: 1, **extra}, [a, b], (c,), {d}, -1, 2.5, False, None, f"id-{order.id!r}", "a" "b", x + 1, ids=[o.id for o in orders])
"#,
    );
    let publish = call(&model, "publish");
    let args = &publish.args;
    assert_eq!(string(&args[0].value), "order.created");
    let Value::Object(props) = &args[1].value else {
        panic!("expected a dict");
    };
    let keys: Vec<&str> = props.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["order_id", "42", "key", "**"]);
    assert_eq!(path(&props[0].value), "order.id");
    assert_eq!(path(&props[3].value), "extra");
    assert_eq!(props[0].span.start_col, 27);
    assert!(matches!(&args[2].value, Value::Array(items) if items.len() == 2));
    assert!(matches!(&args[3].value, Value::Array(items) if items.len() == 1));
    assert!(matches!(&args[4].value, Value::Array(items) if items.len() == 1));
    assert!(matches!(&args[5].value, Value::Number(n) if n == "-1"));
    assert!(matches!(&args[6].value, Value::Number(n) if n == "2.5"));
    assert!(matches!(args[7].value, Value::Bool(false)));
    assert!(matches!(args[8].value, Value::Other));
    assert_eq!(string(&args[9].value), "id-{order.id!r}");
    assert_eq!(string(&args[10].value), "ab");
    assert!(matches!(args[11].value, Value::Other));
    assert_eq!(args[11].text, "x + 1");
    assert_eq!(args[12].keyword.as_deref(), Some("ids"));
    assert!(matches!(args[12].value, Value::Other));
}

#[test]
fn calls_inside_comprehensions_and_operators_are_used() {
    let model = parse(
        r#"emails = [render(user) for user in users if is_active(user)]
total = sum(price(item) for item in cart.items) + shipping_fee()
notify(message=f"{format_total(total)} due")
"#,
    );
    assert_eq!(
        labels(&model.module.body),
        [
            "call:render",
            "call:is_active",
            "assign:emails",
            "call:price",
            "call:sum",
            "call:shipping_fee",
            "assign:total",
            "call:format_total",
            "call:notify"
        ]
    );
    for callee in [
        "render",
        "is_active",
        "price",
        "sum",
        "shipping_fee",
        "format_total",
    ] {
        assert_eq!(call(&model, callee).result, CallResult::Used, "{callee}");
    }
    let sum = call(&model, "sum");
    assert_eq!(sum.args.len(), 1);
    assert!(matches!(sum.args[0].value, Value::Other));
}

#[test]
fn assignments_without_calls_keep_the_value_shape() {
    let model = parse(
        "key = f\"order-{order.id}\"\nattempts = 0\nattempts += 1\nx: int\nconfig = {\"retries\": 3}\n",
    );
    assert_eq!(
        labels(&model.module.body),
        [
            "assign:key",
            "assign:attempts",
            "assign:attempts",
            "assign:config"
        ]
    );
    let Node::Assign(key) = &model.module.body[0] else {
        panic!("expected assign");
    };
    assert_eq!(string(&key.value), "order-{order.id}");
    assert_eq!(key.span.start_line, 1);
    let Node::Assign(config) = &model.module.body[3] else {
        panic!("expected assign");
    };
    assert!(matches!(&config.value, Value::Object(p) if p[0].key == "retries"));
}

#[test]
fn walrus_in_condition_binds_the_call_before_the_branch() {
    let model = parse("if (order := get_order(order_id)) is None:\n    return\n");
    assert_eq!(
        labels(&model.module.body),
        [
            "call:get_order",
            "if:(order := get_order(order_id)) is None"
        ]
    );
    let get = as_call(&model.module.body[0]);
    assert_eq!(get.bound_to.as_deref(), Some("order"));
    assert_eq!(get.result, CallResult::Bound);
}

// ---------------------------------------------------------------------------
// Blocks.

#[test]
fn try_except_else_finally_are_consecutive_blocks() {
    let model = parse(
        r#"try:
    charge()
except (CardError, TimeoutError) as err:
    log(err)
except ValueError:
    pass
except:
    alert()
else:
    confirm()
finally:
    close()
"#,
    );
    assert_eq!(
        labels(&model.module.body),
        [
            "try",
            "catch:CardError|TimeoutError",
            "catch:ValueError",
            "catch:",
            "plain",
            "finally"
        ]
    );
    let body = &model.module.body;
    let BlockKind::Catch { binding, .. } = &as_block(&body[1]).kind else {
        panic!("expected except");
    };
    assert_eq!(binding.as_deref(), Some("err"));
    let BlockKind::Catch {
        error_types,
        binding,
        ..
    } = &as_block(&body[3]).kind
    else {
        panic!("expected except");
    };
    assert!(error_types.is_empty());
    assert_eq!(*binding, None);
    assert_eq!(labels(&as_block(&body[0]).body), ["call:charge"]);
    assert_eq!(labels(&as_block(&body[3]).body), ["call:alert"]);
    assert_eq!(labels(&as_block(&body[4]).body), ["call:confirm"]);
    assert_eq!(labels(&as_block(&body[5]).body), ["call:close"]);
    assert_eq!(as_block(&body[0]).span.start_line, 1);
    assert_eq!(as_block(&body[0]).span.end_line, 2);
    assert_eq!(as_block(&body[1]).span.start_line, 3);
}

#[test]
fn if_elif_else_are_separate_branches_with_condition_calls_before() {
    let model = parse(
        "if order.paid:\n    ship(order)\nelif needs_review(order):\n    review(order)\nelse:\n    cancel(order)\n",
    );
    assert_eq!(
        labels(&model.module.body),
        [
            "if:order.paid",
            "call:needs_review",
            "if:needs_review(order)",
            "if:else"
        ]
    );
    assert_eq!(as_call(&model.module.body[1]).result, CallResult::Used);
    assert_eq!(
        labels(&as_block(&model.module.body[3]).body),
        ["call:cancel"]
    );
    assert_eq!(as_block(&model.module.body[0]).span.end_line, 2);
}

#[test]
fn while_loop_header_is_its_condition() {
    let model = parse("while not queue.empty():\n    handle(queue.get())\n");
    assert_eq!(
        labels(&model.module.body),
        ["call:queue.empty", "loop:not queue.empty()"]
    );
    let body = &as_block(&model.module.body[1]).body;
    let handle = as_call(&body[0]);
    let Value::Call(get) = &handle.args[0].value else {
        panic!("expected nested call");
    };
    assert_eq!(get.callee, "queue.get");
    assert_eq!(get.result, CallResult::Used);
}

#[test]
fn with_items_are_calls_bound_to_their_targets() {
    let model = parse(
        r#"async def save(self):
    with transaction.atomic(using="default"), lock:
        pass
    async with session.begin() as tx, self.pool.acquire() as conn:
        await conn.execute(query)
    with open(path) as (f), locks[key]:
        pass
"#,
    );
    let save = function(&model, "save");
    assert_eq!(
        labels(&save.body),
        [
            "with:transaction.atomic|lock",
            "with:session.begin|self.pool.acquire",
            "with:open|locks[]"
        ]
    );
    let BlockKind::With { items, is_async } = &as_block(&save.body[0]).kind else {
        panic!("expected with");
    };
    assert!(!is_async);
    assert_eq!(keywords(&items[0]), [Some("using")]);
    assert_eq!(items[1].callee, "lock");
    assert!(items[1].args.is_empty());
    assert_eq!(items[1].text, "lock");
    assert_eq!(items[1].result, CallResult::Used);
    let BlockKind::With { items, is_async } = &as_block(&save.body[1]).kind else {
        panic!("expected with");
    };
    assert!(is_async);
    assert_eq!(items[0].bound_to.as_deref(), Some("tx"));
    assert_eq!(items[0].result, CallResult::Bound);
    assert_eq!(items[1].bound_to.as_deref(), Some("conn"));
    let execute = as_call(&as_block(&save.body[1]).body[0]);
    assert!(execute.awaited);
    assert_eq!(execute.callee, "conn.execute");
}

#[test]
fn match_cases_are_arms_with_their_patterns() {
    let model = parse(
        r#"match event.type:
    case "order.created":
        create(event)
    case {"kind": kind} if allowed(kind):
        route(kind)
    case _:
        pass
"#,
    );
    assert_eq!(
        labels(&model.module.body),
        [
            "arm:\"order.created\"",
            "call:allowed",
            "arm:{\"kind\": kind} if allowed(kind)",
            "arm:_"
        ]
    );
    assert_eq!(
        labels(&as_block(&model.module.body[0]).body),
        ["call:create"]
    );
    assert_eq!(as_block(&model.module.body[0]).span.start_line, 2);
}

// ---------------------------------------------------------------------------
// Comments, errors, depth.

#[test]
fn comments_are_collected_and_docstrings_are_not() {
    let model = parse(
        "\"\"\"Module docstring.\"\"\"\n\ndef f():\n    \"\"\"Function docstring.\"\"\"\n    send(x)  # handoff-ignore[sequencing/side-effect-in-transaction]: deferred\n",
    );
    let texts: Vec<&str> = model.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["handoff-ignore[sequencing/side-effect-in-transaction]: deferred"]
    );
    assert_eq!(model.comments[0].span.start_line, 5);
    assert_eq!(model.comments[0].span.start_col, 14);
    assert_eq!(labels(&model.module.body), ["def:f"]);
    assert_eq!(labels(&function(&model, "f").body), ["call:send"]);
    assert_eq!(model.module.name, "<module>");
    assert_eq!(model.module.origin, FunctionOrigin::Module);
}

#[test]
fn broken_input_counts_errors_and_keeps_what_parsed() {
    let model = parse("def broken(:\n    foo()\nx = [1,\nbar()\n");
    assert!(model.parse_errors > 0);
    call(&model, "foo");
    call(&model, "bar");
    let garbage = parse("))) def ((( class : : @@ lambda [[ \u{0}\u{feff}é");
    assert!(garbage.parse_errors > 0);
}

#[test]
fn spans_count_characters_after_multibyte_text() {
    let model = parse("x = \"é\"; send(x)\n");
    let send = call(&model, "send");
    assert_eq!(send.span.start_col, 10);
    assert_eq!(send.span.start_byte, 10);
}

fn on_big_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(PARSER_STACK_BYTES)
        .spawn(work)
        .expect("spawn parser thread")
        .join()
        .expect("parser thread finished");
}

#[test]
fn ten_thousand_nested_brackets_are_truncated_without_overflow() {
    on_big_stack(|| {
        let depth = 10_000;
        let lists = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let model = parse(&lists);
        assert!(model.truncated);
        assert_eq!(labels(&model.module.body), ["assign:x"]);

        let calls = format!("{}0{}\n", "f(".repeat(depth), ")".repeat(depth));
        let model = parse(&calls);
        assert!(model.truncated);
        let mut found = Vec::new();
        every_call(&model.module.body, &mut found);
        assert!(found.len() <= MAX_MODEL_DEPTH);

        let lambdas = format!("g = {}0\n", "lambda: ".repeat(depth));
        assert!(parse(&lambdas).truncated);

        let parens = format!("y = {}f(){}\n", "(".repeat(depth), ")".repeat(depth));
        let model = parse(&parens);
        assert!(!model.truncated);
        assert_eq!(call(&model, "f").bound_to.as_deref(), Some("y"));

        let chain = format!("z = a{}\n", ".b()".repeat(depth));
        let model = parse(&chain);
        assert!(model.truncated);
        assert_eq!(as_call(&model.module.body[0]).chain.len(), MAX_MODEL_DEPTH);

        let operators = format!("w = {}1\n", "not ".repeat(depth));
        assert_eq!(labels(&parse(&operators).module.body), ["assign:w"]);
    });
}

#[test]
fn deeply_nested_blocks_are_truncated() {
    on_big_stack(|| {
        let mut source = String::new();
        for level in 0..400 {
            source.push_str(&" ".repeat(level));
            source.push_str("if x:\n");
        }
        source.push_str(&" ".repeat(400));
        source.push_str("deep()\n");
        let model = parse(&source);
        assert!(model.truncated);
        assert_eq!(model.parse_errors, 0);
    });
}

#[test]
fn decorated_methods_keep_class_and_decorators() {
    let model = parse(
        "class Api(View):\n    @method_decorator(csrf_exempt)\n    @staticmethod\n    async def post(request):\n        async for chunk in stream(request):\n            await sink.write(chunk)\n",
    );
    let post = function(&model, "Api.post");
    assert_eq!(post.class.as_deref(), Some("Api"));
    assert_eq!(post.class_bases, ["View"]);
    assert!(post.is_async);
    assert_eq!(post.span.start_line, 2);
    let callees: Vec<&str> = post.decorators.iter().map(|d| d.callee.as_str()).collect();
    assert_eq!(callees, ["method_decorator", "staticmethod"]);
    assert_eq!(path(&post.decorators[0].args[0].value), "csrf_exempt");
    assert_eq!(
        labels(&post.body),
        ["call:stream", "loop:chunk in stream(request)"]
    );
}

#[test]
fn exception_groups_and_empty_files_are_handled() {
    let model =
        parse("try:\n    run()\nexcept* (OSError, ValueError) as group:\n    report(group)\n");
    assert_eq!(
        labels(&model.module.body),
        ["try", "catch:OSError|ValueError"]
    );
    let empty = parse("");
    assert!(empty.module.body.is_empty());
    assert_eq!(empty.parse_errors, 0);
    assert_eq!(empty.module.span.end_byte, 0);
}

#[test]
fn an_except_that_raises_rethrows_and_a_raise_in_a_nested_function_does_not() {
    let model = parse(
        "try:\n    send()\nexcept Exception:\n    if fatal:\n        raise\nexcept ValueError:\n    def later():\n        raise\n    log(later)\n",
    );
    assert_eq!(
        crate::lang::test_support::handler_rethrows(&model),
        [true, false]
    );
}
