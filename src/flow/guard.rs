//! Whether a write is guarded by a fresh read of the state it changes: the
//! function first asks the other service (`GET /certificates/{id}`) and
//! writes only while the answer says the write is still needed
//! (`if data["status"] == "active": post(deactivations)`). Run again, it
//! reads the state the first run left and does not repeat the write: a
//! check-then-act that makes a retried function idempotent.
//!
//! Only a read made on the same client as the write counts: that client
//! talks to the service the write changes. A guard on local state (a row
//! loaded from the database) does not: the local state changes only after
//! the write, so a retry in between repeats it.

use crate::model::{Block, BlockKind, Call, Function, Node, Span};
use std::collections::HashSet;

/// Methods that ask an HTTP client for a resource without changing it.
const READ_METHODS: &[&str] = &["get", "head"];

/// Whether `write`, made in `function`, runs only under an `if` whose
/// condition reads the answer of an earlier read on the same client.
pub fn guarded_by_fresh_read(function: &Function, write: &Call) -> bool {
    let Some(client) = write.receiver.as_deref() else {
        return false;
    };
    let fresh = fresh_names(function, write, client);
    if fresh.is_empty() {
        return false;
    }
    let mut conditions = Vec::new();
    conditions_around(&function.body, write.span, &mut conditions);
    conditions.iter().any(|condition| {
        identifier_words_raw(condition)
            .iter()
            .any(|word| fresh.contains(*word))
    })
}

/// The names bound, before `write`, to the answer of a read on `client`,
/// and to what is derived from it (`data = handle_response(response)`,
/// `status = response.json()["status"]`).
fn fresh_names(function: &Function, write: &Call, client: &str) -> HashSet<String> {
    let mut earlier: Vec<&Call> = Vec::new();
    function.for_each_call(&mut |call| {
        if call.span.end_byte <= write.span.start_byte && call.bound_to.is_some() {
            earlier.push(call);
        }
    });
    let mut fresh: HashSet<String> = earlier
        .iter()
        .filter(|call| {
            call.chain
                .iter()
                .chain(std::iter::once(**call))
                .any(|link| {
                    link.receiver.as_deref() == Some(client)
                        && READ_METHODS.contains(&link.method.as_str())
                        && !link.args.is_empty()
                })
        })
        .filter_map(|call| call.bound_to.clone())
        .collect();
    if fresh.is_empty() {
        return fresh;
    }
    // Two steps of derivation are enough for `data = parse(response)` and
    // `status = data["status"]`.
    for _ in 0..2 {
        let derived: Vec<String> = earlier
            .iter()
            .filter(|call| {
                let receiver_root = call
                    .receiver
                    .as_deref()
                    .and_then(|r| r.split('.').next())
                    .unwrap_or("");
                fresh.contains(receiver_root)
                    || call.args.iter().any(|arg| {
                        identifier_words_raw(&arg.text)
                            .iter()
                            .any(|word| fresh.contains(*word))
                    })
            })
            .filter_map(|call| call.bound_to.clone())
            .collect();
        fresh.extend(derived);
    }
    fresh
}

/// Whether `write`, made in `function` (whose file's text is `source`), runs
/// only after a claim: an earlier conditional update of stored rows whose
/// count the code tests (`reserved = Kick.objects.filter(pk=k.pk,
/// done_at=None).update(started_at=now)`, then `if reserved == 0:
/// continue`, or `if claimed: send(..)`). The first run changes the rows
/// the update selects, so a repeated run claims nothing and skips the
/// write: a compare-and-set that makes a retried function idempotent.
pub fn claimed_by_conditional_update(function: &Function, write: &Call, source: &str) -> bool {
    let mut claims: HashSet<&str> = HashSet::new();
    function.for_each_call(&mut |call| {
        if call.span.end_byte <= write.span.start_byte
            && call.method == "update"
            && call
                .chain
                .iter()
                .any(|link| matches!(link.method.as_str(), "filter" | "exclude" | "where"))
            && let Some(name) = call.bound_to.as_deref()
        {
            claims.insert(name);
        }
    });
    if claims.is_empty() {
        return false;
    }
    let names_a_claim = |condition: &str| {
        identifier_words_raw(condition)
            .iter()
            .any(|word| claims.contains(word))
    };
    let mut conditions = Vec::new();
    conditions_around(&function.body, write.span, &mut conditions);
    if conditions.iter().any(|condition| names_a_claim(condition)) {
        return true;
    }
    let mut exits = Vec::new();
    exits_before(&function.body, write.span, source, &mut exits);
    exits.iter().any(|condition| names_a_claim(condition))
}

