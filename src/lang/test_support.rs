//! Helpers the frontends' tests share.

use crate::model::{Block, BlockKind, FileModel, Node};

/// For each top-level `catch`/`except` handler of a file, in order, whether
/// it rethrows.
pub fn handler_rethrows(model: &FileModel) -> Vec<bool> {
    model
        .module
        .body
        .iter()
        .filter_map(|node| match node {
            Node::Block(Block {
                kind: BlockKind::Catch { rethrows, .. },
                ..
            }) => Some(*rethrows),
            _ => None,
        })
        .collect()
}
