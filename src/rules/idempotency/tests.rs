//! Specs of the idempotency rules' edge cases. The fixtures under
//! `fixtures/<language>/idempotency/` cover the main cases end to end; these
//! pin down the decisions in between (which retries resend writes, which
//! loops retry, where keys hide, what counts as a dedupe check).

use super::{ConsumerNotIdempotent, KeyRegeneratedPerAttempt, RetryWithoutKey};
use crate::knowledge::{KnowledgeBase, Pack};
use crate::model::{Ecosystem, Language};
use crate::rules::{FileContext, Rule};

/// `(line, rule id)` of every finding of the three rules on `source`.
fn findings(language: Language, source: &str) -> Vec<(u32, &'static str)> {
    let knowledge = KnowledgeBase::builtin().expect("built-in packs are valid");
    let model = crate::lang::parse(language, source);
    let context = FileContext::new(
        "snippet",
        source,
        &model,
        knowledge.for_ecosystem(language.ecosystem()),
    );
    let mut raw = Vec::new();
    let rules: [&dyn Rule; 3] = [
        &RetryWithoutKey,
        &KeyRegeneratedPerAttempt,
        &ConsumerNotIdempotent,
    ];
    for rule in rules {
        rule.check(&context, &mut raw);
    }
    let mut found: Vec<_> = raw
        .iter()
        .map(|f| (f.span.start_line, f.rule.as_str()))
        .collect();
    found.sort();
    found.dedup();
    found
}

const RETRY: &str = "idempotency/retry-without-key";
const REGENERATED: &str = "idempotency/key-regenerated-per-attempt";

#[test]
fn axios_retry_resends_posts_only_with_a_custom_retry_condition() {
    let source = "\
const a = axios.create();
axiosRetry(a, { retries: 3 });
const b = axios.create();
axiosRetry(b, { retries: 3, retryCondition: axiosRetry.isNetworkOrIdempotentRequestError });
const c = axios.create();
axiosRetry(c, { retries: 3, retryCondition: () => true });
async function send(order) {
  await a.post('/orders', order);
  await b.post('/orders', order);
  await c.post('/orders', order);
}
";
    assert_eq!(findings(Language::JavaScript, source), [(10, RETRY)]);
}

#[test]
fn urllib3_retry_reaches_the_session_through_adapter_and_mount() {
    let source = "\
inline = requests.Session()
inline.mount('https://', HTTPAdapter(max_retries=Retry(total=3, allowed_methods=None)))
stepwise = requests.Session()
retry = Retry(total=3, allowed_methods=frozenset(['GET', 'POST']))
adapter = HTTPAdapter(max_retries=retry)
stepwise.mount('https://', adapter)
reads = requests.Session()
reads.mount('https://', HTTPAdapter(max_retries=Retry(total=3)))

def send(order):
    inline.post(URL, json=order)
    stepwise.post(URL, json=order)
    reads.post(URL, json=order)
";
    assert_eq!(
        findings(Language::Python, source),
        [(11, RETRY), (12, RETRY)]
    );
}

#[test]
fn got_retries_a_request_only_when_its_methods_name_post() {
    let source = "\
async function send(order) {
  await got.post(URL, { json: order, retry: { limit: 2 } });
  await got.post(URL, { json: order, retry: { limit: 2, methods: ['POST'] } });
}
";
    assert_eq!(findings(Language::JavaScript, source), [(3, RETRY)]);
}

#[test]
fn loops_over_records_and_endless_poll_loops_are_not_retry_loops() {
    let source = "\
def deliver(events):
    for event in events:
        try:
            requests.post(URL, json=event)
        except requests.RequestException:
            time.sleep(1)

def poll():
    while True:
        try:
            requests.post(URL, json=receive())
        except Exception:
            time.sleep(1)

def retry_by_count(event):
    for _ in range(5):
        try:
            requests.post(URL, json=event)
        except requests.RequestException:
            time.sleep(1)
";
    assert_eq!(findings(Language::Python, source), [(18, RETRY)]);
}

#[test]
fn an_endless_loop_that_counts_its_attempts_retries() {
    let source = "\
async function send(order) {
  let attempts = 0;
  while (true) {
    try {
      await axios.post(URL, order);
      break;
    } catch (err) {
      if (++attempts >= 3) throw err;
    }
  }
}
";
    assert_eq!(findings(Language::JavaScript, source), [(5, RETRY)]);
}

