//! Whether a transaction writes on the path to a call: a side effect in a
//! transaction that writes nothing before or after it, on the branch it runs
//! in (an `if` before it that always returns is another path), announces
//! state that was committed earlier, and a rollback of this transaction takes
//! nothing back that the receiver reads.
//!
//! Writes are recognised by the verb of the method (`save`, `create`,
//! `bulk_update`, `insertOne`, `execute`), not by a leading predicate
//! (`needs_merge`, `is_removed`). A call of the project's own function is
//! checked against its body, through its summary: a `self.update_initial(..)`
//! that only sets attributes writes nothing, and a `process(order)` that calls
//! `order.save()` writes, though less surely than a call named as a write
//! (what a helper's body calls `add` or `set` is often a cache or a set).
//! A call neither named as a write nor resolved to a body that writes is
//! taken for a read.

use super::TransactionScope;
use crate::knowledge::{Knowledge, SinkOrigin, identifier_words};
use crate::model::{BlockKind, Call, Node, for_each_call_in};

/// The words of a method name that say it changes stored state.
const WRITE_VERBS: &[&str] = &[
    "save",
    "create",
    "update",
    "upsert",
    "insert",
    "delete",
    "del",
    "destroy",
    "remove",
    "add",
    "set",
    "put",
    "patch",
    "write",
    "store",
    "persist",
    "bulk",
    "mark",
    "assign",
    "increment",
    "decrement",
    "incr",
    "decr",
    "execute",
    "exec",
    "executemany",
    "query",
    "raw",
    "merge",
    "archive",
    "flush",
    "clear",
    "reset",
    "replace",
    "move",
    "link",
    "unlink",
    "attach",
    "detach",
    "approve",
    "cancel",
    "refund",
    "confirm",
    "complete",
    "finalize",
    "publish",
    "restore",
    // The state changes of domain objects (`invoice.pay()`,
    // `invitation.accept(user)`, `membership.renew()`): the model's own
    // methods that move a row to its next state.
    "pay",
    "charge",
    "capture",
    "void",
    "settle",
    "fulfil",
    "fulfill",
    "ship",
    "accept",
    "reject",
    "decline",
    "revoke",
    "expire",
    "renew",
    "activate",
    "deactivate",
    "enable",
    "disable",
    "enroll",
    "invite",
    "reopen",
    "transfer",
    "deposit",
    "withdraw",
    "reserve",
    "allocate",
    "grant",
    "ban",
    "suspend",
    "transition",
];

/// First words that make a method name a question about state.
const QUESTION_WORDS: &[&str] = &[
    "is", "has", "have", "can", "should", "needs", "need", "must", "may", "was", "will", "did",
    "does", "allows", "check", "validate", "verify", "count", "exists",
];

/// Auxiliary verbs that make a name a question wherever they stand before
/// its verb (`repo_needs_merge`, `order_is_complete`).
const AUXILIARIES: &[&str] = &[
    "is", "has", "have", "can", "should", "needs", "need", "must", "may", "was", "will", "did",
    "does",
];

/// The verbs of a call that stores rows wherever it stands.
const STORE_VERBS: &[&str] = &[
    "save",
    "create",
    "insert",
    "upsert",
    "delete",
    "destroy",
    "execute",
    "exec",
    "executemany",
    "bulk",
    "persist",
    "raw",
];

/// Whether a call plainly stores rows: a store verb that no question comes
/// before (`save`, `bulk_create`, `execute`), or any write verb on a query
/// built in the same expression (`qs.filter(..).update(..)`,
/// `trx('orders').where(..).del()`) or on a database session or cursor
/// (`session.add(..)`, `db.session.merge(..)`). A write verb alone (`add`,
/// `set`, `update`) is as often a message store, a cache or a dict.
pub fn stores_rows(call: &Call) -> bool {
    if !named_as_write(&call.method) {
        return false;
    }
    let words = identifier_words(&call.method);
    words
        .iter()
        .any(|word| STORE_VERBS.contains(&word.as_str()))
        || call.receiver.as_deref().is_some_and(|receiver| {
            receiver.contains("()") || {
                let last = receiver.rsplit('.').next().unwrap_or(receiver);
                identifier_words(last)
                    .iter()
                    .any(|word| matches!(word.as_str(), "session" | "cursor" | "trx" | "tx"))
            }
        })
}

/// The words of a receiver that name a database handle or a model class's
/// table: a write verb on it stores rows (`db.query(..)`,
/// `prisma.notification.update(..)`, `repository.save(..)`).
const DATABASE_RECEIVER_WORDS: &[&str] = &[
    "db",
    "database",
    "prisma",
    "knex",
    "repo",
    "repository",
    "orm",
    "collection",
    "table",
    "psql",
    "pg",
    "pool",
    "conn",
    "connection",
    "objects",
];

