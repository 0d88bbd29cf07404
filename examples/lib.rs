//! Runnable examples of tidb-vector: `quickstart` (TiDB's tutorial workflow) and `web` (its sample app
//! over HTTP, whose code is the [`web_app`] module so that tests can serve it).

pub mod web_app;
