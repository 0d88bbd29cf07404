//! Phase 4: code from the checked model. Generated code names everything by absolute path and sits in
//! `const _: () = { ... };`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::attr::IndexMetric;
use crate::ctxt::Ctxt;
use crate::model::{self, Container, FieldKind, Key};

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let container = model::from_syn(&mut cx, input);
    if let Some(container) = &container {
        crate::check::check(&mut cx, container);
    }
    match container {
        Some(container) if !cx.has_errors() => expand(&container),
        _ => {
            let stub = crate::fallback::stub(input);
            let errors = cx.into_compile_errors();
            quote! { #errors #stub }
        }
    }
}

/// The path generated code names the runtime crate by.
fn krate() -> TokenStream {
    quote!(::tidb_vector_core)
}

fn expand(c: &Container<'_>) -> TokenStream {
    let krate = krate();
    let ident = c.ident;
    let table = &c.table;
    let hidden = matches!(c.key, Key::Hidden);
    let auto_key = c.auto_key;
    let auto_random = c.auto_random;
    let column_of = column_positions(c);
    let columns = columns(c);
    let values = values(c);
    let reads = reads(c);
    let (handles, handle_values) = handles(c, &column_of);
    let assertions = array_assertions(c);
    let (sources, source_texts, set_vectors) = sources(c, &column_of);
    // `check` refused a model without a vector field.
    let vector = c.vector.unwrap_or_default();
    let vector_ty = c.fields[vector].ty;
    let vector_index = column_of[vector];
    let (key_index, key_ty, key_of, key_from_generated) = key_parts(c, &column_of);
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

                const __SOURCES: &'static [(usize, usize)] = &[#(#sources),*];

                fn __source_texts<'__a>(&'__a self, out: &mut #krate::__private::Vec<(usize, &'__a str)>) {
                    #(#source_texts)*
                }

                fn __set_vector(
                    &mut self,
                    column: usize,
                    floats: #krate::__private::Vec<f32>,
                ) -> ::core::result::Result<(), #krate::__private::String> {
                    #(#set_vectors)*
                    ::core::result::Result::Err(#krate::__private::String::from("no vector field with a `source` has this column"))
                }
            }
        };
    }
}

/// The column of each field (a skipped field has none, and gets the next one's position).
fn column_positions(c: &Container<'_>) -> Vec<usize> {
    let mut next = usize::from(matches!(c.key, Key::Hidden));
    c.fields
        .iter()
        .map(|field| {
            let position = next;
            if !matches!(field.kind, FieldKind::Skipped) {
                next += 1;
            }
            position
        })
        .collect()
}

