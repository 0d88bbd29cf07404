//! Keys the caller assigns (String with `max_length`, an integer without auto-increment), bytes, bounded
//! text and fields that are not stored.
use tidb_vector_core::{Backend, VectorModel};

#[derive(VectorModel)]
struct Page {
    #[vector(skip)]
    cached_rank: Option<f64>,
    thumbnail: Vec<u8>,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
    #[vector(max_length = 200)]
    title: String,
    signature: Option<Vec<u8>>,
    #[vector(max_length = 64, key)]
    slug: String,
}

#[derive(VectorModel)]
struct Event {
    #[vector(key, auto_increment = false)]
    id: u64,
    #[vector(dimensions = 2)]
    embedding: [f32; 2],
}

#[derive(VectorModel)]
struct Counter {
    #[vector(auto_increment = false)]
    id: i64,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

// TiDB's AUTO_RANDOM key, on the field named `id` (the key by its name), as an Option.
#[derive(VectorModel)]
struct Shard {
    #[vector(auto_random)]
    id: Option<i64>,
    #[vector(dimensions = 2)]
    embedding: Vec<f32>,
}

pub(crate) fn check() {
    let _: fn(&Page) -> _ = |page| page.slug.clone();
    let _: Option<<Page as VectorModel>::Key> = Some(String::from("home"));
    const { assert!(!Page::SCHEMA.auto_key && !Event::SCHEMA.auto_key && !Counter::SCHEMA.auto_key) };
    assert_eq!(Page::SCHEMA.columns.len(), 5);
    const {
        assert!(Shard::SCHEMA.auto_random && Shard::SCHEMA.auto_key && !Counter::SCHEMA.auto_random)
    };
    let _: Option<<Shard as VectorModel>::Key> = Some(7_i64);
    assert!(
        Shard::ddl(Backend::TiDb).unwrap()[0]
            .contains("`id` BIGINT NOT NULL AUTO_RANDOM PRIMARY KEY")
    );
    assert!(Page::ddl(Backend::MariaDb).unwrap()[0].contains("`slug` VARCHAR(64)"));
    let _ = Page::FIELDS.thumbnail.eq(vec![1u8, 2]);
}