/// Whether a call records in stored state that something happened: it
/// stores rows ([`stores_rows`]), commits a session (`db.session.commit()`),
/// or is a write verb on a database handle or a model class
/// (`Notification.updateOne(..)`, `prisma.job.update(..)`).
pub fn records_state(call: &Call) -> bool {
    if stores_rows(call) || identifier_words(&call.method).iter().any(|w| w == "commit") {
        return true;
    }
    named_as_write(&call.method)
        && call.receiver.as_deref().is_some_and(|receiver| {
            let first = receiver.split('.').next().unwrap_or(receiver);
            let capitalised = first.chars().next().is_some_and(char::is_uppercase)
                && first.chars().any(char::is_lowercase);
            capitalised
                || receiver.split('.').any(|segment| {
                    identifier_words(segment)
                        .iter()
                        .any(|word| DATABASE_RECEIVER_WORDS.contains(&word.as_str()))
                })
        })
}

/// Whether the statements of `function` that run after `effect` inside the
/// try block spanning `try_span` record the effect's success in stored
/// state (`send(row); db.execute("update .. set sent_at = now()")`): when
/// the effect fails, the handler skips the record, and the item stays
/// marked as pending for whatever picks pending items up again.
pub fn success_recorded_after(
    function: &crate::model::Function,
    try_span: crate::model::Span,
    effect: &Call,
    knowledge: &Knowledge,
) -> bool {
    let mut recorded = false;
    for_each_call_in(&function.body, &mut |call| {
        recorded |= call.span.start_byte >= effect.span.end_byte
            && call.span.end_byte <= try_span.end_byte
            && knowledge.sink(call).is_none()
            && records_state(call);
    });
    recorded
}

/// How surely a transaction writes on the path to a side effect, weakest
/// first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathWrites {
    /// No call on the path is named as a write or reaches a body that writes.
    Nothing,
    /// Nothing visibly writes, but the path calls the project's own code
    /// whose body is not in sight (imported from a file not read): the
    /// callee of the first such call, for the message.
    Unseen(String),
    /// Only helpers of the project whose bodies write (their summaries say
    /// so): the callee of the first, for the message.
    InHelper(String),
    /// A call named as a write (`save`, `create`, `execute`).
    Named,
}

impl PathWrites {
    /// The stronger of two, the earlier helper when both are helpers.
    fn or(self, other: PathWrites) -> PathWrites {
        match (&self, &other) {
            (PathWrites::InHelper(_), PathWrites::InHelper(_))
            | (PathWrites::Unseen(_), PathWrites::Unseen(_)) => self,
            _ => self.max(other),
        }
    }
}

/// How `scope` writes on the path that reaches `target`: in the statements
/// around it (before or after), leaving out the other branches of the
/// `if`/`match` it stands in. A project helper that reaches the side effect
/// (`origin` other than a pack) writes too, by its name or its body.
pub fn writes_on_path(
    scope: &TransactionScope<'_>,
    target: &Call,
    origin: SinkOrigin,
    knowledge: &Knowledge,
    unseen: &dyn Fn(&Call) -> bool,
) -> PathWrites {
    let writes = Writes { knowledge, unseen };
    let by_target = if origin == SinkOrigin::Pack {
        PathWrites::Nothing
    } else {
        writes.of(target)
    };
    by_target.or(on_path(scope.body, target, &writes))
}

/// How the calls of a path are judged: the knowledge of the file, and which
/// calls are the project's code out of sight.
struct Writes<'a> {
    knowledge: &'a Knowledge,
    unseen: &'a dyn Fn(&Call) -> bool,
}

impl Writes<'_> {
    /// How surely a call that is not itself a side effect writes: named as
    /// a write (unless it is the project's own function and its body writes
    /// nothing), the project's own function whose body writes, or the
    /// project's code out of sight.
    fn of(&self, call: &Call) -> PathWrites {
        if named_as_write(&call.method) && !self.knowledge.writes_nothing(call) {
            PathWrites::Named
        } else if self.knowledge.writes_in_body(call) {
            PathWrites::InHelper(call.callee.clone())
        } else if (self.unseen)(call) {
            PathWrites::Unseen(call.callee.clone())
        } else {
            PathWrites::Nothing
        }
    }
}

fn on_path(nodes: &[Node], target: &Call, writes: &Writes<'_>) -> PathWrites {
    let Some(index) = nodes.iter().position(|node| contains(node, target)) else {
        return strongest(nodes.iter(), target, writes);
    };
    let alternatives = branch_run(nodes, index);
    let around = strongest(
        nodes.iter().enumerate().filter_map(|(i, node)| {
            let elsewhere = alternatives.contains(&i) || (i < index && returns_early(node));
            (!elsewhere).then_some(node)
        }),
        target,
        writes,
    );
    let inside = match &nodes[index] {
        Node::Block(block) => on_path(&block.body, target, writes),
        node => strongest_in(node, target, writes),
    };
    around.or(inside)
}

fn strongest<'n>(
    nodes: impl Iterator<Item = &'n Node>,
    target: &Call,
    writes: &Writes<'_>,
) -> PathWrites {
    nodes
        .map(|node| strongest_in(node, target, writes))
        .fold(PathWrites::Nothing, PathWrites::or)
}

