//! What the contract rules see of a change.

use super::drift::{self, Drift, TouchedFile};
use super::{Endpoints, SourceFile};

/// What the contract rules see of a change: every drift between base and
/// head, with its evidence from the rest of the repository.
pub struct ContractContext {
    drifts: Vec<Drift>,
}

impl ContractContext {
    /// Compare the touched files (both versions) with each other and with
    /// `untouched` files (the same in base and head).
    pub fn new(touched: &[TouchedFile<'_>], untouched: &[SourceFile<'_>]) -> ContractContext {
        let sides = drift::Sides::new(touched, untouched, None);
        ContractContext {
            drifts: drift::drifts(touched, &sides.base, &sides.head),
        }
    }

    /// [`ContractContext::new`] with the endpoints of the untouched files
    /// already found (in the same order), as [`Relevance::into_endpoints`] gives them.
    pub fn with_endpoints(
        touched: &[TouchedFile<'_>],
        untouched: &[SourceFile<'_>],
        endpoints: Vec<Endpoints>,
    ) -> ContractContext {
        let sides = drift::Sides::new(touched, untouched, Some(endpoints));
        ContractContext {
            drifts: drift::drifts(touched, &sides.base, &sides.head),
        }
    }

    /// The drifts found.
    pub fn drifts(&self) -> &[Drift] {
        &self.drifts
    }
}
