//! Integration tests of the simulator, in one binary so that every simulated session is
//! shared by all of them (see `common.rs`).

mod common;
mod determinism;
mod physics;
mod scenarios;
mod sensors;
