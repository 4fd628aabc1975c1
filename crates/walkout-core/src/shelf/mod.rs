//! Shelf interactions: weight change detection per plate ([`weight`]), merging of
//! simultaneous changes on neighbouring plates ([`merge`]), and the (sku, quantity)
//! hypotheses a weight delta supports ([`hypothesis`]).

pub mod hypothesis;
pub mod merge;
pub mod weight;
