//! The `serde` feature's formats.

use crate::{Hit, PartialHit, Value, Vector, VectorModel};

#[derive(Clone, Debug, PartialEq, VectorModel, serde::Serialize, serde::Deserialize)]
struct Document {
    content: String,
    #[vector(dimensions = 2)]
    embedding: Vector,
}

#[test]
fn vectors_are_json_arrays() {
    let v = Vector::from(vec![1.0, 2.5, -0.1]);
    let json = serde_json::to_string(&v).unwrap();
    assert_eq!(json, "[1.0,2.5,-0.1]");
    assert_eq!(serde_json::from_str::<Vector>(&json).unwrap(), v);
}

#[test]
fn hits_round_trip_with_their_record() {
    let hit = Hit {
        key: 7_i64,
        distance: 0.25,
        record: Document {
            content: "dog".into(),
            embedding: Vector::from(vec![1.0, 2.0]),
        },
        rerank_score: None,
    };
    let json = serde_json::to_value(&hit).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"key": 7, "distance": 0.25, "record": {"content": "dog", "embedding": [1.0, 2.0]}})
    );
    let back: Hit<Document> = serde_json::from_value(json).unwrap();
    assert_eq!(
        (back.key, back.distance, back.rerank_score, back.record),
        (7, 0.25, None, hit.record.clone())
    );
    let reranked = Hit {
        rerank_score: Some(2.5),
        ..hit
    };
    let json = serde_json::to_value(&reranked).unwrap();
    assert_eq!(json["rerank_score"], 2.5);
    let back: Hit<Document> = serde_json::from_value(json).unwrap();
    assert_eq!(back.rerank_score, Some(2.5));
}

#[test]
fn values_and_partial_hits_are_plain_json() {
    let columns = PartialHit {
        key: 3_u64,
        distance: 0.5,
        values: vec![
            ("title", Value::Text("fish".into())),
            ("year", Value::Int(2024)),
            ("score", Value::F64(0.1)),
            ("gone", Value::Null),
        ],
    };
    assert_eq!(
        serde_json::to_value(&columns).unwrap(),
        serde_json::json!({"key": 3, "distance": 0.5,
            "values": [["title", "fish"], ["year", 2024], ["score", 0.1], ["gone", null]]})
    );
    for (json, value) in [
        ("null", Value::Null),
        ("true", Value::Bool(true)),
        ("-3", Value::Int(-3)),
        ("18446744073709551615", Value::UInt(u64::MAX)),
        ("0.1", Value::F64(0.1)),
        ("\"x\"", Value::Text("x".into())),
    ] {
        assert_eq!(
            serde_json::from_str::<Value>(json).unwrap(),
            value,
            "{json}"
        );
    }
}
