//! The [`Vector`] type and its text codec.
//!
//! TiDB reads and writes vectors as text: a JSON array of numbers such as `[0.3,0.5,-0.1]`. The codec here
//! writes the shortest decimal that reads back as the same `f32` (so every finite value round-trips exactly)
//! and reads exactly the grammar TiDB's parser accepts: a JSON array of JSON numbers, with JSON whitespace.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, VectorTextError};

/// The largest number of dimensions a TiDB vector may have (`VECTOR(16383)`).
pub const MAX_DIMENSIONS: usize = 16383;

/// An embedding: a list of `f32` values.
///
/// A plain newtype over `Vec<f32>`, convertible both ways. It can be a model field
/// (`#[vector(dimensions = N)] embedding: Vector`) and a query vector. Its [`Display`](fmt::Display) is the
/// text form TiDB reads, and [`FromStr`] parses the text form TiDB writes.
///
/// ```
/// use tidb_vector_core::Vector;
///
/// let v = Vector::from(vec![1.0, 2.5, -0.1]);
/// assert_eq!(v.to_string(), "[1,2.5,-0.1]");
/// assert_eq!("[1, 2.5, -0.1]".parse::<Vector>().unwrap(), v);
/// ```
///
/// With the `serde` feature it serializes as a JSON array of numbers (`[1.0,2.5,-0.1]`).
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct Vector(Vec<f32>);

impl Vector {
    /// The values, as a slice.
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The values, as a `Vec` (no copy).
    pub fn into_vec(self) -> Vec<f32> {
        self.0
    }

    /// The values, copied into a `Vec`.
    pub fn to_vec(&self) -> Vec<f32> {
        self.0.clone()
    }

    /// The number of dimensions.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the vector has no dimensions.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<f32>> for Vector {
    fn from(values: Vec<f32>) -> Self {
        Vector(values)
    }
}

impl From<&[f32]> for Vector {
    fn from(values: &[f32]) -> Self {
        Vector(values.to_vec())
    }
}

impl<const N: usize> From<[f32; N]> for Vector {
    fn from(values: [f32; N]) -> Self {
        Vector(values.to_vec())
    }
}

/// A vector of `f64` values (what many embedding APIs and crates hand out), narrowed to `f32` with a check:
/// a value that is NaN, infinite or beyond `f32`'s range is refused ([`Error::NonFinite`],
/// naming its position) rather than stored as an infinity; the others round to the nearest `f32`.
///
/// ```
/// use tidb_vector_core::Vector;
///
/// let embedding: Vec<f64> = vec![0.25, -1.5, 3.0e-3];
/// let vector = Vector::try_from(&embedding[..])?;
/// assert_eq!(vector.as_slice(), [0.25, -1.5, 0.003]);
/// assert!(Vector::try_from(&[1.0, 1e300][..]).is_err());
/// # Ok::<(), tidb_vector_core::Error>(())
/// ```
impl TryFrom<&[f64]> for Vector {
    type Error = crate::Error;

    fn try_from(values: &[f64]) -> Result<Self, Self::Error> {
        values
            .iter()
            .enumerate()
            .map(|(index, &value)| {
                let narrowed = value as f32;
                if narrowed.is_finite() {
                    Ok(narrowed)
                } else {
                    Err(crate::Error::NonFinite {
                        index,
                        value: narrowed,
                    })
                }
            })
            .collect::<Result<Vec<f32>, _>>()
            .map(Vector)
    }
}

impl From<Vector> for Vec<f32> {
    fn from(vector: Vector) -> Self {
        vector.0
    }
}

impl AsRef<[f32]> for Vector {
    fn as_ref(&self) -> &[f32] {
        &self.0
    }
}

impl fmt::Display for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode_text(&self.0))
    }
}

impl FromStr for Vector {
    type Err = VectorTextError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_text(text).map(Vector)
    }
}

