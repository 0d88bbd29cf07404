//! Phase 2: a model of the struct, built from its syntax and attributes. It records what the rules of
//! `check` need (each field's attributes as written); code generation reads only the model, once checked.

use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::attr::{self, FieldAttrs, IndexMetric};
use crate::ctxt::Ctxt;
use crate::ty::{KeyKind, VectorShape, key_kind, vector_shape};

/// The struct.
pub(crate) struct Container<'a> {
    pub ident: &'a Ident,
    pub table: String,
    /// `table = "..."` as written, when given.
    pub table_attr: Option<LitStr>,
    pub fields: Vec<Field<'a>>,
    pub key: Key,
    /// Position in `fields` of the first vector field (`None` is an error of `check`).
    pub vector: Option<usize>,
    /// Whether the database assigns the key (a hidden key, or an integer key not marked
    /// `auto_increment = false`).
    pub auto_key: bool,
    /// Whether TiDB assigns the key with `AUTO_RANDOM` (`#[vector(key, auto_random)]`).
    pub auto_random: bool,
}

/// Where the primary key lives.
pub(crate) enum Key {
    /// A hidden `id` column.
    Hidden,
    /// This field (position in `fields`): the one marked `key`, else the one named `id`.
    Field(usize),
}

pub(crate) struct Field<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub column: String,
    pub kind: FieldKind<'a>,
    /// The type's shape when it is a vector type (whether or not `dimensions` makes it a vector column).
    pub vector_type: Option<VectorShape<'a>>,
    /// `max_length`, for a text column.
    pub max_length: Option<u32>,
    /// `fulltext`, for a text column.
    pub fulltext: bool,
    /// The attributes as written, for the rules' spans.
    pub attrs: FieldAttrs,
    /// Whether they parsed without an error: a field whose attribute is already wrong gets no further
    /// "missing ..." error.
    pub attrs_ok: bool,
}

pub(crate) enum FieldKind<'a> {
    /// A scalar column (or a field whose type or attributes `check` refuses).
    Scalar,
    Vector {
        dimensions: usize,
        /// The vector index declared on it.
        index: Option<IndexMetric>,
        /// The array length when the type is `[f32; N]`.
        array_len: Option<&'a syn::Expr>,
    },
    /// `#[vector(skip)]`: not stored, `Default` when read.
    Skipped,
}

/// The name of the hidden key column.
pub(crate) const HIDDEN_KEY: &str = "id";

/// Builds the model, recording every attribute that does not parse; `None` when the input cannot be modelled
/// at all (not a struct with named fields, or generic).
pub(crate) fn from_syn<'a>(cx: &mut Ctxt, input: &'a DeriveInput) -> Option<Container<'a>> {
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

    let fields: Vec<Field<'a>> = named
        .named
        .iter()
        .filter_map(|field| {
            Some(build_field(
                cx,
                field.ident.as_ref()?,
                &field.ty,
                &field.attrs,
            ))
        })
        .collect();
    let stored = |f: &&Field<'_>| !matches!(f.kind, FieldKind::Skipped);
    // The first field marked `key` that can be one (`check` reports a vector key and a second key).
    let marked = fields.iter().position(|f| {
        stored(&f) && f.attrs.key.is_some() && !matches!(f.kind, FieldKind::Vector { .. })
    });
    let key = match marked.or_else(|| fields.iter().position(|f| stored(&f) && f.ident == "id")) {
        Some(position) => Key::Field(position),
        None => Key::Hidden,
    };
    let (auto_key, auto_random) = match key {
        Key::Hidden => (true, false),
        Key::Field(position) => {
            let attrs = &fields[position].attrs;
            match key_kind(fields[position].ty) {
                Some((KeyKind::Integer, _)) if attrs.auto_random.is_some() => (true, true),
                Some((KeyKind::Integer, _)) => (
                    attrs.auto_increment.as_ref().is_none_or(|(auto, _)| *auto),
                    false,
                ),
                Some(_) => (false, false),
                // Not a key type: an error of `check`.
                None => (true, false),
            }
        }
    };
    Some(Container {
        ident: &input.ident,
        table: match &container.table {
            Some(lit) => lit.value(),
            None => default_table_name(&input.ident.to_string()),
        },
        table_attr: container.table,
        vector: fields
            .iter()
            .position(|f| matches!(f.kind, FieldKind::Vector { .. })),
        fields,
        key,
        auto_key,
        auto_random,
    })
}

fn build_field<'a>(
    cx: &mut Ctxt,
    ident: &'a Ident,
    ty: &'a Type,
    attrs: &[syn::Attribute],
) -> Field<'a> {
    let errors_before = cx.error_count();
    let attrs = attr::field(cx, attrs);
    let attrs_ok = cx.error_count() == errors_before;
    let column = match &attrs.rename {
        Some(lit) => lit.value(),
        None => {
            let name = ident.to_string();
            name.strip_prefix("r#").unwrap_or(&name).to_owned()
        }
    };
    let vector_type = vector_shape(ty);
    let kind = if attrs.skip.is_some() {
        FieldKind::Skipped
    } else {
        match (&attrs.dimensions, &vector_type) {
            (Some((dimensions, _)), Some(shape)) => FieldKind::Vector {
                dimensions: *dimensions,
                index: attrs.index.as_ref().map(|(metric, _)| *metric),
                array_len: shape.array_len,
            },
            _ => FieldKind::Scalar,
        }
    };
    Field {
        ident,
        ty,
        column,
        kind,
        vector_type,
        max_length: attrs.max_length.as_ref().map(|(n, _)| *n),
        fulltext: attrs.fulltext.is_some(),
        attrs,
        attrs_ok,
    }
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
