//! The `#[derive(VectorModel)]` macro of tidb-vector. Use it through `tidb_vector_core`, which re-exports it
//! and documents the attributes.
//!
//! Four phases, as in serde_derive: `attr` parses `#[vector(...)]` attributes, `model` builds a model of the
//! struct, `check` applies the rules to the finished model, `expand` generates code from that model alone. Every mistake found on the way is
//! collected in a `ctxt::Ctxt` and reported in one build, beside a stub impl so that no follow-on
//! "trait not implemented" errors bury the real one.

#![warn(unreachable_pub)]

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

mod attr;
mod check;
mod ctxt;
mod expand;
mod fallback;
mod model;
mod symbol;
mod ty;

/// Derives `tidb_vector_core::VectorModel`; see the `tidb_vector_core` crate documentation.
#[proc_macro_derive(VectorModel, attributes(vector))]
pub fn derive_vector_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
