//! Phase 2: a checked model of the struct. Code generation reads only this.

use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, IndexMetric};
use crate::check;
use crate::ctxt::Ctxt;
use crate::ty::{KeyKind, check_scalar_type, is_i64, is_text, key_kind, vector_shape};

/// The struct, checked.
pub struct Container<'a> {
    pub ident: &'a Ident,
    pub table: String,
    pub fields: Vec<Field<'a>>,
    pub key: Key,
    /// Position in `fields` of the first vector field.
    pub vector: usize,
    /// Whether the database assigns the key (a hidden key, or an integer key not marked
    /// `auto_increment = false`).
    pub auto_key: bool,
    /// Whether TiDB assigns the key with `AUTO_RANDOM` (`#[vector(key, auto_random)]`).
    pub auto_random: bool,
}

/// Where the primary key lives.
pub enum Key {
    /// A hidden `id` column.
    Hidden,
    /// This field (position in `fields`).
    Field(usize),
}

pub struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub column: String,
    pub kind: FieldKind,
    /// `max_length`, for a text column.
    pub max_length: Option<u32>,
    /// `fulltext`, for a text column.
    pub fulltext: bool,
}

pub enum FieldKind {
    Scalar,
    Vector {
        dimensions: usize,
        /// The vector index declared on it.
        index: Option<IndexMetric>,
    },
    /// `#[vector(skip)]`: not stored, `Default` when read.
    Skipped,
}

/// A field's key attributes: the `key` word, the `auto_increment` value, the `auto_random` word.
#[derive(Default)]
struct KeyAttrs {
    key: Option<proc_macro2::Span>,
    auto_increment: Option<(bool, syn::LitBool)>,
    auto_random: Option<proc_macro2::Span>,
}

/// TiDB and MariaDB index at most 3072 bytes of a key: 768 characters of utf8mb4.
const MAX_KEY_LENGTH: u32 = 768;

/// The name of the hidden key column.
pub const HIDDEN_KEY: &str = "id";

