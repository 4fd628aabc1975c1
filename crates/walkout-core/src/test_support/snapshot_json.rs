//! Snapshots edited as JSON values, as a forger (or a damaged disk) would edit the file,
//! then re-sealed with a valid checksum so that only the state checks stand between the
//! edit and the engine.

use serde_json::Value;

use crate::engine::seal;

/// Marks an integer too large for `serde_json::Value` (EPCs have 96 bits; a `Value`
/// reads them as floats and loses digits) while a snapshot is edited as a value.
const BIG_INT: &str = "#u128:";

/// `text` with every integer literal of more than 18 digits quoted as `"#u128:DIGITS"`.
pub fn quote_big_ints(text: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::new(), false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            (in_string, escaped) = (escaped || c != '"', !escaped && c == '\\');
            continue;
        }
        if !c.is_ascii_digit() {
            in_string = c == '"';
            out.push(c);
            continue;
        }
        let mut number = c.to_string();
        while let Some(d) = chars.next_if(|d| d.is_ascii_alphanumeric() || "+-.".contains(*d)) {
            number.push(d);
        }
        if number.len() > 18 && number.chars().all(|d| d.is_ascii_digit()) {
            out.push_str(&format!("\"{BIG_INT}{number}\""));
        } else {
            out.push_str(&number);
        }
    }
    out
}

/// The inverse of [`quote_big_ints`].
pub fn unquote_big_ints(text: &str) -> String {
    let marker = format!("\"{BIG_INT}");
    let (mut out, mut rest) = (String::new(), text);
    while let Some(i) = rest.find(&marker) {
        out.push_str(&rest[..i]);
        let digits = &rest[i + marker.len()..];
        let end = digits.find('"').unwrap_or(digits.len());
        out.push_str(&digits[..end]);
        rest = digits.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The JSON body of a snapshot (after its three header lines), as a value to edit;
/// `None` when `bytes` are no snapshot.
pub fn body(bytes: &[u8]) -> Option<Value> {
    let json = bytes
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(2)
        .map(|(i, _)| &bytes[i + 1..])?;
    let text = std::str::from_utf8(json).ok()?;
    serde_json::from_str(&quote_big_ints(text)).ok()
}

/// A snapshot of `v` with a valid checksum, as a hand-edited file would be re-sealed.
pub fn reseal(v: &Value) -> Vec<u8> {
    seal(unquote_big_ints(&v.to_string()).as_bytes())
}

/// The body of snapshot `a` with the tracker state of snapshot `b`, of the same store
/// stepped to the same time, where `b` tracked shoppers the other way: from positions
/// (their buffer and counts), or from cameras (the tracker, the detections waiting,
/// their counts); the tracks and trajectories of both. An engine refuses the second kind of tracker
/// input, but a snapshot written before that rule may hold both, and so must restore;
/// this makes one, so that tests and fuzzers reach every part of the state from one
/// base.
pub fn join_trackers(a: &[u8], b: &[u8]) -> Option<Value> {
    let (mut v, c) = (body(a)?, body(b)?);
    let received = |modality: &str| c["stats"][modality]["received"].as_u64().unwrap_or(0);
    let (buffered, counted): (&[&str], &[&str]) =
        if received("person_detections") + received("thermal_blobs") > 0 {
            v["tracker"] = c["tracker"].clone();
            (
                &["persons", "thermal"],
                &["person_detections", "thermal_blobs"],
            )
        } else {
            (&["positions"], &["positions"])
        };
    for &name in buffered {
        v["buffer"][name] = c["buffer"][name].clone();
    }
    for &name in counted {
        v["stats"][name] = c["stats"][name].clone();
    }
    let newest = [&v, &c].map(|s| s["buffer"]["max_seen_us"].as_i64());
    v["buffer"]["max_seen_us"] = newest.into_iter().max().flatten().into();
    let other = c["tracks"]["tracks"].as_object()?.clone();
    v["tracks"]["tracks"].as_object_mut()?.extend(other);
    let other = c["trajectory_last"].as_object()?.clone();
    v["trajectory_last"].as_object_mut()?.extend(other);
    let other = c["trajectory_log"].as_array()?.clone();
    v["trajectory_log"].as_array_mut()?.extend(other);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers_survive_a_round_trip_through_a_value() {
        let text = r#"{"epc":3742260123456789012345678901,"s":"12345678901234567890","t":17}"#;
        let quoted = quote_big_ints(text);
        assert!(quoted.contains("\"#u128:3742260123456789012345678901\""));
        assert!(
            quoted.contains("\"12345678901234567890\""),
            "strings are left alone"
        );
        let v: Value = serde_json::from_str(&quoted).expect("JSON");
        assert_eq!(unquote_big_ints(&v.to_string()), text);
    }
}
