//! Sequencing: a side effect fires before the state it announces is durable.

mod side_effect_before_commit;
mod side_effect_in_transaction;

pub use side_effect_before_commit::SideEffectBeforeCommit;
pub use side_effect_in_transaction::SideEffectInTransaction;
