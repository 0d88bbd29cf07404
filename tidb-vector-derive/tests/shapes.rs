//! Every supported shape compiles, and what the derive generates for it says what was asked: each file of
//! `tests/shapes/` is a module of this test, and its `check` runs the assertions on the generated items.
//!
//! These were trybuild `pass` cases. As modules of an ordinary test they build with the workspace's own
//! artifacts, and `tests/ui.rs`, left with `compile_fail` cases only, checks all of them in one `cargo check`
//! (trybuild builds and runs each case alone once any case must pass).

// The models exist to be derived: most are never constructed.
#[allow(dead_code)]
#[path = "shapes/domain-keys-and-columns.rs"]
mod domain_keys_and_columns;
#[allow(dead_code)]
#[path = "shapes/embedded-sources.rs"]
mod embedded_sources;
#[allow(dead_code)]
#[path = "shapes/every-field-shape.rs"]
mod every_field_shape;
#[allow(dead_code)]
#[path = "shapes/server-embedded.rs"]
mod server_embedded;
#[allow(dead_code)]
#[path = "shapes/several-vector-fields.rs"]
mod several_vector_fields;
#[allow(dead_code)]
#[path = "shapes/typed-query-vectors.rs"]
mod typed_query_vectors;
#[allow(dead_code)]
#[path = "shapes/written-by-a-macro.rs"]
mod written_by_a_macro;

#[test]
fn domain_keys_and_columns() {
    domain_keys_and_columns::check();
}

#[test]
fn embedded_sources() {
    embedded_sources::check();
}

#[test]
fn every_field_shape() {
    every_field_shape::check();
}

#[test]
fn server_embedded() {
    server_embedded::check();
}

#[test]
fn several_vector_fields() {
    several_vector_fields::check();
}

#[test]
fn typed_query_vectors() {
    typed_query_vectors::check();
}

#[test]
fn written_by_a_macro() {
    written_by_a_macro::check();
}
