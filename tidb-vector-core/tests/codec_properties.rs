//! Property tests of the vector text codec: every finite f32 round-trips exactly, and the parser accepts
//! exactly TiDB's grammar (a JSON array of JSON numbers, within the f32 range), never panicking.

use proptest::prelude::*;
use tidb_vector_core::vector::{encode_text, parse_text};

fn finite_f32() -> impl Strategy<Value = f32> {
    // Every bit pattern, so subnormals, extremes and -0.0 all come up.
    any::<u32>()
        .prop_map(f32::from_bits)
        .prop_filter("finite", |v| v.is_finite())
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_finite_vector_round_trips_bit_for_bit(values in prop::collection::vec(finite_f32(), 0..64)) {
        let text = encode_text(&values);
        let back = parse_text(&text).unwrap();
        prop_assert_eq!(bits(&back), bits(&values), "{}", text);
    }

    #[test]
    fn encoded_text_is_a_json_array_of_numbers(values in prop::collection::vec(finite_f32(), 0..16)) {
        let text = encode_text(&values);
        let json: Vec<f64> = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(json.len(), values.len());
        for (j, v) in json.iter().zip(&values) {
            prop_assert_eq!(*j as f32, *v);
        }
    }

    #[test]
    fn the_parser_never_panics(text in ".{0,64}") {
        let _ = parse_text(&text);
    }

    #[test]
    fn the_parser_accepts_exactly_json_arrays_of_f32_numbers(
        text in r"\s?\[\s?(-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,3})?([eE][-+]?[0-9]{1,2})?\s?,\s?){0,4}(-?[0-9]{1,3}(\.[0-9]{0,2})?([eE][-+]?[0-9]{0,3})?)?\s?\]?\s?x?"
    ) {
        let ours = parse_text(&text);
        let json = serde_json::from_str::<Vec<f64>>(&text);
        match (&ours, &json) {
            (Ok(values), Ok(reference)) => {
                prop_assert_eq!(values.len(), reference.len());
                for (v, r) in values.iter().zip(reference) {
                    // serde_json rounds to f64 first; the two may differ by double rounding only.
                    let r = *r as f32;
                    prop_assert!(v.to_bits().abs_diff(r.to_bits()) <= 1, "{} vs {} in {}", v, r, text);
                }
            }
            (Err(_), Err(_)) => {}
            // Numbers beyond f32 are valid JSON but not valid vectors (TiDB: out of range for float32).
            (Err(e), Ok(reference)) => prop_assert!(
                reference.iter().any(|r| (*r as f32).is_infinite()),
                "rejected valid JSON {}: {}", text, e
            ),
            (Ok(_), Err(e)) => prop_assert!(false, "accepted invalid JSON {}: {}", text, e),
        }
    }
}
