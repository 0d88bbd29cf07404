use tidb_vector_core::VectorModel;

// AUTO_RANDOM is a BIGINT.
#[derive(VectorModel)]
struct Narrow {
    #[vector(key, auto_random)]
    id: i32,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

// TiDB assigns the key either way, never both.
#[derive(VectorModel)]
struct Both {
    #[vector(key, auto_random, auto_increment = true)]
    id: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

// Only the key.
#[derive(VectorModel)]
struct NotTheKey {
    #[vector(auto_random)]
    views: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

// The caller assigns a String key.
#[derive(VectorModel)]
struct Named {
    #[vector(key, max_length = 16, auto_random)]
    name: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

// A word, not a value.
#[derive(VectorModel)]
struct Valued {
    #[vector(key, auto_random = 5)]
    id: i64,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
