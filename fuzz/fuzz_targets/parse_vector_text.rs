//! The vector text parser on arbitrary input: it must never panic, and whatever it accepts must survive
//! an encode/parse round trip bit for bit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidb_vector_core::vector::{encode_text, parse_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(values) = parse_text(text) {
        assert!(values.iter().all(|v| v.is_finite()), "{text:?}");
        let again = parse_text(&encode_text(&values)).expect("encoded text parses");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&again), bits(&values), "{text:?}");
    }
});
