//! Phase 3: the rules, over the finished model. Each reports into the `Ctxt`, spanned on the narrowest token,
//! and the derive goes on, so that every mistake shows in one build: first each field's rules, in field
//! order, then the struct's (its key, its columns, its vector).

use crate::ctxt::Ctxt;
use crate::model::{Container, Field, FieldKind, HIDDEN_KEY, Key};
use crate::ty::{KeyKind, check_scalar_type, is_i64, is_text, key_kind};

/// TiDB and MariaDB index at most 3072 bytes of a key: 768 characters of utf8mb4.
const MAX_KEY_LENGTH: u32 = 768;

/// Every rule, in the order the user reads the errors.
pub(crate) fn check(cx: &mut Ctxt, c: &Container<'_>) {
    if let Some(lit) = &c.table_attr {
        identifier(cx, &lit.value(), lit, "table");
    }
    let mut first_key: Option<&Field<'_>> = None;
    for field in &c.fields {
        if matches!(field.kind, FieldKind::Skipped) {
            skip_stands_alone(cx, field);
            continue;
        }
        column_name(cx, field);
        vector_attrs(cx, field);
        key_mark(cx, field, &mut first_key);
        text_attrs(cx, field);
        source(cx, c, field);
        embed_on_server(cx, field);
    }
    if key(cx, c) {
        unique_columns(cx, &c.fields, &c.key);
        one_vector(cx, c);
    }
}

/// A `skip` field takes no other key.
fn skip_stands_alone(cx: &mut Ctxt, field: &Field<'_>) {
    for span in field.attrs.besides_skip() {
        cx.syn_error(syn::Error::new(
            span,
            "a `skip` field is not stored, so this does not apply to it; remove it or `skip`",
        ));
    }
}

/// The column's name (`rename`'s, or the field's) is one every server takes.
fn column_name(cx: &mut Ctxt, field: &Field<'_>) {
    match &field.attrs.rename {
        Some(lit) => identifier(cx, &field.column, lit, "column"),
        None => identifier(cx, &field.column, field.ident, "column"),
    }
}

/// `dimensions` and `index` go with a vector type, and a vector type needs `dimensions`; a scalar field has
/// a supported type.
fn vector_attrs(cx: &mut Ctxt, field: &Field<'_>) {
    let attrs = &field.attrs;
    match (&attrs.dimensions, &field.vector_type) {
        (Some((dimensions, lit)), Some(shape)) => {
            // Not after an attribute error: `dimensions` may then be the placeholder that only stops a
            // "missing dimensions" error, and the length check would name a size nobody wrote.
            if let Some(len) = shape.array_len
                && field.attrs_ok
            {
                array_len(cx, len, *dimensions, lit);
            }
            if let Some((_, lit)) = &attrs.index
                && shape.nullable
            {
                cx.error_spanned_by(
                    lit,
                    "a vector index needs a NOT NULL column; make the field a non-`Option` vector or drop `index`",
                );
            }
        }
        (Some(_), None) => {
            let f64_hint = if quote::ToTokens::to_token_stream(field.ty)
                .to_string()
                .contains("f64")
            {
                "; embeddings of f64 (as many APIs hand out) convert with the checked `tidb_vector_core::Vector::try_from(&values[..])`, which refuses values beyond f32"
            } else {
                ""
            };
            cx.error_spanned_by(
                field.ty,
                format!(
                    "`dimensions` needs a vector field: Vec<f32>, [f32; N], tidb_vector_core::Vector, or Option of one of them{f64_hint}"
                ),
            );
        }
        (None, Some(_)) => {
            if field.attrs_ok {
                let ident = field.ident;
                cx.error_spanned_by(
                    ident,
                    format!(
                        "vector field `{ident}` needs its size: add `#[vector(dimensions = N)]`"
                    ),
                );
            }
        }
        (None, None) => {
            if let Some((_, lit)) = &attrs.index {
                cx.error_spanned_by(lit, "`index` goes on the vector field, beside `dimensions`");
            } else if let Err(message) = check_scalar_type(field.ty) {
                cx.error_spanned_by(field.ty, message);
            }
        }
    }
}

