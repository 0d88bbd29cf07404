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

    /// Decimals next to a point halfway between two `f32`s, written with 9 to 15 digits: where reading
    /// through an `f64` could round twice the wrong way. Each must read as the standard library's
    /// correctly rounded parser reads it.
    #[test]
    fn decimals_near_a_rounding_boundary_round_correctly(
        bits_below in 0x0080_0000u32..0x7f7f_ffff,
        negative in any::<bool>(),
        precision in 9usize..=15,
    ) {
        let below = f32::from_bits(bits_below);
        let above = f32::from_bits(bits_below + 1);
        let halfway = (f64::from(below) + f64::from(above)) / 2.0;
        let sign = if negative { "-" } else { "" };
        for text in [
            format!("{sign}{halfway:.*e}", precision - 1),
            format!("{sign}{below:.*e}", precision - 1),
        ] {
            let want: f32 = text.parse().unwrap();
            if want.is_infinite() {
                continue;
            }
            let got = parse_text(&format!("[{text}]")).unwrap()[0];
            prop_assert_eq!(got.to_bits(), want.to_bits(), "{}", text);
        }
    }

    /// Any decimal of up to 17 digits with any exponent reads as the standard library reads it (or is
    /// refused as out of range when that gives an infinity).
    #[test]
    fn decimals_read_as_the_standard_library_reads_them(
        mantissa in 0u64..100_000_000_000_000_000,
        point in 0usize..18,
        exponent in -60i32..60,
        negative in any::<bool>(),
    ) {
        let digits = mantissa.to_string();
        let point = point.min(digits.len() - 1);
        let (whole, fraction) = digits.split_at(digits.len() - point);
        let whole = whole.trim_start_matches('0');
        let whole = if whole.is_empty() { "0" } else { whole };
        let sign = if negative { "-" } else { "" };
        let text = if fraction.is_empty() {
            format!("{sign}{whole}e{exponent}")
        } else {
            format!("{sign}{whole}.{fraction}e{exponent}")
        };
        let want: f32 = text.parse().unwrap();
        match parse_text(&format!("[{text}]")) {
            Ok(values) => prop_assert_eq!(values[0].to_bits(), want.to_bits(), "{}", text),
            Err(error) => prop_assert!(want.is_infinite(), "{}: {}", text, error),
        }
    }
}