/// The largest Euclidean norm (length) of a vector this crate stores or searches with: 9.2e18, just below
/// half of `sqrt(f32::MAX)`.
///
/// Every backend computes distances in `f32` (TiDB and sqlite-vec accumulate in `f32`, MariaDB too), so
/// larger vectors give distances that overflow: each comes back as `1`, infinity or nothing, with no error.
/// Between two vectors no longer than this, every distance (cosine, L2, L1, inner product) stays finite:
/// `‖a − b‖² ≤ (‖a‖ + ‖b‖)² ≤ f32::MAX`. Embeddings are many orders of magnitude shorter.
pub const MAX_NORM: f64 = 9.2e18;

/// Checks a vector before it is stored or compared: the number of dimensions (when the column has a fixed
/// one), that every value is finite (as TiDB requires), and that its length is at most [`MAX_NORM`].
pub fn validate(values: &[f32], expected_dimensions: Option<usize>) -> Result<(), Error> {
    if let Some(expected) = expected_dimensions
        && values.len() != expected
    {
        return Err(Error::Dimensions {
            expected,
            got: values.len(),
        });
    }
    if values.len() > MAX_DIMENSIONS {
        return Err(Error::TooManyDimensions { got: values.len() });
    }
    // One pass in f32 lanes (it vectorizes): NaN or an infinity makes the sum NaN or infinite, and so does
    // an overflow, which all fail the test; only then is the reason looked for, in f64.
    if squared_norm_f32(values) <= (MAX_NORM * MAX_NORM) as f32 {
        return Ok(());
    }
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            index,
            value: values[index],
        });
    }
    let norm = squared_norm(values).sqrt();
    if norm <= MAX_NORM {
        // Rounding in f32 put it over; the exact length is within the bound.
        return Ok(());
    }
    Err(Error::Magnitude {
        norm,
        max: MAX_NORM,
    })
}

/// The sum of the squares in `f32`, over eight lanes so that the loop vectorizes: fast, and infinite (or
/// NaN) when a value is, or when the sum overflows.
fn squared_norm_f32(values: &[f32]) -> f32 {
    let mut lanes = [0.0_f32; 8];
    let chunks = values.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().map(|v| v * v).sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v * v;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// The sum of the squares, in `f64` (which cannot overflow for `f32` inputs), over eight lanes so that the
/// loop vectorizes.
fn squared_norm(values: &[f32]) -> f64 {
    let mut lanes = [0.0_f64; 8];
    let chunks = values.chunks_exact(8);
    let rest: f64 = chunks
        .remainder()
        .iter()
        .map(|v| f64::from(*v) * f64::from(*v))
        .sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(*v) * f64::from(*v);
        }
    }
    lanes.iter().sum::<f64>() + rest
}

/// Writes `values` as TiDB vector text: `[1,2.5,-0.1]`.
///
/// Each value is the shortest decimal that parses back to the same `f32`, so a round trip through this
/// codec (or TiDB's parser) is exact. Values must be finite (see [`validate`]); a non-finite value would
/// produce text that no server accepts.
pub fn encode_text(values: &[f32]) -> String {
    // ~10 bytes per value covers typical embeddings without a reallocation.
    let mut out = String::with_capacity(2 + values.len() * 11);
    encode_text_into(values, &mut out);
    out
}

/// Like [`encode_text`], appending to `out` (to reuse one buffer across many vectors).
pub fn encode_text_into(values: &[f32], out: &mut String) {
    // zmij (the shortest-digits formatter serde_json uses) is the fastest on this machine's benchmarks.
    let mut buffer = zmij::Buffer::new();
    out.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if value.abs() >= 1e7 {
            large(*value, &mut buffer, out);
            continue;
        }
        let text = buffer.format_finite(*value);
        // Integral values come as `1.0`; TiDB writes `1`. Both parse the same; the short form is smaller
        // on the wire and matches what TiDB sends back.
        out.push_str(text.strip_suffix(".0").unwrap_or(text));
    }
    out.push(']');
}

