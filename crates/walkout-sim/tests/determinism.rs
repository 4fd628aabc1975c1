mod common;

use walkout_sim::simulate;

#[test]
fn same_seed_gives_identical_sessions() {
    for scenario in common::SCENARIOS {
        let a = simulate(common::store(), scenario, 42).expect("simulate");
        let b = simulate(common::store(), scenario, 42).expect("simulate");
        assert!(a == b, "{scenario}: two runs with seed 42 differ");
    }
}

#[test]
fn different_seeds_give_different_sessions() {
    for scenario in common::SCENARIOS {
        let a = common::session(scenario, 1);
        let b = common::session(scenario, 2);
        assert_ne!(a.truth.actions, b.truth.actions, "{scenario}: same actions");
        assert_ne!(
            a.weights.grams[..1000],
            b.weights.grams[..1000],
            "{scenario}"
        );
        assert_ne!(a.truth.shoppers[0].track_id, b.truth.shoppers[0].track_id);
    }
}

#[test]
fn session_round_trips_through_json() {
    let s = common::session("two-shoppers-putback", 1);
    let text = serde_json::to_string(&*s).expect("serialise");
    let back: walkout_sim::SimSession = serde_json::from_str(&text).expect("deserialise");
    assert_eq!(back.truth.actions.len(), s.truth.actions.len());
    assert_eq!(back.weights.len(), s.weights.len());
    assert_eq!(back.gates, s.gates);
    assert!(text.contains("\"put_back\"") || text.contains("\"pick\""));
}
