//! UI tests of `#[derive(VectorModel)]` and the API around it: each mistake a user can make stops the build with one clear error
//! at the mistake (`tests/ui/<class>/*.rs` and their `.stderr`), and every supported shape compiles
//! (`tests/ui/pass`). The `.stderr` files are rustc 1.95's wording; `TRYBUILD=overwrite cargo test -p tidb-vector-derive --test ui`
//! regenerates them after a toolchain change (read the diff).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    for class in [
        "attribute",
        "executor",
        "dimensions",
        "field-type",
        "index",
        "key",
        "names",
        "query",
        "reporting",
        "shape",
        "vector-fields",
    ] {
        t.compile_fail(format!("ui/{class}/*.rs"));
    }
    t.pass("ui/pass/*.rs");
}
