//! UI tests of `#[derive(VectorModel)]` and the API around it: each mistake a user can make stops the build with one clear error
//! at the mistake (`tests/ui/<class>/*.rs` and their `.stderr`); every supported shape compiling is `tests/shapes.rs`.
//! The `.stderr` files are rustc 1.95's wording; `TRYBUILD=overwrite cargo test -p tidb-vector-derive --test ui`
//! regenerates them after a toolchain change (read the diff).
//!
//! Only `compile_fail` cases belong here: trybuild then checks them all in one `cargo check --keep-going`, where a
//! single `pass` case makes it build (not check) the dependencies and then build every case alone.

#[test]
fn derive_ui() {
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
        "source",
        "vector-fields",
    ] {
        // trybuild runs nothing for a pattern that matches no file: each class must have cases.
        let cases = std::fs::read_dir(format!("tests/ui/{class}"))
            .unwrap_or_else(|error| panic!("tests/ui/{class}: {error}"))
            .filter(|entry| {
                entry
                    .as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "rs"))
            })
            .count();
        assert!(cases > 0, "no UI cases in tests/ui/{class}");
        t.compile_fail(format!("tests/ui/{class}/*.rs"));
    }
}
