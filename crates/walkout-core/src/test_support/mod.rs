//! What the tests of the core, the integration tests and the fuzz targets share: a
//! builder of small store configs ([`store`]) and the editing of snapshots as JSON
//! values ([`snapshot_json`]). Compiled for the crate's own tests and, for the others,
//! with the `test-support` feature; never part of a release build.

pub mod snapshot_json;
pub mod store;
