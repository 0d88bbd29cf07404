//! Which query vectors compile: any length for `Vec<f32>` and `Vector` models, only `[f32; N]` for an
//! `[f32; N]` model.
use tidb_vector_core::{Db, Metric, Vector, VectorModel};

#[derive(VectorModel)]
struct Dynamic {
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

#[derive(VectorModel)]
struct Own {
    #[vector(dimensions = 3)]
    embedding: Vector,
}

#[derive(VectorModel)]
struct Fixed {
    #[vector(dimensions = 3)]
    embedding: [f32; 3],
}

#[derive(VectorModel)]
struct NullableFixed {
    #[vector(dimensions = 3)]
    embedding: Option<[f32; 3]>,
}

async fn queries(db: &Db) -> tidb_vector_core::Result<()> {
    let slice: &[f32] = &[1.0, 2.0, 3.0];
    let vec = vec![1.0, 2.0, 3.0];
    let own = Vector::from(vec![1.0, 2.0, 3.0]);
    Dynamic::nearest_by_cosine(db, &[1.0, 2.0, 3.0], 3).await?;
    Dynamic::nearest_by_l2(db, slice, 3).await?;
    Dynamic::nearest_by_l1(db, &vec, 3).await?;
    Dynamic::nearest_by_negative_inner_product(db, &own, 3).await?;
    Own::within_distance(db, Metric::L2, slice, 1.0, 3).await?;
    Own::search(&vec)
        .metric(Metric::Cosine)
        .limit(2)
        .fetch(db)
        .await?;
    Fixed::nearest_by_cosine(db, &[1.0, 2.0, 3.0], 3).await?;
    NullableFixed::search(&[1.0, 2.0, 3.0])
        .max_distance(0.5)
        .fetch(db)
        .await?;
    let key: i64 = Fixed {
        embedding: [1.0, 2.0, 3.0],
    }
    .insert(db)
    .await?;
    let _ = key;
    Fixed::insert_many(
        db,
        [Fixed {
            embedding: [0.0; 3],
        }],
    )
    .await?;
    Fixed::insert_many(
        db,
        &[Fixed {
            embedding: [0.0; 3],
        }],
    )
    .await?;
    Ok(())
}

pub(crate) fn check() {
    let _ = queries;
}