#[test]
fn a_key_set_on_a_headers_variable_is_found_and_traced_to_its_value() {
    let source = "\
@retry(stop=stop_after_attempt(3))
def stable(order):
    headers = {}
    headers['Idempotency-Key'] = f'order-{order.id}'
    requests.post(URL, json=order, headers=headers)

@retry(stop=stop_after_attempt(3))
def fresh(order):
    headers = {}
    headers['Idempotency-Key'] = str(uuid.uuid4())
    requests.post(URL, json=order, headers=headers)
";
    assert_eq!(findings(Language::Python, source), [(10, REGENERATED)]);
}

#[test]
fn a_rust_header_map_insert_carries_the_key() {
    let source = "\
async fn send(client: &reqwest::Client, order: &Order) -> Result<(), Error> {
    Retry::spawn(strategy(), || async {
        let mut headers = HeaderMap::new();
        headers.insert(\"Idempotency-Key\", HeaderValue::from_str(&order.id)?);
        client.post(URL).headers(headers).json(order).send().await
    })
    .await?;
    Ok(())
}
";
    assert_eq!(findings(Language::Rust, source), []);
}

#[test]
fn dramatiq_retries_unless_max_retries_is_zero_and_redelivers_either_way() {
    let source = "\
@dramatiq.actor
def charge(order_id):
    stripe.PaymentIntent.create(amount=100, currency='eur')

@dramatiq.actor(max_retries=0)
def charge_once(order_id):
    stripe.PaymentIntent.create(amount=100, currency='eur')
";
    // Without retries the actor is still a consumer: dramatiq acknowledges a
    // message after the actor ran, so a crash re-delivers it.
    assert_eq!(
        findings(Language::Python, source),
        [(3, RETRY), (7, "idempotency/consumer-not-idempotent")]
    );
}

#[test]
fn a_queue_handed_a_function_schedules_work_in_process() {
    let source = "\
new Worker('reindex', async (job) => {
  await indexQueue.enqueue(async () => rebuild(job.data));
  await eventsQueue.enqueue({ type: 'reindexed', id: job.id });
}, { connection });
";
    assert_eq!(
        findings(Language::JavaScript, source),
        [(3, "idempotency/consumer-not-idempotent")]
    );
}

#[test]
fn a_status_lock_or_an_existence_check_before_the_effect_is_a_dedupe_check() {
    let source = "\
@app.task(acks_late=True)
def send_receipt(order_id):
    if Receipt.objects.filter(order_id=order_id).exists():
        return
    send_mail('Receipt', body, FROM, [to])

@app.task(acks_late=True)
def send_invoice(order_id):
    order = claim_order_for_invoicing(order_id)
    if not order:
        return
    send_mail('Invoice', body, FROM, [to])

@app.task(acks_late=True)
def send_reminder(order_id):
    send_mail('Reminder', body, FROM, [to])
";
    assert_eq!(
        findings(Language::Python, source),
        [(16, "idempotency/consumer-not-idempotent")]
    );
}

#[test]
fn handlers_known_only_by_name_are_not_treated_as_consumers() {
    let source = "\
async function triggerCleanupJob(batchSize) {
  await cleanupQueue.add({ batchSize });
}
";
    assert_eq!(findings(Language::JavaScript, source), []);
}

#[test]
fn a_retry_entry_without_calls_or_decorators_is_rejected_where_it_is_written() {
    let source = "ecosystem: js\nretries:\n  - label: nothing\n";
    let pack: Pack = serde_norway::from_str(source).expect("valid yaml");
    let error = KnowledgeBase::default()
        .add_pack(Ecosystem::Js, "x.yaml", source, &pack)
        .expect_err("an entry must name what it covers");
    assert_eq!((error.line, error.column), (3, 12));
    assert!(error.message.contains("no `calls`"), "{}", error.message);
}

#[test]
fn a_bad_dedupe_sql_expression_points_at_the_expression() {
    let source = "ecosystem: python\ndedupe_checks:\n  sql: 'on (conflict'\n";
    let pack: Pack = serde_norway::from_str(source).expect("valid yaml");
    let error = KnowledgeBase::default()
        .add_pack(Ecosystem::Python, "x.yaml", source, &pack)
        .expect_err("unbalanced parenthesis");
    assert_eq!(error.line, 3);
    assert!(
        error.message.contains("dedupe_checks.sql"),
        "{}",
        error.message
    );
}
