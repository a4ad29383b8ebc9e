//! Pairing base and head endpoints: which base producer or consumer a head
//! one is a version of.

use super::*;
use crate::contract::channel::Channel;

/// For each head endpoint, its base version: an identical one with the same
/// channel and function first, then one with the same channel and function
/// in order, then one with the same channel (a renamed function).
fn pair<T>(
    base: &[T],
    head: &[T],
    key: impl Fn(&T) -> (&Channel, &str),
    identical: impl Fn(&T, &T) -> bool,
) -> Vec<Option<usize>> {
    let mut used = vec![false; base.len()];
    let mut pairs: Vec<Option<usize>> = vec![None; head.len()];
    // Identical first, then the same function in order, then the same channel.
    for pass in 0..3 {
        for (position, item) in head.iter().enumerate() {
            if pairs[position].is_some() {
                continue;
            }
            let matches = |b: &T| match pass {
                0 => key(b) == key(item) && identical(b, item),
                1 => key(b) == key(item),
                _ => key(b).0 == key(item).0,
            };
            if let Some(found) = (0..base.len()).find(|&i| !used[i] && matches(&base[i])) {
                used[found] = true;
                pairs[position] = Some(found);
            }
        }
    }
    pairs
}

/// The base version of each head producer (see [`pair`]).
pub fn pair_producers<'b>(base: &'b [Producer], head: &[Producer]) -> Vec<Option<&'b Producer>> {
    pair(
        base,
        head,
        |p| (&p.channel, p.function.as_str()),
        same_payload,
    )
    .into_iter()
    .map(|i| i.map(|i| &base[i]))
    .collect()
}

/// The base version of each head consumer (see [`pair`]).
pub fn pair_consumers<'b>(base: &'b [Consumer], head: &[Consumer]) -> Vec<Option<&'b Consumer>> {
    pair(
        base,
        head,
        |c| (&c.channel, c.function.as_str()),
        same_reads,
    )
    .into_iter()
    .map(|i| i.map(|i| &base[i]))
    .collect()
}

/// Whether two producers send the same payload.
pub fn same_payload(a: &Producer, b: &Producer) -> bool {
    let shape = |p: &Producer| {
        p.payload
            .fields
            .iter()
            .map(|f| (f.path.clone(), f.kind, f.optional, f.value_text.clone()))
            .collect::<Vec<_>>()
    };
    a.payload.type_name == b.payload.type_name
        && a.payload.open == b.payload.open
        && a.payload.spread_text == b.payload.spread_text
        && shape(a) == shape(b)
}

/// Whether two consumers read the same keys.
pub fn same_reads(a: &Consumer, b: &Consumer) -> bool {
    let reads = |c: &Consumer| {
        c.reads
            .iter()
            .map(|r| r.path.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    a.type_name == b.type_name && reads(a) == reads(b)
}

#[cfg(test)]
mod tests {
    use super::super::testing::endpoints_of;
    use super::*;

    const BASE: &str = "export async function paid(order) {\n  await bus.publish('order', { id: order.id });\n}\nexport async function shipped(order) {\n  await bus.publish('order', { total: order.total });\n}\n";

    fn functions(pairs: &[Option<&Producer>]) -> Vec<Option<String>> {
        pairs
            .iter()
            .map(|p| p.map(|p| p.function.clone()))
            .collect()
    }

    #[test]
    fn a_producer_pairs_with_its_identical_base_version_wherever_it_moved() {
        let base = endpoints_of("orders.js", BASE).producers;
        let swapped = "export async function shipped(order) {\n  await bus.publish('order', { total: order.total });\n}\nexport async function paid(order) {\n  await bus.publish('order', { id: order.id });\n}\n";
        let head = endpoints_of("orders.js", swapped).producers;
        assert_eq!(
            functions(&pair_producers(&base, &head)),
            [Some("shipped".to_string()), Some("paid".to_string())]
        );
    }

    #[test]
    fn a_changed_producer_pairs_by_function_then_a_renamed_one_by_channel() {
        let base = endpoints_of("orders.js", BASE).producers;
        let changed = "export async function paid(order) {\n  await bus.publish('order', { orderId: order.id });\n}\nexport async function wasShipped(order) {\n  await bus.publish('order', { total: order.total });\n}\nexport async function other() {\n  await bus.publish('refund', { id: 1 });\n}\n";
        let head = endpoints_of("orders.js", changed).producers;
        let pairs = pair_producers(&base, &head);
        assert_eq!(
            functions(&pairs),
            [Some("paid".to_string()), Some("shipped".to_string()), None]
        );
        assert!(!same_payload(&base[0], &head[0]));
        assert!(same_payload(&base[1], &head[1]));
    }

    #[test]
    fn consumers_read_the_same_keys_in_any_order() {
        let a = endpoints_of(
            "worker.js",
            "bus.subscribe('order', ({ id, total }) => ship(id, total));\n",
        );
        let b = endpoints_of(
            "worker.js",
            "bus.subscribe('order', ({ total, id }) => ship(id, total));\n",
        );
        assert!(same_reads(&a.consumers[0], &b.consumers[0]));
        assert_eq!(
            pair_consumers(&a.consumers, &b.consumers)[0].map(|c| c.function.as_str()),
            Some(a.consumers[0].function.as_str())
        );
    }
}
