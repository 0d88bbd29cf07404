//! Every supported field type, key shape and attribute compiles, and the schema says what was asked.
use tidb_vector_core::{ColumnKind, Metric, ScalarType, Vector, VectorModel};

#[derive(VectorModel)]
#[vector(table = "every_shape")]
struct Scalars {
    text: String,
    flag: bool,
    a: i8,
    b: i16,
    c: i32,
    d: i64,
    e: u8,
    f: u16,
    g: u32,
    h: u64,
    x: f32,
    y: f64,
    maybe_text: Option<String>,
    maybe_flag: Option<bool>,
    maybe_int: Option<i64>,
    maybe_float: Option<f64>,
    #[vector(rename = "renamed_column")]
    r#type: String,
    #[vector(dimensions = 4, index = "cosine")]
    embedding: Vec<f32>,
}

#[derive(VectorModel)]
struct FixedArray {
    id: i64,
    #[vector(dimensions = 3, index = "l2")]
    embedding: [f32; 3],
}

#[derive(VectorModel)]
struct OwnVector {
    #[vector(key)]
    code: u32,
    #[vector(dimensions = 16383)]
    embedding: Vector,
}

#[derive(VectorModel)]
struct Nullable {
    id: Option<u64>,
    #[vector(dimensions = 2)]
    embedding: Option<Vec<f32>>,
}

#[derive(VectorModel)]
struct NullableArray {
    #[vector(dimensions = 2)]
    embedding: Option<[f32; 2]>,
}

const DIMS: usize = 5;

#[derive(VectorModel)]
struct NullableOwnVector {
    #[vector(dimensions = 5)]
    embedding: Option<Vector>,
    #[vector(rename = "fixed_by_const")]
    other: Option<i32>,
    array: Option<u8>,
}

#[derive(VectorModel)]
struct ConstLengthArray {
    #[vector(dimensions = 5)]
    embedding: [f32; DIMS],
}

pub(crate) fn check() {
    let s = Scalars::SCHEMA;
    assert_eq!(s.table, "every_shape");
    assert!(s.hidden_key);
    assert_eq!(s.columns.len(), 19);
    assert_eq!(s.columns[17].name, "renamed_column");
    assert_eq!(s.columns[7].kind, ColumnKind::Scalar(ScalarType::U8));
    assert!(s.columns[13].nullable);
    assert_eq!(s.index(), Some(Metric::Cosine));
    assert_eq!(s.dimensions(), 4);

    assert_eq!(FixedArray::SCHEMA.table, "fixed_arrays");
    const { assert!(!FixedArray::SCHEMA.hidden_key) };
    assert_eq!(FixedArray::SCHEMA.key_column().name, "id");
    assert_eq!(FixedArray::SCHEMA.index(), Some(Metric::L2));
    assert_eq!(OwnVector::SCHEMA.key_column().name, "code");
    assert_eq!(OwnVector::SCHEMA.dimensions(), 16383);
    assert!(Nullable::SCHEMA.vector_column().nullable);
    assert!(NullableArray::SCHEMA.vector_column().nullable);
    assert!(NullableOwnVector::SCHEMA.vector_column().nullable);
    assert_eq!(ConstLengthArray::SCHEMA.dimensions(), DIMS);
}