/// `SCHEMA.columns`: the hidden key first when there is one, then each stored field's column.
fn columns(c: &Container<'_>) -> Vec<TokenStream> {
    let krate = krate();
    let mut columns = Vec::new();
    if matches!(c.key, Key::Hidden) {
        let name = model::HIDDEN_KEY;
        columns.push(quote! {
            #krate::Column {
                name: #name,
                kind: #krate::ColumnKind::Scalar(#krate::ScalarType::I64),
                nullable: false,
                max_length: ::core::option::Option::None,
                index: ::core::option::Option::None,
                fulltext: false,
                server_embedding: ::core::option::Option::None,
            }
        });
    }
    for field in &c.fields {
        let name = &field.column;
        let ty = field.ty;
        let span = ty.span();
        match field.kind {
            FieldKind::Skipped => {}
            FieldKind::Vector {
                dimensions, index, ..
            } => {
                let index = match index {
                    None => quote!(::core::option::Option::None),
                    Some(IndexMetric::Cosine) => {
                        quote!(::core::option::Option::Some(#krate::Metric::Cosine))
                    }
                    Some(IndexMetric::L2) => {
                        quote!(::core::option::Option::Some(#krate::Metric::L2))
                    }
                };
                // `check` refused a model without a source that is a field of the struct.
                let server_embedding = match (&field.attrs.embed_on_server, &field.attrs.source) {
                    (Some(model), Some(source)) => {
                        let source = c
                            .fields
                            .iter()
                            .find(|f| f.ident == source.value().as_str())
                            .map_or_else(|| source.value(), |f| f.column.clone());
                        quote!(::core::option::Option::Some(#krate::ServerEmbedding {
                            model: #model,
                            source: #source,
                        }))
                    }
                    _ => quote!(::core::option::Option::None),
                };
                columns.push(quote_spanned! {span=>
                    #krate::Column {
                        name: #name,
                        kind: #krate::ColumnKind::Vector { dimensions: #dimensions },
                        nullable: <#ty as #krate::VectorColumn>::NULLABLE,
                        max_length: ::core::option::Option::None,
                        index: #index,
                        fulltext: false,
                        server_embedding: #server_embedding,
                    }
                });
            }
            FieldKind::Scalar => {
                let fulltext = field.fulltext;
                let max_length = match field.max_length {
                    Some(length) => quote!(::core::option::Option::Some(#length)),
                    None => quote!(::core::option::Option::None),
                };
                columns.push(quote_spanned! {span=>
                    #krate::Column {
                        name: #name,
                        kind: #krate::ColumnKind::Scalar(<#ty as #krate::ColumnType>::SQL_TYPE),
                        nullable: <#ty as #krate::ColumnType>::NULLABLE,
                        max_length: #max_length,
                        index: ::core::option::Option::None,
                        fulltext: #fulltext,
                        server_embedding: ::core::option::Option::None,
                    }
                });
            }
        }
    }
    columns
}

/// `__values`: each stored field's value, in column order; an auto key left unset as NULL.
fn values(c: &Container<'_>) -> Vec<TokenStream> {
    let krate = krate();
    let mut values = Vec::new();
    for (position, field) in c.fields.iter().enumerate() {
        let member = field.ident;
        let span = field.ty.span();
        let is_key = matches!(c.key, Key::Field(k) if k == position);
        match field.kind {
            FieldKind::Skipped => {}
            FieldKind::Vector { .. } => values.push(quote_spanned! {span=>
                match #krate::VectorColumn::floats(&self.#member) {
                    ::core::option::Option::Some(values) => #krate::__private::ValueRef::Vector(values),
                    ::core::option::Option::None => #krate::__private::ValueRef::Null,
                }
            }),
            FieldKind::Scalar if is_key && c.auto_key => values.push(quote_spanned! {span=>
                match #krate::KeyColumn::assigned(&self.#member) {
                    ::core::option::Option::Some(_) => #krate::ColumnType::to_value(&self.#member),
                    ::core::option::Option::None => #krate::__private::ValueRef::Null,
                }
            }),
            FieldKind::Scalar => {
                values.push(quote_spanned!(span=> #krate::ColumnType::to_value(&self.#member)))
            }
        }
    }
    values
}

/// `__from_row`: each field from its column, a skipped one as its `Default`.
fn reads(c: &Container<'_>) -> Vec<TokenStream> {
    c.fields
        .iter()
        .map(|field| {
            let member = field.ident;
            let ty = field.ty;
            match field.kind {
                FieldKind::Skipped => quote_spanned! {ty.span()=>
                    #member: <#ty as ::core::default::Default>::default()
                },
                FieldKind::Vector { .. } => quote!(#member: row.vector::<#ty>()?),
                FieldKind::Scalar => quote!(#member: row.scalar::<#ty>()?),
            }
        })
        .collect()
}

/// `__SOURCES`' entries, `__source_texts`' statements and `__set_vector`'s arms, one of each per vector
/// field with a `source` that the caller's embedder fills (not one embedded on the server).
fn sources(
    c: &Container<'_>,
    column_of: &[usize],
) -> (Vec<TokenStream>, Vec<TokenStream>, Vec<TokenStream>) {
    let krate = krate();
    let mut entries = Vec::new();
    let mut texts = Vec::new();
    let mut sets = Vec::new();
    for (position, field) in c.fields.iter().enumerate() {
        let (FieldKind::Vector { .. }, Some(lit)) = (&field.kind, &field.attrs.source) else {
            continue;
        };
        // The server fills it, never an embedder of the caller's.
        if field.attrs.embed_on_server.is_some() {
            continue;
        }
        // `check` refused a source that is not a stored field of the struct.
        let Some(source) = c
            .fields
            .iter()
            .position(|f| f.ident == lit.value().as_str())
        else {
            continue;
        };
        let column = column_of[position];
        let source_column = column_of[source];
        let member = field.ident;
        let source_member = c.fields[source].ident;
        let ty = field.ty;
        let source_ty = c.fields[source].ty;
        entries.push(quote!((#column, #source_column)));
        texts.push(quote_spanned! {source_ty.span()=>
            if #krate::__private::vector_is_empty(&self.#member) {
                if let ::core::option::Option::Some(text) = #krate::__private::SourceText::source_text(&self.#source_member) {
                    out.push((#column, text));
                }
            }
        });
        sets.push(quote_spanned! {ty.span()=>
            if column == #column {
                self.#member = <#ty as #krate::VectorColumn>::from_floats(::core::option::Option::Some(floats))?;
                return ::core::result::Result::Ok(());
            }
        });
    }
    (entries, texts, sets)
}

/// The fields of `FIELDS`' struct (a handle a column) and their values.
fn handles(c: &Container<'_>, column_of: &[usize]) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let krate = krate();
    let ident = c.ident;
    let mut handles = Vec::new();
    let mut values = Vec::new();
    if matches!(c.key, Key::Hidden) {
        handles.push(quote! {
            /// The hidden key column `id`.
            pub id: #krate::Col<#ident, i64>
        });
        let name = model::HIDDEN_KEY;
        values.push(quote!(id: #krate::Col::new(#name)));
    }
    for (position, field) in c.fields.iter().enumerate() {
        let name = &field.column;
        let member = field.ident;
        let ty = field.ty;
        let span = ty.span();
        match field.kind {
            FieldKind::Skipped => {}
            FieldKind::Vector { .. } => {
                let column = column_of[position];
                let doc = format!("The vector column `{name}`, for `search_on`.");
                handles.push(quote_spanned! {span=>
                    #[doc = #doc]
                    pub #member: #krate::VectorField<#ident, <#ty as #krate::VectorColumn>::Embedding>
                });
                values.push(quote!(#member: #krate::VectorField::new(#column, #name)));
            }
            FieldKind::Scalar => {
                let doc = format!("The column `{name}`.");
                handles.push(quote_spanned! {span=>
                    #[doc = #doc]
                    pub #member: #krate::Col<#ident, <#ty as #krate::ColumnType>::Bare>
                });
                values.push(quote!(#member: #krate::Col::new(#name)));
            }
        }
    }
    (handles, values)
}

/// A constant assertion that each `[f32; N]` vector field's `N` is its `dimensions` (for lengths that are
/// not a literal, which `check` compares itself).
fn array_assertions(c: &Container<'_>) -> Vec<TokenStream> {
    c.fields
        .iter()
        .filter_map(|field| match field.kind {
            FieldKind::Vector {
                dimensions,
                array_len: Some(len),
                ..
            } => {
                let message =
                    format!("the array length disagrees with `dimensions = {dimensions}`");
                Some(quote_spanned! {len.span()=>
                    const _: () = ::core::assert!(#len == #dimensions, #message);
                })
            }
            _ => None,
        })
        .collect()
}

/// The key's column position, its `Key` type, `__key`'s body and `__key_from_generated`'s body.
fn key_parts(
    c: &Container<'_>,
    column_of: &[usize],
) -> (usize, TokenStream, TokenStream, TokenStream) {
    let krate = krate();
    match c.key {
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
    }
}
