//! A model written by a `macro_rules!` macro: its field types arrive as `$t:ty` fragments, wrapped in
//! invisible groups, and are recognized like the same types written out.

use tidb_vector_core::VectorModel;

macro_rules! model {
    ($name:ident { $($field:ident: $ty:ty),* ; $vector:ident: $vector_ty:ty }) => {
        #[derive(Debug, VectorModel)]
        struct $name {
            $($field: $ty,)*
            #[vector(dimensions = 3)]
            $vector: $vector_ty,
        }
    };
}

model!(Document { id: i64, content: String, note: Option<String>, views: u32; embedding: Vec<f32> });
model!(Fixed { content: String; embedding: Option<[f32; 3]> });

pub(crate) fn check() {
    let _ = Document::search(&[1.0, 2.0, 3.0]).filter(Document::FIELDS.views.gt(3_u32));
    let _ = Fixed::search(&[1.0_f32, 2.0, 3.0]);
    assert!(Fixed::SCHEMA.columns.iter().any(|c| c.nullable));
}
