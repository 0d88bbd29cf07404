//! The fallback: when the input has errors, a stub impl of `VectorModel` is emitted beside them (as
//! thiserror's `fallback.rs` does), so that code using the model reports the real error once, not a cascade
//! of "trait not implemented" errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

/// An impl that type-checks whatever the input was, emitted beside the errors, so that code using the
/// model reports no "trait not implemented" errors on top of the real one. It is never run: the build
/// fails on the errors.
pub(crate) fn stub(input: &DeriveInput) -> TokenStream {
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let krate = quote!(::tidb_vector_core);
    let ident = &input.ident;
    let embedding = match &input.data {
        syn::Data::Struct(data) => data
            .fields
            .iter()
            .find_map(|f| crate::ty::vector_shape(&f.ty))
            .map(|shape| shape.inner)
            .map(|ty| quote!(#ty)),
        _ => None,
    }
    .unwrap_or_else(|| quote!(#krate::__private::Vec<f32>));
    quote! {
        #[doc(hidden)]
        const _: () = {
            #[automatically_derived]
            impl #krate::VectorModel for #ident {
                type Key = i64;
                type Embedding = #embedding;
                const SCHEMA: #krate::Schema = #krate::Schema {
                    table: "",
                    columns: &[],
                    key: 0,
                    auto_key: true,
                    auto_random: false,
                    hidden_key: true,
                    vector: 0,
                };
                type Fields = ();
                const FIELDS: () = ();
                fn __key(&self) -> ::core::option::Option<i64> {
                    ::core::option::Option::None
                }
                fn __key_from_generated(_: u64) -> ::core::option::Option<i64> {
                    ::core::option::Option::None
                }
                fn __values<'__a>(&'__a self, _: &mut #krate::__private::Vec<#krate::__private::ValueRef<'__a>>) {}
                fn __from_row(_: &mut #krate::__private::RowReader<'_>) -> #krate::Result<Self> {
                    ::core::unreachable!("this VectorModel derive failed to compile, so no program runs it")
                }
            }
        };
    }
}