/// `key` marks one field, not a vector.
fn key_mark<'a>(cx: &mut Ctxt, field: &'a Field<'a>, first_key: &mut Option<&'a Field<'a>>) {
    let Some(span) = field.attrs.key else {
        return;
    };
    if matches!(field.kind, FieldKind::Vector { .. }) {
        cx.syn_error(syn::Error::new(
            span,
            "a vector field cannot be the primary key (TiDB forbids vector keys); mark an integer field with `key`",
        ));
    } else if let Some(first) = first_key {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "only one field can be the key, and `{}` already is; remove one `key`",
                first.ident
            ),
        ));
    } else {
        *first_key = Some(field);
    }
}

/// `source` goes on a vector field that can be left empty, and names a stored text field of the struct.
fn source(cx: &mut Ctxt, c: &Container<'_>, field: &Field<'_>) {
    let Some(lit) = &field.attrs.source else {
        return;
    };
    let Some(shape) = &field.vector_type else {
        cx.error_spanned_by(
            lit,
            "`source` goes on a vector field, beside `dimensions`: the embedder fills that vector from the named text field",
        );
        return;
    };
    if shape.array_len.is_some() && !shape.nullable {
        cx.error_spanned_by(
            field.ty,
            "a vector with a `source` is filled when it is left empty, and an array never is; make it `Vec<f32>`, `Vector` or `Option<[f32; N]>`",
        );
    }
    let name = lit.value();
    let Some(named) = c.fields.iter().find(|f| f.ident == name.as_str()) else {
        let nearest = c
            .fields
            .iter()
            .filter(|f| is_text(f.ty) && !matches!(f.kind, FieldKind::Skipped))
            .map(|f| {
                (
                    strsim::damerau_levenshtein(&name, &f.ident.to_string()),
                    f.ident,
                )
            })
            .min_by_key(|(distance, _)| *distance);
        let hint = match nearest {
            Some((distance, ident)) if distance <= 3 => format!("; did you mean `{ident}`?"),
            Some((_, ident)) => format!("; the struct's text fields include `{ident}`"),
            None => "; add a String field for it".to_owned(),
        };
        cx.error_spanned_by(
            lit,
            format!("`source` names a field of the struct, and it has no field `{name}`{hint}"),
        );
        return;
    };
    if matches!(named.kind, FieldKind::Skipped)
        || !matches!(named.kind, FieldKind::Scalar)
        || !is_text(named.ty)
    {
        cx.error_spanned_by(
            lit,
            format!("`source` names a stored text field (String or Option<String>), and `{name}` is not one"),
        );
    }
}

/// `embed_on_server` names a model, on a vector with a `source` that the caller never writes (an `Option`:
/// the server computes it, and reads give it back).
fn embed_on_server(cx: &mut Ctxt, field: &Field<'_>) {
    let Some(lit) = &field.attrs.embed_on_server else {
        return;
    };
    let Some(shape) = &field.vector_type else {
        cx.error_spanned_by(
            lit,
            "`embed_on_server` goes on a vector field, beside `dimensions` and `source`: TiDB Cloud computes that vector from the source text",
        );
        return;
    };
    if field.attrs.source.is_none() {
        cx.error_spanned_by(
            lit,
            "`embed_on_server` embeds a text field: add `source = \"<the text field>\"` beside it",
        );
    }
    if !shape.nullable {
        cx.error_spanned_by(
            field.ty,
            "a vector the server computes is never written, and it is NULL while its source is; make it `Option<Vec<f32>>`, `Option<Vector>` or `Option<[f32; N]>`",
        );
    }
    let model = lit.value();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-./:".contains(c);
    if model.is_empty() || model.len() > 256 || !model.chars().all(allowed) {
        cx.error_spanned_by(
            lit,
            "`embed_on_server` names TiDB Cloud's model, e.g. \"tidbcloud_free/amazon/titan-embed-text-v2\": ASCII letters, digits and `_ - . / :`, at most 256",
        );
    }
}

