//! Fuzz target `ingest`: see `walkout_fuzz::ingest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| walkout_fuzz::ingest(data));