/// The indices of the branches (`if`/`elif`/`else`, `match` arms, `switch`
/// cases) next to the branch at `index`, with the calls of their conditions
/// (a frontend reports them as statements before the branch): alternatives
/// of it, or of an unrelated `if` next to it, read as alternatives too, which
/// only lowers confidence.
fn branch_run(nodes: &[Node], index: usize) -> std::ops::RangeInclusive<usize> {
    let conditions: Vec<&str> = nodes
        .iter()
        .filter_map(|node| match node {
            Node::Block(block) => match &block.kind {
                BlockKind::If { condition } => Some(condition.as_str()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let is_branch = |node: &Node| match node {
        Node::Block(block) => matches!(block.kind, BlockKind::If { .. } | BlockKind::Arm { .. }),
        Node::Call(call) => conditions.iter().any(|c| c.contains(call.text.as_str())),
        _ => false,
    };
    if !matches!(&nodes[index], Node::Block(_)) || !is_branch(&nodes[index]) {
        return index..=index;
    }
    let start = nodes[..index]
        .iter()
        .rposition(|node| !is_branch(node))
        .map_or(0, |p| p + 1);
    let end = nodes[index + 1..]
        .iter()
        .position(|node| !is_branch(node))
        .map_or(nodes.len() - 1, |p| index + p);
    start..=end
}

/// Whether `node` is an `if` whose branch always returns: a path that
/// reaches a statement after it did not run it.
fn returns_early(node: &Node) -> bool {
    matches!(node, Node::Block(block)
        if matches!(block.kind, BlockKind::If { .. }) && ends_in_return(&block.body))
}

/// Whether the last statement of `nodes` returns, directly or as the last
/// statement of a block that runs straight through (`with`, a plain block).
fn ends_in_return(nodes: &[Node]) -> bool {
    match nodes.last() {
        Some(Node::Return(_)) => true,
        Some(Node::Block(block)) => {
            matches!(block.kind, BlockKind::With { .. } | BlockKind::Plain)
                && ends_in_return(&block.body)
        }
        _ => false,
    }
}

fn contains(node: &Node, target: &Call) -> bool {
    let mut found = false;
    for_each_call_in(std::slice::from_ref(node), &mut |call| {
        found |= std::ptr::eq(call, target);
    });
    found
}

/// The strongest write `node` holds, other than `target` and the calls it
/// is made of.
fn strongest_in(node: &Node, target: &Call, writes: &Writes<'_>) -> PathWrites {
    let mut inside_target = Vec::new();
    for_each_call_in(std::slice::from_ref(node), &mut |call| {
        if std::ptr::eq(call, target) {
            inside_target.extend(target.chain.iter().map(|c| c as *const Call));
        }
    });
    let mut found = PathWrites::Nothing;
    for_each_call_in(std::slice::from_ref(node), &mut |call| {
        if !std::ptr::eq(call, target)
            && !inside_target.contains(&(call as *const Call))
            && writes.knowledge.sink(call).is_none()
        {
            found = std::mem::replace(&mut found, PathWrites::Nothing).or(writes.of(call));
        }
    });
    found
}

/// Whether a method name carries a write verb; "for update"
/// (`select_for_update`, `forUpdate`) is a row lock taken to read, and a
/// name that asks a question reads: it starts as one (`needs_merge`,
/// `can_delete`, `should_update`) or an auxiliary stands before its verb
/// (`repo_needs_merge`).
pub fn named_as_write(method: &str) -> bool {
    let words = identifier_words(method);
    if words
        .first()
        .is_some_and(|first| QUESTION_WORDS.contains(&first.as_str()))
    {
        return false;
    }
    let verb = words.iter().enumerate().position(|(i, word)| {
        WRITE_VERBS.contains(&word.as_str()) && !(i > 0 && words[i - 1] == "for")
    });
    verb.is_some_and(|verb| {
        !words[..verb]
            .iter()
            .any(|word| AUXILIARIES.contains(&word.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::named_as_write;
    use crate::knowledge::identifier_words;

    #[test]
    fn row_locks_taken_to_read_are_not_writes() {
        assert!(!named_as_write("select_for_update"));
        assert!(!named_as_write("forUpdate"));
        assert!(named_as_write("bulk_update"));
        assert!(named_as_write("get_or_create"));
        assert!(!named_as_write("filter"));
        assert!(named_as_write("pay"));
        assert!(named_as_write("accept_invitation"));
        assert!(!named_as_write("close"));
    }

    #[test]
    fn names_that_ask_a_question_are_not_writes() {
        assert!(!named_as_write("needs_merge"));
        assert!(!named_as_write("can_delete"));
        assert!(!named_as_write("isRemoved"));
        assert!(!named_as_write("should_update_index"));
        assert!(named_as_write("update_or_create"));
        assert!(!named_as_write("repo_needs_merge"));
        assert!(!named_as_write("order_is_complete"));
        assert!(named_as_write("save_and_is_done"));
    }

    #[test]
    fn method_names_split_into_lowercase_words() {
        let words = identifier_words;
        assert_eq!(words("bulk_create"), ["bulk", "create"]);
        assert_eq!(words("insertOne"), ["insert", "one"]);
        assert_eq!(words("findOneAndUpdate"), ["find", "one", "and", "update"]);
        assert_eq!(words("__save__"), ["save"]);
    }
}
