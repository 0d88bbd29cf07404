//! Phase 3: code from the checked model. Generated code names everything by absolute path and sits in
//! `const _: () = { ... };`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::attr::IndexMetric;
use crate::ctxt::Ctxt;
use crate::model::{self, Container, FieldKind, Key};

pub fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let container = model::from_syn(&mut cx, input);
    match container {
        Some(container) if !cx.has_errors() => expand(&container),
        _ => {
            let stub = crate::fallback::stub(input);
            let errors = cx.into_compile_errors();
            quote! { #errors #stub }
        }
    }
}

fn expand(c: &Container<'_>) -> TokenStream {
    let krate = quote!(::tidb_vector_core);
    let ident = c.ident;
    let table = &c.table;
    let hidden = matches!(c.key, Key::Hidden);
    let auto_key = c.auto_key;
    let auto_random = c.auto_random;
    let offset = usize::from(hidden);

    let mut columns = Vec::new();
    if hidden {
        let name = model::HIDDEN_KEY;
        columns.push(quote! {
            #krate::Column {
                name: #name,
                kind: #krate::ColumnKind::Scalar(#krate::ScalarType::I64),
                nullable: false,
                max_length: ::core::option::Option::None,
                index: ::core::option::Option::None,
                fulltext: false,
            }
        });
    }
    // The column of each field (skipped fields have none).
    let mut column_of = Vec::new();
    let mut next_column = offset;
    for field in &c.fields {
        column_of.push(next_column);
        if !matches!(field.kind, FieldKind::Skipped) {
            next_column += 1;
        }
    }
    let mut values = Vec::new();
    let mut reads = Vec::new();
    let mut handles = Vec::new();
    let mut handle_values = Vec::new();
    if hidden {
        handles.push(quote! {
            /// The hidden key column `id`.
            pub id: #krate::Col<#ident, i64>
        });
        handle_values.push(quote!(id: #krate::Col::new("id")));
    }
    let mut assertions = Vec::new();
    for (position, field) in c.fields.iter().enumerate() {
        let name = &field.column;
        let member = field.ident;
        let ty = field.ty;
        let is_key = matches!(c.key, Key::Field(k) if k == position);
        let fulltext = field.fulltext;
        let max_length = match field.max_length {
            Some(length) => quote!(::core::option::Option::Some(#length)),
            None => quote!(::core::option::Option::None),
        };
        match field.kind {
            FieldKind::Skipped => {
                reads.push(quote_spanned! {ty.span()=>
                    #member: <#ty as ::core::default::Default>::default()
                });
            }
            FieldKind::Vector { dimensions, index } => {
                let span = ty.span();
                let index = match index {
                    None => quote!(::core::option::Option::None),
                    Some(IndexMetric::Cosine) => {
                        quote!(::core::option::Option::Some(#krate::Metric::Cosine))
                    }
                    Some(IndexMetric::L2) => {
                        quote!(::core::option::Option::Some(#krate::Metric::L2))
                    }
                };
                columns.push(quote_spanned! {span=>
                    #krate::Column {
                        name: #name,
                        kind: #krate::ColumnKind::Vector { dimensions: #dimensions },
                        nullable: <#ty as #krate::VectorColumn>::NULLABLE,
                        max_length: ::core::option::Option::None,
                        index: #index,
                        fulltext: false,
                    }
                });
                let column = column_of[position];
                let doc = format!("The vector column `{name}`, for `search_on`.");
                handles.push(quote_spanned! {span=>
                    #[doc = #doc]
                    pub #member: #krate::VectorField<#ident, <#ty as #krate::VectorColumn>::Embedding>
                });
                handle_values.push(quote!(#member: #krate::VectorField::new(#column, #name)));
                values.push(quote_spanned! {span=>
                    match #krate::VectorColumn::floats(&self.#member) {
                        ::core::option::Option::Some(values) => #krate::__private::ValueRef::Vector(values),
                        ::core::option::Option::None => #krate::__private::ValueRef::Null,
                    }
                });
                reads.push(quote!(#member: row.vector::<#ty>()?));
                if let Some(len) = crate::ty::vector_shape(ty).and_then(|s| s.array_len) {
                    let message =
                        format!("the array length disagrees with `dimensions = {dimensions}`");
                    assertions.push(quote_spanned! {len.span()=>
                        const _: () = ::core::assert!(#len == #dimensions, #message);
                    });
                }
            }
            FieldKind::Scalar => {
                let span = ty.span();
                columns.push(quote_spanned! {span=>
                    #krate::Column {
                        name: #name,
                        kind: #krate::ColumnKind::Scalar(<#ty as #krate::ColumnType>::SQL_TYPE),
                        nullable: <#ty as #krate::ColumnType>::NULLABLE,
                        max_length: #max_length,
                        index: ::core::option::Option::None,
                        fulltext: #fulltext,
                    }
                });
                values.push(if is_key && c.auto_key {
                    quote_spanned! {span=>
                        match #krate::KeyColumn::assigned(&self.#member) {
                            ::core::option::Option::Some(_) => #krate::ColumnType::to_value(&self.#member),
                            ::core::option::Option::None => #krate::__private::ValueRef::Null,
                        }
                    }
                } else {
                    quote_spanned!(span=> #krate::ColumnType::to_value(&self.#member))
                });
                reads.push(quote!(#member: row.scalar::<#ty>()?));
                let doc = format!("The column `{name}`.");
                handles.push(quote_spanned! {span=>
                    #[doc = #doc]
                    pub #member: #krate::Col<#ident, <#ty as #krate::ColumnType>::Bare>
                });
                handle_values.push(quote!(#member: #krate::Col::new(#name)));
            }
        }
    }

    let vector_field = &c.fields[c.vector];
    let vector_ty = vector_field.ty;
    let vector_index = column_of[c.vector];
    let (key_index, key_ty, key_of, key_from_generated) = match c.key {
        Key::Hidden => (
            0,
            quote!(i64),
            quote!(::core::option::Option::None),
            quote!(<i64 as ::core::convert::TryFrom<u64>>::try_from(id).ok()),
        ),
        Key::Field(position) => {
            let field = &c.fields[position];
            let ty = field.ty;
            let member = field.ident;
            let span = ty.span();
            let key_of = if c.auto_key {
                quote_spanned!(span=> #krate::KeyColumn::assigned(&self.#member))
            } else {
                // The caller assigns every key, 0 included.
                quote_spanned!(span=> ::core::option::Option::Some(::core::clone::Clone::clone(&self.#member)))
            };
            (
                column_of[position],
                quote_spanned!(span=> <#ty as #krate::KeyColumn>::Key),
                key_of,
                quote_spanned!(span=> <#ty as #krate::KeyColumn>::from_generated(id)),
            )
        }
    };
    let embedding_span = vector_ty.span();
    let embedding =
        quote_spanned!(embedding_span=> <#vector_ty as #krate::VectorColumn>::Embedding);

    let fields_ident = quote::format_ident!("__{}Fields", ident);
    let fields_doc = format!("Column handles of [`{ident}`] for filters.");
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #(#assertions)*

            #[doc = #fields_doc]
            #[derive(Clone, Copy)]
            #[allow(non_camel_case_types, dead_code)]
            pub struct #fields_ident {
                #(#handles,)*
            }

            #[automatically_derived]
            impl #krate::VectorModel for #ident {
                type Key = #key_ty;
                type Embedding = #embedding;

                const SCHEMA: #krate::Schema = #krate::Schema {
                    table: #table,
                    columns: &[#(#columns),*],
                    key: #key_index,
                    auto_key: #auto_key,
                    auto_random: #auto_random,
                    hidden_key: #hidden,
                    vector: #vector_index,
                };

                type Fields = #fields_ident;
                const FIELDS: #fields_ident = #fields_ident { #(#handle_values,)* };

                fn __key(&self) -> ::core::option::Option<Self::Key> {
                    #key_of
                }

                fn __key_from_generated(id: u64) -> ::core::option::Option<Self::Key> {
                    #key_from_generated
                }

                fn __values<'__a>(&'__a self, out: &mut #krate::__private::Vec<#krate::__private::ValueRef<'__a>>) {
                    #(out.push(#values);)*
                }

                fn __from_row(row: &mut #krate::__private::RowReader<'_>) -> #krate::Result<Self> {
                    ::core::result::Result::Ok(Self { #(#reads,)* })
                }
            }
        };
    }
}