/// A value of magnitude 1e7 or more, which zmij may write with an exponent.
#[cold]
fn large(value: f32, buffer: &mut zmij::Buffer, out: &mut String) {
    if value.abs() == f32::MAX {
        // The shortest text of f32::MAX, `3.4028235e38`, is above f32::MAX as a double, and TiDB reads
        // vector text as doubles and refuses those above it. The exact double is accepted and narrows
        // to the same f32. (Every smaller f32's shortest text is within half a step of it, so below.)
        out.push_str(if value < 0.0 {
            "-3.4028234663852886e38"
        } else {
            "3.4028234663852886e38"
        });
        return;
    }
    let text = buffer.format_finite(value);
    match text.split_once("e+") {
        // `1e+16` is written `1e16`: JSON allows both and TiDB's own examples use no sign.
        Some((mantissa, exponent)) => {
            out.push_str(mantissa);
            out.push('e');
            out.push_str(exponent);
        }
        None => out.push_str(text.strip_suffix(".0").unwrap_or(text)),
    }
}

/// Parses TiDB vector text (`[1, 2.5, -1e-3]`) into `f32` values.
///
/// Accepts what TiDB's parser accepts: a JSON array of JSON numbers with optional JSON whitespace, also
/// trailing. Rejects everything else, with the byte offset of the first problem: `null`, `NaN`, a trailing
/// comma, a leading `+`, garbage after the `]`, and numbers outside the `f32` range (TiDB: `value ... out of
/// range for float32`). Numbers too small for `f32` round to zero, as in TiDB.
pub fn parse_text(text: &str) -> Result<Vec<f32>, VectorTextError> {
    let mut parser = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    parser.skip_whitespace();
    parser.expect(b'[', "a vector starts with `[`")?;
    let mut values = Vec::with_capacity(text.len() / 8);
    parser.skip_whitespace();
    if !parser.eat(b']') {
        loop {
            parser.skip_whitespace();
            values.push(parser.number(text)?);
            parser.skip_whitespace();
            if parser.eat(b']') {
                break;
            }
            parser.expect(b',', "expected `,` or `]` after a number")?;
        }
    }
    parser.skip_whitespace();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("unexpected text after the closing `]`"));
    }
    Ok(values)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.pos) == Some(&byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), VectorTextError> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(self.error(reason))
        }
    }

    fn error(&self, reason: &'static str) -> VectorTextError {
        VectorTextError {
            position: self.pos,
            reason,
        }
    }

    /// Adds the digits at the cursor to `mantissa` (wrapping: `digits` says how many there were) and
    /// returns how many there were.
    fn digits_into(&mut self, mantissa: &mut u64) -> usize {
        let start = self.pos;
        while let Some(&byte) = self.bytes.get(self.pos).filter(|b| b.is_ascii_digit()) {
            *mantissa = mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(byte - b'0'));
            self.pos += 1;
        }
        self.pos - start
    }

    /// One JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, read in the same pass that
    /// checks it.
    fn number(&mut self, text: &str) -> Result<f32, VectorTextError> {
        let start = self.pos;
        let negative = self.eat(b'-');
        let mut mantissa = 0u64;
        let mut digits = match self.bytes.get(self.pos) {
            Some(b'0') => {
                self.pos += 1;
                0
            }
            Some(b'1'..=b'9') => self.digits_into(&mut mantissa),
            _ => return Err(self.error("expected a number")),
        };
        let mut exponent = 0i64;
        if self.eat(b'.') {
            let fraction = self.digits_into(&mut mantissa);
            if fraction == 0 {
                return Err(self.error("expected a digit after `.`"));
            }
            // Leading zeros of a fraction (`0.001`) leave the mantissa at 0: only digits from the first
            // non-zero one count towards its 19-digit capacity, and `digits` overcounts them, safely.
            digits += fraction;
            exponent -= fraction as i64;
        }
        if self.eat(b'e') || self.eat(b'E') {
            let negative_exponent = !self.eat(b'+') && self.eat(b'-');
            let mut value = 0u64;
            let count = self.digits_into(&mut value);
            if count == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
            // More than 6 digits is out of range either way; the slow path below says how.
            let value = if count > 6 { 1_000_000 } else { value as i64 };
            exponent += if negative_exponent { -value } else { value };
        }
        if let Some(value) = fast_path(mantissa, digits, exponent) {
            return Ok(if negative { -value } else { value });
        }
        // Everything else (more than 15 significant digits, large exponents, subnormals, values that fall
        // near a rounding boundary): the standard library's parser, which rounds correctly and accepts
        // this grammar.
        let value: f32 = text[start..self.pos].parse().map_err(|_| VectorTextError {
            position: start,
            reason: "expected a number",
        })?;
        if value.is_infinite() {
            return Err(VectorTextError {
                position: start,
                reason: "number out of range for float32",
            });
        }
        Ok(value)
    }
}