/// Builds the model, recording every problem; `None` when the input cannot be modelled at all.
pub fn from_syn<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Container<'a>> {
    let container = attr::container(cx, &input.attrs);
    let named = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    "`VectorModel` needs a struct with named fields; each field is a column, named after it",
                );
                None
            }
            Fields::Unit => {
                cx.error_spanned_by(
                    &input.ident,
                    "`VectorModel` needs a struct with named fields, one of them a vector; a unit struct has no columns",
                );
                None
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(
                data.enum_token,
                "`VectorModel` can only be derived for a struct with named fields, not an enum",
            );
            None
        }
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "`VectorModel` can only be derived for a struct with named fields, not a union",
            );
            None
        }
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "`VectorModel` cannot be derived for a generic struct; every column needs a concrete type",
        );
        return None;
    }
    let named = named?;

    let table = match &container.table {
        Some(lit) => {
            check::identifier(cx, &lit.value(), lit, "table");
            lit.value()
        }
        None => default_table_name(&input.ident.to_string()),
    };

    let mut fields = Vec::new();
    let mut vector: Option<usize> = None;
    let mut marked_key: Option<usize> = None;
    // Each field's key attributes, for the key's checks below.
    let mut key_attrs: Vec<KeyAttrs> = Vec::new();
    for (position, field) in named.named.iter().enumerate() {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        let errors_before = cx.error_count();
        let attrs = attr::field(cx, &field.attrs);
        // A field whose attribute is already wrong gets no further "missing ..." errors.
        let attrs_ok = cx.error_count() == errors_before;
        if attrs.skip.is_some() {
            for span in attrs.besides_skip() {
                cx.syn_error(syn::Error::new(
                    span,
                    "a `skip` field is not stored, so this does not apply to it; remove it or `skip`",
                ));
            }
            fields.push(Field {
                ident,
                ty: &field.ty,
                column: ident.to_string(),
                kind: FieldKind::Skipped,
                max_length: None,
                fulltext: false,
            });
            key_attrs.push(KeyAttrs::default());
            continue;
        }
        let column = match &attrs.rename {
            Some(lit) => {
                check::identifier(cx, &lit.value(), lit, "column");
                lit.value()
            }
            None => {
                let name = ident.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                check::identifier(cx, &name, ident, "column");
                name
            }
        };
        let shape = vector_shape(&field.ty);
        let kind = match (&attrs.dimensions, &shape) {
            (Some((dimensions, lit)), Some(shape)) => {
                // Not after an attribute error: `dimensions` may then be the placeholder that only stops
                // a "missing dimensions" error, and the length check would name a size nobody wrote.
                if let Some(len) = shape.array_len
                    && attrs_ok
                {
                    check::array_len(cx, len, *dimensions, lit);
                }
                // The first vector field is the one searches use unless told another.
                vector.get_or_insert(position);
                let mut index = None;
                if let Some((metric, lit)) = &attrs.index {
                    if shape.nullable {
                        cx.error_spanned_by(
                            lit,
                            "a vector index needs a NOT NULL column; make the field a non-`Option` vector or drop `index`",
                        );
                    }
                    index = Some(*metric);
                }
                FieldKind::Vector {
                    dimensions: *dimensions,
                    index,
                }
            }
            (Some(_), None) => {
                let f64_hint = if quote::ToTokens::to_token_stream(&field.ty)
                    .to_string()
                    .contains("f64")
                {
                    "; embeddings of f64 (as many APIs hand out) convert with the checked `tidb_vector_core::Vector::try_from(&values[..])`, which refuses values beyond f32"
                } else {
                    ""
                };
                cx.error_spanned_by(
                    &field.ty,
                    format!(
                        "`dimensions` needs a vector field: Vec<f32>, [f32; N], tidb_vector_core::Vector, or Option of one of them{f64_hint}"
                    ),
                );
                FieldKind::Scalar
            }
            (None, Some(_)) => {
                if attrs_ok {
                    cx.error_spanned_by(
                        ident,
                        format!(
                            "vector field `{ident}` needs its size: add `#[vector(dimensions = N)]`"
                        ),
                    );
                }
                FieldKind::Scalar
            }
            (None, None) => {
                if let Some((_, lit)) = &attrs.index {
                    cx.error_spanned_by(
                        lit,
                        "`index` goes on the vector field, beside `dimensions`",
                    );
                } else if let Err(message) = check_scalar_type(&field.ty) {
                    cx.error_spanned_by(&field.ty, message);
                }
                FieldKind::Scalar
            }
        };
        if let Some(span) = attrs.key {
            if matches!(kind, FieldKind::Vector { .. }) {
                cx.syn_error(syn::Error::new(
                    span,
                    "a vector field cannot be the primary key (TiDB forbids vector keys); mark an integer field with `key`",
                ));
            } else if let Some(first) = marked_key {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "only one field can be the key, and `{}` already is; remove one `key`",
                        fields
                            .get(first)
                            .map_or(String::new(), |f: &Field| f.ident.to_string())
                    ),
                ));
            } else {
                marked_key = Some(position);
            }
        }
        if let Some((_, lit)) = &attrs.max_length
            && !(matches!(kind, FieldKind::Scalar) && is_text(&field.ty))
        {
            cx.error_spanned_by(
                lit,
                "`max_length` goes on a String field (it makes the column VARCHAR(N))",
            );
        }
        if let Some(span) = attrs.fulltext
            && !(matches!(kind, FieldKind::Scalar) && is_text(&field.ty))
        {
            cx.syn_error(syn::Error::new(
                span,
                "`fulltext` goes on a String field (it builds a full-text index on the column)",
            ));
        }
        key_attrs.push(KeyAttrs {
            key: attrs.key,
            auto_increment: attrs.auto_increment.clone(),
            auto_random: attrs.auto_random,
        });
        fields.push(Field {
            ident,
            ty: &field.ty,
            column,
            kind,
            max_length: attrs.max_length.as_ref().map(|(n, _)| *n),
            fulltext: attrs.fulltext.is_some(),
        });
    }

    let key = match marked_key {
        Some(position) => Key::Field(position),
        None => match fields
            .iter()
            .position(|f| f.ident == "id" && !matches!(f.kind, FieldKind::Skipped))
        {
            Some(position) if matches!(fields[position].kind, FieldKind::Vector { .. }) => {
                cx.error_spanned_by(
                    fields[position].ident,
                    "the field `id` is the key by its name, and a key cannot be a vector; rename the field",
                );
                // Reported: no second error about the hidden key's name.
                return None;
            }
            Some(position) => Key::Field(position),
            None => Key::Hidden,
        },
    };
    for (position, attrs) in key_attrs.iter().enumerate() {
        if matches!(key, Key::Field(k) if k == position) {
            continue;
        }
        if let Some((_, lit)) = &attrs.auto_increment {
            cx.error_spanned_by(lit, "`auto_increment` goes on the key field, beside `key`");
        }
        if let Some(span) = attrs.auto_random {
            cx.syn_error(syn::Error::new(
                span,
                "`auto_random` goes on the key field, beside `key`: `#[vector(key, auto_random)]` on an i64",
            ));
        }
    }
    let mut auto_key = true;
    let mut auto_random = false;
    if let Key::Field(position) = key {
        let field = &fields[position];
        let KeyAttrs {
            key: key_span,
            auto_increment,
            auto_random: auto_random_span,
        } = &key_attrs[position];
        let at_key = key_span.unwrap_or_else(|| field.ident.span());
        if matches!(field.kind, FieldKind::Scalar) && check_scalar_type(field.ty).is_ok() {
            match key_kind(field.ty) {
                None => {
                    let message = if marked_key.is_some() {
                        format!(
                            "the key `{}` must be an integer (i32, i64, u32, u64, or an Option of one), a String with `max_length`, or a uuid::Uuid",
                            field.ident
                        )
                    } else {
                        "a field named `id` is the key, and a key is an integer (i32, i64, u32, u64, or an Option of one), a String with `max_length`, or a uuid::Uuid; rename the field to keep it as a plain column".to_owned()
                    };
                    cx.error_spanned_by(field.ty, message);
                }
                Some((KeyKind::Integer, _)) if auto_random_span.is_some() => {
                    auto_random = true;
                    if let Some((_, lit)) = auto_increment {
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
                    auto_key = auto_increment.as_ref().is_none_or(|(auto, _)| *auto);
                    if !auto_key && optional {
                        cx.error_spanned_by(
                            field.ty,
                            "a key the caller assigns (`auto_increment = false`) cannot be an Option; use the integer type itself",
                        );
                    }
                }
                Some((kind, optional)) => {
                    auto_key = false;
                    let what = if kind == KeyKind::Text {
                        "String"
                    } else {
                        "UUID"
                    };
                    if optional {
                        cx.error_spanned_by(
                            field.ty,
                            format!(
                                "a {what} key cannot be an Option: the caller assigns every key"
                            ),
                        );
                    }
                    if let Some((_, lit)) = auto_increment {
                        cx.error_spanned_by(
                            lit,
                            format!("a {what} key is never auto-increment (the caller assigns it); remove `auto_increment`"),
                        );
                    }
                    if let Some(span) = auto_random_span {
                        cx.syn_error(syn::Error::new(
                            *span,
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
        }
    }
    check::unique_columns(cx, &fields, &key);

    let Some(vector) = vector else {
        if !cx.has_errors() || named.named.is_empty() {
            cx.error_spanned_by(
                &input.ident,
                "a `VectorModel` needs one vector field: add `#[vector(dimensions = N)]` to a Vec<f32>, [f32; N] or tidb_vector_core::Vector field",
            );
        }
        return None;
    };
    Some(Container {
        ident: &input.ident,
        table,
        fields,
        key,
        vector,
        auto_key,
        auto_random,
    })
}

/// `Document` → `documents`, `HTTPLogEntry` → `http_log_entries`.
fn default_table_name(ident: &str) -> String {
    let ident = ident.strip_prefix("r#").unwrap_or(ident);
    let chars: Vec<char> = ident.chars().collect();
    let mut snake = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(*c);
        }
    }
    if let Some(stem) = snake
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if snake.ends_with('s')
        || snake.ends_with('x')
        || snake.ends_with("ch")
        || snake.ends_with("sh")
    {
        format!("{snake}es")
    } else {
        format!("{snake}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_snake_case_plurals() {
        assert_eq!(default_table_name("Document"), "documents");
        assert_eq!(default_table_name("HTTPLogEntry"), "http_log_entries");
        assert_eq!(default_table_name("Box"), "boxes");
        assert_eq!(default_table_name("Day"), "days");
        assert_eq!(default_table_name("Item2Vec"), "item2_vecs");
    }
}
