//! Several vector fields, each with its own dimensions and index; searches choose one by its handle.
use tidb_vector_core::{Db, Metric, VectorModel};

#[derive(VectorModel)]
struct Document {
    #[vector(key, max_length = 40)]
    slug: String,
    #[vector(dimensions = 3, index = "cosine")]
    title_embedding: Vec<f32>,
    #[vector(dimensions = 2, index = "l2")]
    image_embedding: [f32; 2],
    #[vector(dimensions = 4)]
    body_embedding: Option<Vec<f32>>,
}

#[allow(dead_code)]
async fn searches(db: &Db) -> tidb_vector_core::Result<()> {
    let f = Document::FIELDS;
    Document::search_on(f.image_embedding, &[0.5, 0.5])
        .metric(Metric::L2)
        .fetch(db)
        .await?;
    Document::search_on(f.body_embedding, &vec![1.0; 4])
        .fetch_keys(db)
        .await?;
    Document::search_on(f.title_embedding, &[1.0, 2.0, 3.0][..])
        .fetch(db)
        .await?;
    // The shortcuts search the first vector field.
    Document::nearest_by_cosine(db, &[1.0, 2.0, 3.0], 3).await?;
    Ok(())
}

pub(crate) fn check() {
    let s = Document::SCHEMA;
    assert_eq!(s.vector_columns().count(), 3);
    assert_eq!(s.index(), Some(Metric::Cosine));
    assert_eq!(Document::FIELDS.image_embedding.name(), "image_embedding");
}
