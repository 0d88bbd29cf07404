//! Runnable examples of tidb-vector; see the `examples` section of this package's manifest.