/// `max_length` and `fulltext` go on a String field.
fn text_attrs(cx: &mut Ctxt, field: &Field<'_>) {
    let text = matches!(field.kind, FieldKind::Scalar) && is_text(field.ty);
    if let Some((_, lit)) = &field.attrs.max_length
        && !text
    {
        cx.error_spanned_by(
            lit,
            "`max_length` goes on a String field (it makes the column VARCHAR(N))",
        );
    }
    if let Some(span) = field.attrs.fulltext
        && !text
    {
        cx.syn_error(syn::Error::new(
            span,
            "`fulltext` goes on a String field (it builds a full-text index on the column)",
        ));
    }
}

/// The key: not a vector named `id`; `auto_increment` and `auto_random` only on it; a type that can be a key,
/// with the attributes its kind takes. `false` when the model has no usable key at all (the field named `id`
/// is a vector), after which the struct's other rules would only repeat it.
fn key(cx: &mut Ctxt, c: &Container<'_>) -> bool {
    let marked = c.fields.iter().any(|f| {
        f.attrs.key.is_some() && !matches!(f.kind, FieldKind::Vector { .. } | FieldKind::Skipped)
    });
    if let Key::Field(position) = c.key
        && let field = &c.fields[position]
        && matches!(field.kind, FieldKind::Vector { .. })
    {
        cx.error_spanned_by(
            field.ident,
            "the field `id` is the key by its name, and a key cannot be a vector; rename the field",
        );
        return false;
    }
    for (position, field) in c.fields.iter().enumerate() {
        if matches!(c.key, Key::Field(k) if k == position) {
            continue;
        }
        if let Some((_, lit)) = &field.attrs.auto_increment {
            cx.error_spanned_by(lit, "`auto_increment` goes on the key field, beside `key`");
        }
        if let Some(span) = field.attrs.auto_random {
            cx.syn_error(syn::Error::new(
                span,
                "`auto_random` goes on the key field, beside `key`: `#[vector(key, auto_random)]` on an i64",
            ));
        }
    }
    let Key::Field(position) = c.key else {
        return true;
    };
    let field = &c.fields[position];
    let attrs = &field.attrs;
    let at_key = attrs.key.unwrap_or_else(|| field.ident.span());
    if !matches!(field.kind, FieldKind::Scalar) || check_scalar_type(field.ty).is_err() {
        return true;
    }
    match key_kind(field.ty) {
        None => {
            let message = if marked {
                format!(
                    "the key `{}` must be an integer (i32, i64, u32, u64, or an Option of one), a String with `max_length`, or a uuid::Uuid",
                    field.ident
                )
            } else {
                "a field named `id` is the key, and a key is an integer (i32, i64, u32, u64, or an Option of one), a String with `max_length`, or a uuid::Uuid; rename the field to keep it as a plain column".to_owned()
            };
            cx.error_spanned_by(field.ty, message);
        }
        Some((KeyKind::Integer, _)) if attrs.auto_random.is_some() => {
            if let Some((_, lit)) = &attrs.auto_increment {
                cx.error_spanned_by(
                    lit,
                    "`auto_random` and `auto_increment` do not go together: TiDB assigns an AUTO_RANDOM key; remove `auto_increment`",
                );
            } else if !is_i64(field.ty) {
                cx.error_spanned_by(
                    field.ty,
                    "an `auto_random` key is a BIGINT: make the field i64 (or Option<i64>)",
                );
            }
        }
        Some((KeyKind::Integer, optional)) => {
            if !c.auto_key && optional {
                cx.error_spanned_by(
                    field.ty,
                    "a key the caller assigns (`auto_increment = false`) cannot be an Option; use the integer type itself",
                );
            }
        }
        Some((kind, optional)) => {
            let what = if kind == KeyKind::Text {
                "String"
            } else {
                "UUID"
            };
            if optional {
                cx.error_spanned_by(
                    field.ty,
                    format!("a {what} key cannot be an Option: the caller assigns every key"),
                );
            }
            if let Some((_, lit)) = &attrs.auto_increment {
                cx.error_spanned_by(
                    lit,
                    format!("a {what} key is never auto-increment (the caller assigns it); remove `auto_increment`"),
                );
            }
            if let Some(span) = attrs.auto_random {
                cx.syn_error(syn::Error::new(
                    span,
                    format!("a {what} key is never `auto_random` (the caller assigns it); `auto_random` goes on an i64 key"),
                ));
            }
            match (kind, field.max_length) {
                (KeyKind::Text, None) => cx.syn_error(syn::Error::new(
                    at_key,
                    format!("a String key needs its longest length: add `max_length = N` (N at most {MAX_KEY_LENGTH}: TiDB and MariaDB index at most 3072 bytes of a key)"),
                )),
                (KeyKind::Text, Some(length)) if length > MAX_KEY_LENGTH => {
                    cx.syn_error(syn::Error::new(
                        at_key,
                        format!("a String key's `max_length` is at most {MAX_KEY_LENGTH} (TiDB and MariaDB index at most 3072 bytes of a key), got {length}"),
                    ));
                }
                _ => {}
            }
        }
    }
    true
}