/// `mantissa × 10^exponent` rounded to the nearest `f32`, when that can be had from one `f64` operation
/// (Clinger's fast path): the mantissa and the power of ten are exact in `f64` (the mantissa below 2^53,
/// the exponent within ±22), so the `f64` result is the correctly rounded value. Rounding that `f64` to
/// `f32` again is exact unless the `f64` lies within one of its own units of a point halfway between two
/// `f32`s, where the first rounding could have crossed it: then, and for results outside `f32`'s normal
/// range, `None`. This covers the shortest decimals every `f32` is printed as (at most 9 digits), which is
/// what TiDB sends.
fn fast_path(mantissa: u64, digits: usize, exponent: i64) -> Option<f32> {
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if mantissa == 0 && digits <= 19 {
        return Some(0.0);
    }
    // 15 digits fit below 2^53 whatever they are (and `digits` counts leading zeros of a fraction too).
    if digits > 15 || mantissa >= 1 << 53 {
        return None;
    }
    let power = *POWERS.get(usize::try_from(exponent.unsigned_abs()).ok()?)?;
    let wide = if exponent < 0 {
        mantissa as f64 / power
    } else {
        mantissa as f64 * power
    };
    if !(f64::from(f32::MIN_POSITIVE)..=f64::from(f32::MAX)).contains(&wide) {
        return None;
    }
    // The 29 low bits of the f64's significand are those that rounding to f32 drops (normal range).
    const DROPPED: u64 = (1 << 29) - 1;
    const HALF: u64 = 1 << 28;
    if (wide.to_bits() & DROPPED).abs_diff(HALF) <= 1 {
        return None;
    }
    Some(wide as f32)
}

/// Writes `values` as little-endian `f32` bytes: the storage format of MariaDB's `VECTOR` and sqlite-vec.
pub(crate) fn encode_bytes(values: &[f32]) -> Vec<u8> {
    if cfg!(target_endian = "little") {
        // In memory an f32 slice already is its little-endian bytes: one copy.
        bytemuck::cast_slice::<f32, u8>(values).to_vec()
    } else {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }
}

