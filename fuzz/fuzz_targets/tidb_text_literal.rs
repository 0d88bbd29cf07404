//! The one value this crate writes into SQL: a full-text search's words as TiDB's `FTS_MATCH_WORD` literal.
//! On arbitrary text, the literal must be read by a SQL lexer as exactly one string, with backslash
//! escapes on and off (`NO_BACKSLASH_ESCAPES`), and that string must be the text with NUL and backslashes
//! made spaces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tidb_vector_core::__private::{sql_string_literal_value, tidb_text_literal};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let literal = tidb_text_literal(text);
    let expected: String = text
        .chars()
        .map(|c| if c == '\\' || c == '\0' { ' ' } else { c })
        .collect();
    for backslash_escapes in [true, false] {
        assert_eq!(
            sql_string_literal_value(&literal, backslash_escapes).as_deref(),
            Some(expected.as_str()),
            "{text:?} -> {literal:?}"
        );
    }
});