/// A model has a vector field (said only when nothing else is wrong, or the struct has no fields).
fn one_vector(cx: &mut Ctxt, c: &Container<'_>) {
    if c.vector.is_none() && (!cx.has_errors() || c.fields.is_empty()) {
        cx.error_spanned_by(
            c.ident,
            "a `VectorModel` needs one vector field: add `#[vector(dimensions = N)]` to a Vec<f32>, [f32; N] or tidb_vector_core::Vector field",
        );
    }
}

/// Column names the generated SQL uses for itself.
const RESERVED: &[&str] = &["_distance", "_candidates"];
/// TiDB's (and MySQL's) longest identifier.
const MAX_IDENTIFIER: usize = 64;

/// Names TiDB accepts without surprises: 1 to 64 characters, ASCII letters, digits and `_`, not all
/// digits, and none of the names the generated SQL uses.
fn identifier(cx: &mut Ctxt, name: &str, span: impl quote::ToTokens, what: &str) {
    let problem = if name.is_empty() {
        Some("is empty".to_owned())
    } else if name.chars().count() > MAX_IDENTIFIER {
        Some(format!(
            "has {} characters; TiDB allows at most {MAX_IDENTIFIER}",
            name.chars().count()
        ))
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        Some(format!(
            "contains {c:?}; use ASCII letters, digits and `_` only"
        ))
    } else if name.chars().all(|c| c.is_ascii_digit()) {
        Some("is all digits; start it with a letter or `_`".to_owned())
    } else if RESERVED.contains(&name) {
        Some("is reserved for the distance in generated queries; rename it".to_owned())
    } else {
        None
    };
    if let Some(problem) = problem {
        cx.error_spanned_by(span, format!("{what} name `{name}` {problem}"));
    }
}

fn unique_columns(cx: &mut Ctxt, fields: &[Field<'_>], key: &Key) {
    let mut seen: Vec<&str> = Vec::new();
    if matches!(key, Key::Hidden) {
        seen.push(HIDDEN_KEY);
    }
    for field in fields
        .iter()
        .filter(|f| !matches!(f.kind, FieldKind::Skipped))
    {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(&field.column)) {
            let message = if field.column.eq_ignore_ascii_case(HIDDEN_KEY)
                && matches!(key, Key::Hidden)
            {
                format!(
                    "column `{}` clashes with the hidden key column `id`; rename the column or make this field the key",
                    field.column
                )
            } else {
                format!(
                    "column `{}` appears twice (column names are case-insensitive); rename one",
                    field.column
                )
            };
            cx.error_spanned_by(field.ident, message);
        } else {
            seen.push(&field.column);
        }
    }
}

/// `[f32; N]` with a literal `N` must agree with `dimensions`; other lengths are checked at compile time
/// by a constant assertion in the generated code.
fn array_len(cx: &mut Ctxt, len: &syn::Expr, dimensions: usize, lit: &syn::LitInt) {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(n),
        ..
    }) = len
        && let Ok(n) = n.base10_parse::<usize>()
        && n != dimensions
    {
        cx.error_spanned_by(
            lit,
            format!("`dimensions = {dimensions}` disagrees with the field's type `[f32; {n}]`; make them equal"),
        );
    }
}