/// The conditions of the `if` branches that end before `span` and leave
/// (`continue`, `return`, `break`, `raise`, `throw` in them).
fn exits_before<'a>(nodes: &'a [Node], span: Span, source: &str, out: &mut Vec<&'a str>) {
    for node in nodes {
        let Node::Block(block) = node else {
            continue;
        };
        if block.span.start_byte >= span.start_byte {
            continue;
        }
        if let BlockKind::If { condition } = &block.kind
            && block.span.end_byte <= span.start_byte
        {
            let text = source
                .get(block.span.start_byte..block.span.end_byte)
                .unwrap_or("");
            if ["continue", "return", "break", "raise", "throw"]
                .iter()
                .any(|word| crate::flow::outcome::has_word(text, word))
            {
                out.push(condition);
            }
        }
        exits_before(&block.body, span, source, out);
    }
}

/// The conditions of the `if` branches that contain `span`, outermost first.
fn conditions_around<'a>(nodes: &'a [Node], span: Span, out: &mut Vec<&'a str>) {
    for node in nodes {
        let Node::Block(Block {
            kind,
            body,
            span: block_span,
            ..
        }) = node
        else {
            continue;
        };
        if block_span.start_byte > span.start_byte || block_span.end_byte < span.end_byte {
            continue;
        }
        if let BlockKind::If { condition } = kind {
            out.push(condition);
        }
        conditions_around(body, span, out);
    }
}

/// The identifiers of `text` as written (`data['status']` → `data`,
/// `status`), for matching bound names exactly.
fn identifier_words_raw(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Language;

    fn write_in(source: &str, language: Language, method: &str) -> bool {
        let model = crate::lang::parse(language, source);
        let function = model
            .module
            .body
            .iter()
            .find_map(|node| match node {
                Node::Function(function) => Some(function),
                _ => None,
            })
            .expect("the fixture defines a function");
        let mut write = None;
        function.for_each_call(&mut |call| {
            if call.method == method && write.is_none() {
                write = Some(call);
            }
        });
        guarded_by_fresh_read(function, write.expect("the write is in the fixture"))
    }

    #[test]
    fn a_write_under_a_check_of_the_same_clients_answer_is_guarded() {
        let source = "def retire(self, badge):\n    answer = self.http.get(f\"{BASE}/badges/{badge.id}\")\n    current = decode(answer)\n    if current and current[\"state\"] == \"live\":\n        self.http.post(f\"{BASE}/badges/{badge.id}/retirements\")\n";
        assert!(write_in(source, Language::Python, "post"));
    }

    #[test]
    fn a_write_under_a_check_of_local_state_is_not_guarded() {
        let source = "def retire(self, badge):\n    row = Badge.objects.get(pk=badge.id)\n    if row.state == \"live\":\n        self.http.post(f\"{BASE}/badges/{badge.id}/retirements\")\n";
        assert!(!write_in(source, Language::Python, "post"));
    }

    fn claimed(source: &str, method: &str) -> bool {
        let model = crate::lang::parse(Language::Python, source);
        let Some(Node::Function(function)) = model.module.body.first() else {
            panic!("the fixture starts with a function");
        };
        let mut write = None;
        function.for_each_call(&mut |call| {
            if call.method == method && write.is_none() {
                write = Some(call);
            }
        });
        claimed_by_conditional_update(
            function,
            write.expect("the write is in the fixture"),
            source,
        )
    }

    #[test]
    fn writes_after_a_conditional_update_are_claimed() {
        let skips = "def kick_all(kicks, now):\n    for kick in kicks:\n        reserved = Kick.objects.filter(pk=kick.pk, done_at=None).update(started_at=now)\n        if reserved == 0:\n            continue\n        remove_member.delay(kick.user_id)\n";
        assert!(claimed(skips, "delay"));
        let under = "def notify(order):\n    claimed = Order.objects.filter(pk=order.pk, notified=False).update(notified=True)\n    if claimed:\n        send_receipt.delay(order.pk)\n";
        assert!(claimed(under, "delay"));
        let unconditional = "def notify(order):\n    Order.objects.filter(pk=order.pk).update(notified=True)\n    send_receipt.delay(order.pk)\n";
        assert!(!claimed(unconditional, "delay"));
    }

    #[test]
    fn a_write_after_an_unrelated_read_is_not_guarded() {
        let source = "async function retire(badge) {\n  const answer = await client.get(`${BASE}/badges/${badge.id}`);\n  await client.post(`${BASE}/badges/${badge.id}/retirements`);\n  return answer;\n}\n";
        assert!(!write_in(source, Language::JavaScript, "post"));
    }
}
