//! The `config` target: arbitrary text, or the minimal store config with arbitrary
//! edits, into `StoreConfig::from_json` and `Engine::new`, then a short session.

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;
use walkout_core::config::StoreConfig;
use walkout_core::input::GateEventKind;
use walkout_core::Engine;

use crate::fixtures::{edit_value, Edit, MINIMAL_JSON, T0};

/// A short session on whatever store the config describes: weights on every plate
/// with one item taken, a shopper walking past, both gates, snapshot and restore.
fn short_session(mut e: Engine, cfg: &StoreConfig) {
    let plates: Vec<u32> = cfg.plates().map(|(_, _, p)| p.id).take(8).collect();
    for chunk in 0..4i64 {
        let (mut p, mut t, mut g) = (vec![], vec![], vec![]);
        for &plate in &plates {
            for i in 0..30i64 {
                let ti = T0 + (chunk * 30 + i) * 16_667;
                p.push(plate);
                t.push(ti);
                g.push(if chunk >= 2 { 1500.0 } else { 2000.0 } + (i % 3) as f64);
            }
        }
        e.ingest_weights(&p, &t, &g)
            .expect("plausible weights are accepted");
        let (x, y) = (cfg.floor[0] / 2.0, cfg.floor[1] / 2.0);
        e.ingest_positions(&[T0 + chunk * 500_000], &[1], &[x], &[y])
            .expect("a position on the floor is accepted");
        e.step(None).expect("step");
    }
    if let (Some(entry), Some(exit)) = (cfg.gates.first(), cfg.gates.last()) {
        e.ingest_gates(
            &[entry.id, exit.id],
            &[T0, T0 + 2_000_000],
            &[GateEventKind::Enter, GateEventKind::Exit],
            &[Some("acct".into()), None],
        )
        .expect("gate events of known gates are accepted");
    }
    let bytes = e.snapshot().expect("snapshot");
    let mut e = Engine::restore(&bytes).expect("restore of a fresh snapshot");
    e.step(Some(T0 + 60_000_000)).expect("step");
    e.finish().expect("finish");
}

#[derive(Debug, Arbitrary)]
enum ConfigInput<'a> {
    /// Raw text as the config.
    Text(&'a str),
    /// The minimal store with edits.
    Edited(Vec<Edit>),
}

/// The config text a [`config`] input stands for.
pub fn config_text(data: &[u8]) -> Option<String> {
    match ConfigInput::arbitrary_take_rest(Unstructured::new(data)) {
        Ok(ConfigInput::Text(t)) => Some(t.to_string()),
        Ok(ConfigInput::Edited(edits)) => {
            let mut v: Value = serde_json::from_str(MINIMAL_JSON).expect("minimal.json is JSON");
            for edit in edits.iter().take(8) {
                edit_value(&mut v, edit);
            }
            Some(v.to_string())
        }
        Err(_) => None,
    }
}

/// Fuzz target: arbitrary config JSON into `StoreConfig::from_json` and `Engine::new`.
pub fn config(data: &[u8]) {
    let Some(text) = config_text(data) else {
        return;
    };
    let Ok(cfg) = StoreConfig::from_json(&text) else {
        return;
    };
    // A config that validates must round-trip and build an engine that runs.
    let again = StoreConfig::from_json(&cfg.to_json()).expect("a valid config round-trips");
    assert_eq!(again, cfg);
    let engine = match Engine::new(cfg.clone()) {
        Ok(e) => e,
        Err(e) => panic!("a validated config was refused by Engine::new: {e}"),
    };
    short_session(engine, &cfg);
}
