//! Fuzz target `snapshot`: see `walkout_fuzz::snapshot`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| walkout_fuzz::snapshot(data));
