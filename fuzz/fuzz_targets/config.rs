//! Fuzz target `config`: see `walkout_fuzz::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| walkout_fuzz::config(data));
