//! Whether a transaction visibly writes on the path to a call: a side effect
//! in a transaction that writes nothing before or after it, on the branch it
//! runs in (an `if` before it that always returns is another path), announces state that was committed earlier, and a rollback of
//! this transaction takes nothing back that the receiver reads.
//!
//! Writes are recognised by the verb of the method (`save`, `create`,
//! `bulk_update`, `insertOne`, `execute`), not by a leading predicate
//! (`needs_merge`, `is_removed`). A call of the project's own function named
//! as a write is checked against its body, through its summary: a
//! `self.update_initial(..)` that only sets attributes writes nothing. Writes
//! of helpers not named as writes are not seen, so a transaction without a
//! visible write is a reason to lower confidence, never to stay quiet.

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
];

/// First words that make a method name a question about state.
const QUESTION_WORDS: &[&str] = &[
    "is", "has", "have", "can", "should", "needs", "need", "must", "may", "was", "will", "did",
    "does", "allows", "check", "validate", "verify", "count", "exists",
];

/// Whether `scope` visibly writes on the path that reaches `target`: in the
/// statements around it (before or after), leaving out the other branches of
/// the `if`/`match` it stands in. A project helper that reaches the side
/// effect (`origin` other than a pack) and is named as a write (`add`,
/// `create_order`) writes too.
pub fn writes_on_path(
    scope: &TransactionScope<'_>,
    target: &Call,
    origin: SinkOrigin,
    knowledge: &Knowledge,
) -> bool {
    (origin != SinkOrigin::Pack && is_write_by_body_or_name(target, knowledge))
        || on_path(scope.body, target, knowledge)
}

fn on_path(nodes: &[Node], target: &Call, knowledge: &Knowledge) -> bool {
    let Some(index) = nodes.iter().position(|node| contains(node, target)) else {
        return nodes.iter().any(|node| writes(node, target, knowledge));
    };
    let alternatives = branch_run(nodes, index);
    let around = nodes
        .iter()
        .enumerate()
        .filter(|(i, node)| {
            let elsewhere = alternatives.contains(i) || (*i < index && returns_early(node));
            !elsewhere
        })
        .any(|(_, node)| writes(node, target, knowledge));
    around
        || match &nodes[index] {
            Node::Block(block) => on_path(&block.body, target, knowledge),
            node => writes(node, target, knowledge),
        }
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

/// Whether `node` holds a write other than `target` and the calls it is
/// made of.
fn writes(node: &Node, target: &Call, knowledge: &Knowledge) -> bool {
    let mut inside_target = Vec::new();
    for_each_call_in(std::slice::from_ref(node), &mut |call| {
        if std::ptr::eq(call, target) {
            inside_target.extend(target.chain.iter().map(|c| c as *const Call));
        }
    });
    let mut found = false;
    for_each_call_in(std::slice::from_ref(node), &mut |call| {
        found |= !std::ptr::eq(call, target)
            && !inside_target.contains(&(call as *const Call))
            && is_write(call, knowledge);
    });
    found
}

/// A call whose method name carries a write verb and that is not itself a
/// side effect on another system.
fn is_write(call: &Call, knowledge: &Knowledge) -> bool {
    knowledge.sink(call).is_none() && is_write_by_body_or_name(call, knowledge)
}

/// Whether the call is named as a write, unless it is the project's own
/// function and its body writes nothing. A body is never taken to make a
/// write of a call its name does not: what a helper's body calls `add` or
/// `set` (a message store, a cache, a set) is too often not stored state.
fn is_write_by_body_or_name(call: &Call, knowledge: &Knowledge) -> bool {
    named_as_write(&call.method) && !knowledge.writes_nothing(call)
}

/// Whether a method name carries a write verb; "for update"
/// (`select_for_update`, `forUpdate`) is a row lock taken to read, and a
/// name that starts as a question (`needs_merge`, `can_delete`,
/// `should_update`) reads.
pub fn named_as_write(method: &str) -> bool {
    let words = identifier_words(method);
    if words
        .first()
        .is_some_and(|first| QUESTION_WORDS.contains(&first.as_str()))
    {
        return false;
    }
    words
        .iter()
        .enumerate()
        .any(|(i, word)| WRITE_VERBS.contains(&word.as_str()) && !(i > 0 && words[i - 1] == "for"))
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
    }

    #[test]
    fn names_that_ask_a_question_are_not_writes() {
        assert!(!named_as_write("needs_merge"));
        assert!(!named_as_write("can_delete"));
        assert!(!named_as_write("isRemoved"));
        assert!(!named_as_write("should_update_index"));
        assert!(named_as_write("update_or_create"));
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
