//! Phase 2: a checked model of the struct. Code generation reads only this.

use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr::{self, IndexMetric};
use crate::check;
use crate::ctxt::Ctxt;
use crate::ty::{check_scalar_type, is_key_type, vector_shape};

/// The struct, checked.
pub struct Container<'a> {
    pub ident: &'a Ident,
    pub table: String,
    pub fields: Vec<Field<'a>>,
    pub key: Key,
    /// Position in `fields` of the vector field.
    pub vector: usize,
    pub index: Option<IndexMetric>,
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
}

pub enum FieldKind {
    Scalar,
    Vector { dimensions: usize },
}

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
    let mut index = None;
    let mut marked_key: Option<usize> = None;
    for (position, field) in named.named.iter().enumerate() {
        let Some(ident) = field.ident.as_ref() else {
            continue;
        };
        let errors_before = cx.error_count();
        let attrs = attr::field(cx, &field.attrs);
        // A field whose attribute is already wrong gets no further "missing ..." errors.
        let attrs_ok = cx.error_count() == errors_before;
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
                if let Some(len) = shape.array_len {
                    check::array_len(cx, len, *dimensions, lit);
                }
                if let Some(first) = vector {
                    cx.error_spanned_by(
                        ident,
                        format!(
                            "a model has exactly one vector field, and `{}` is already it; move this vector to a model of its own",
                            fields.get(first).map_or(String::new(), |f: &Field| f.ident.to_string())
                        ),
                    );
                } else {
                    vector = Some(position);
                }
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
                }
            }
            (Some(_), None) => {
                cx.error_spanned_by(
                    &field.ty,
                    "`dimensions` needs a vector field: Vec<f32>, [f32; N], tidb_vector_core::Vector, or Option of one of them",
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
        fields.push(Field {
            ident,
            ty: &field.ty,
            column,
            kind,
        });
    }

    let key = match marked_key {
        Some(position) => Key::Field(position),
        None => match fields.iter().position(|f| f.ident == "id") {
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
    if let Key::Field(position) = key {
        let field = &fields[position];
        if matches!(field.kind, FieldKind::Scalar)
            && check_scalar_type(field.ty).is_ok()
            && !is_key_type(field.ty)
        {
            let message = if marked_key.is_some() {
                format!(
                    "the key `{}` must be an auto-increment integer: i32, i64, u32, u64, or an Option of one",
                    field.ident
                )
            } else {
                "a field named `id` is the key, and a key is an auto-increment integer: i32, i64, u32, u64, or an Option of one; rename the field to keep it as a plain column".to_owned()
            };
            cx.error_spanned_by(field.ty, message);
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
        index,
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
