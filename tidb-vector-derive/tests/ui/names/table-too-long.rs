use tidb_vector_core::VectorModel;

#[derive(VectorModel)]
#[vector(table = "documents_with_a_name_far_longer_than_the_sixty_four_characters_tidb_allows")]
struct Document {
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

fn main() {}