/// Reads little-endian `f32` bytes; `None` when the length is not a multiple of 4.
pub(crate) fn decode_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    if cfg!(target_endian = "little") {
        // Copies into an aligned Vec<f32> (the driver's buffer need not be aligned).
        Some(bytemuck::pod_collect_to_vec::<u8, f32>(bytes))
    } else {
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_tidb_for_ordinary_values() {
        assert_eq!(encode_text(&[1.0, 2.0, 1.0]), "[1,2,1]");
        assert_eq!(encode_text(&[0.3, 0.5, -0.1]), "[0.3,0.5,-0.1]");
        assert_eq!(encode_text(&[]), "[]");
        assert_eq!(encode_text(&[-0.0]), "[-0]");
        // Exponents without a `+`, as TiDB's documentation writes them.
        assert_eq!(
            encode_text(&[1e16, -1.5e20, 1e-7, 12_345_678.0]),
            "[1e16,-1.5e20,1e-7,12345678]"
        );
    }

    #[test]
    fn round_trips_extreme_values_exactly() {
        let values = [
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            f32::from_bits(1), // smallest subnormal
            f32::EPSILON,
            0.1,
            1e-7,
            16_777_217.0,
            -0.0,
            123_456.79,
        ];
        let text = encode_text(&values);
        let back = parse_text(&text).unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values), "{text}");
    }

    #[test]
    fn parses_json_whitespace_exponents_and_empty() {
        assert_eq!(
            parse_text(" [ 0.3 ,\n\t0.5,  -1e-1 ] \n").unwrap(),
            [0.3, 0.5, -0.1]
        );
        assert_eq!(parse_text("[2E5,1e+2]").unwrap(), [200_000.0, 100.0]);
        assert_eq!(parse_text("[]").unwrap(), Vec::<f32>::new());
        assert_eq!(parse_text("[1e-50]").unwrap(), [0.0]);
    }

    #[test]
    fn rejects_what_tidb_rejects() {
        for (text, position) in [
            ("[5, ]", 4),
            ("[1,2,3]extra", 7),
            ("[null]", 1),
            ("[NaN]", 1),
            ("[inf]", 1),
            ("[+1]", 1),
            ("[.5]", 1),
            ("[1.]", 3),
            ("[01]", 2),
            ("[1e]", 3),
            ("1,2", 0),
            ("[1,2", 4),
            ("", 0),
            ("[1e40]", 1),
            ("[-1e39]", 1),
        ] {
            let err = parse_text(text).expect_err(text);
            assert_eq!(err.position, position, "{text}: {err}");
        }
        assert_eq!(
            parse_text("[1e40]").unwrap_err().reason,
            "number out of range for float32"
        );
    }

    #[test]
    fn validate_reports_the_first_problem() {
        assert!(validate(&[1.0, 2.0], Some(2)).is_ok());
        assert!(matches!(
            validate(&[1.0, 2.0], Some(3)),
            Err(Error::Dimensions {
                expected: 3,
                got: 2
            })
        ));
        assert!(matches!(
            validate(&[1.0, f32::NAN], None),
            Err(Error::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            validate(&[f32::NEG_INFINITY], Some(1)),
            Err(Error::NonFinite { index: 0, .. })
        ));
        assert!(matches!(
            validate(&[1e20, 1.0, 1.0], Some(3)),
            Err(Error::Magnitude { norm, .. }) if norm > 9.9e19
        ));
        // The whole of a long vector counts, not its largest value.
        assert!(matches!(
            validate(&[6e18; 3], None),
            Err(Error::Magnitude { .. })
        ));
        assert!(validate(&[9.1e18, 1.0], None).is_ok());
        let too_many = vec![0.0; MAX_DIMENSIONS + 1];
        assert!(matches!(
            validate(&too_many, None),
            Err(Error::TooManyDimensions { got: 16384 })
        ));
    }

    #[test]
    fn distances_between_vectors_of_the_largest_norm_stay_finite_in_f32() {
        let norm = (MAX_NORM as f32).next_down(); // the largest f32 at or below it
        let (a, b) = ([norm, 0.0], [-norm, 0.0]);
        assert!(validate(&a, None).is_ok() && validate(&b, None).is_ok());
        let l2_squared: f32 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        let dot: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let length = |v: &[f32; 2]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let cosine = 1.0 - dot / (length(&a) * length(&b));
        assert!(
            l2_squared.is_finite() && dot.is_finite(),
            "{l2_squared} {dot}"
        );
        assert_eq!(cosine, 2.0);
    }

    /// TiDB's rule: each number parses as a double no larger than f32::MAX, and narrows to the value.
    #[test]
    fn the_largest_values_are_written_as_tidb_accepts_them() {
        let mut largest = vec![f32::MAX, -f32::MAX];
        let mut v = f32::MAX;
        for _ in 0..1000 {
            v = v.next_down();
            largest.extend([v, -v]);
        }
        let text = encode_text(&largest);
        let inner = text.trim_start_matches('[').trim_end_matches(']');
        for (number, want) in inner.split(',').zip(&largest) {
            let double: f64 = number.parse().unwrap();
            assert!(
                double.abs() <= f64::from(f32::MAX),
                "{number} is above f32::MAX as a double"
            );
            assert_eq!((double as f32).to_bits(), want.to_bits(), "{number}");
        }
        let back = parse_text(&text).unwrap();
        assert!(
            back.iter()
                .zip(&largest)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        assert_eq!(encode_text(&[f32::MAX]), "[3.4028234663852886e38]");
    }

    #[test]
    fn bytes_round_trip_and_reject_partial_floats() {
        let values = [1.0, -2.5, f32::MIN_POSITIVE];
        assert_eq!(decode_bytes(&encode_bytes(&values)).unwrap(), values);
        assert_eq!(encode_bytes(&[1.0]), [0, 0, 128, 63]);
        assert!(decode_bytes(&[0, 0, 128]).is_none());
    }
}
