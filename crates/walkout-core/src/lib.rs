//! walkout-core: the sensor-fusion engine of walkout, pure Rust.
//!
//! Read `ARCHITECTURE.md` at the repository root first. The pipeline:
//! input batches → reorder buffer ([`engine`]) → per-plate weight change detection
//! ([`shelf`]) → shopper association ([`assoc`]) → carts and receipts ([`cart`]).

pub mod config;
pub mod epc;
pub mod errors;
pub mod input;
pub mod validate;

pub use config::StoreConfig;
pub use errors::{Result, WalkoutError};
pub mod assoc;
pub mod cart;
pub mod engine;
pub mod geometry;
pub mod rfid;
pub mod shelf;
pub mod store;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod track;

pub use engine::Engine;
