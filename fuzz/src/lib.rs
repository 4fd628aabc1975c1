//! The bodies of walkout-core's fuzz targets, as plain functions so that the libFuzzer
//! binaries in `fuzz_targets/` stay one line each and a crash input can be replayed
//! from a test or a debugger.
//!
//! * [`ingest`]: a structured stream of batches of every modality (NaN, inf, huge and
//!   negative times, unknown ids, wrong column lengths, duplicates, late data)
//!   interleaved with `step`, `snapshot`/`restore` and `finish`.
//! * [`config`]: arbitrary text, or the minimal store config with arbitrary edits, into
//!   `StoreConfig::from_json` and `Engine::new`, then a short session.
//! * [`snapshot`]: arbitrary bytes, or a real snapshot with arbitrary edits re-sealed
//!   with a valid checksum, into `Engine::restore`; whatever it accepts is driven on
//!   (`step`, `finish`) and must checkpoint and restore again.
//!
//! Every target asserts that nothing panics. [`ingest`] also checks the engine's
//! contract: a rejected batch leaves the engine unchanged (its snapshot bytes are
//! identical), a batch the engine must reject (NaN, a value outside its plausible range,
//! a time outside 2000..2100, columns of different lengths, input after `finish`) is
//! rejected, and an engine restored from
//! a snapshot behaves exactly as the original from then on.

mod config;
mod fixtures;
mod ingest;
mod snapshot;

pub use config::{config, config_text};
pub use fixtures::{
    seed_snapshot, sensor_snapshot, sensor_store_json, CONVENIENCE_JSON, MINIMAL_JSON, T0,
};
pub use ingest::{describe_ingest, ingest};
pub use snapshot::{describe_snapshot, snapshot};
