//! Type classification by syntax: which field types are vectors (and of which shape), scalar columns or keys.
//! The macro sees tokens, not types, so these checks read paths (`Option<T>`, `Vec<f32>`, `[f32; N]`, a path
//! ending in `Vector` or a scalar's name); the generated code's trait bounds remain the final check.

use syn::{GenericArgument, PathArguments, Type};

/// What a field's type is, read from its syntax.
pub(crate) struct VectorShape<'a> {
    /// The type without `Option`.
    pub inner: &'a Type,
    pub nullable: bool,
    /// The array length when the type is `[f32; N]`.
    pub array_len: Option<&'a syn::Expr>,
}

/// Recognizes `Vec<f32>`, `[f32; N]`, `Vector` (any path ending in it) and `Option` of those.
pub(crate) fn vector_shape(ty: &Type) -> Option<VectorShape<'_>> {
    let ty = ungrouped(ty);
    let (inner, nullable) = match option_inner(ty) {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    let array_len = match inner {
        Type::Array(array) if is_f32(&array.elem) => Some(&array.len),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            match (&last.arguments, last.ident.to_string().as_str()) {
                (PathArguments::None, "Vector") => None,
                (PathArguments::AngleBracketed(args), "Vec") if args.args.len() == 1 => {
                    match args.args.first() {
                        Some(GenericArgument::Type(t)) if is_f32(t) => None,
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(VectorShape {
        inner,
        nullable,
        array_len,
    })
}

/// The scalar types a column can have, by the last segment of their path (and `Vec<u8>`).
const SCALARS: &[&str] = &[
    "String",
    "bool",
    "i8",
    "i16",
    "i32",
    "i64",
    "u8",
    "u16",
    "u32",
    "u64",
    "f32",
    "f64",
    "Uuid",
    "NaiveDateTime",
    "NaiveDate",
    // serde_json::Value (the generated code's bounds check the path).
    "Value",
];
/// The integer types a key can have.
const INTEGER_KEYS: &[&str] = &["i32", "i64", "u32", "u64"];

/// What kind of key a field's type makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// An integer: auto-increment unless `auto_increment = false`.
    Integer,
    /// `String`: needs `max_length`.
    Text,
    /// `uuid::Uuid`.
    Uuid,
}

/// Checks a scalar field's type by its syntax, so that a wrong type gets one error from the macro rather
/// than one per use of the type in the generated code. (The generated code's trait bounds remain the
/// final check, for types this cannot see through, such as aliases.)
pub(crate) fn check_scalar_type(ty: &Type) -> Result<(), String> {
    let supported = "a column is String, bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, Vec<u8>, uuid::Uuid, \
         chrono's DateTime<Utc>, NaiveDateTime or NaiveDate, serde_json::Value, or an Option of one (a vector field is Vec<f32>, [f32; N] or tidb_vector_core::Vector, with \
         `#[vector(dimensions = N)]`; `#[vector(skip)]` leaves a field out of the table)";
    let inner = match option_inner(ty) {
        Some(inner) if option_inner(inner).is_some() => {
            return Err("a nested Option is not a column type: one Option already makes the column nullable".into());
        }
        Some(inner) => inner,
        None => ty,
    };
    if is_bytes(inner) || is_date_time(inner) {
        return Ok(());
    }
    match last_plain_segment(inner) {
        Some(name) if SCALARS.contains(&name.as_str()) => Ok(()),
        _ => Err(format!(
            "unsupported field type `{}`; {supported}",
            quote::ToTokens::to_token_stream(ty)
                .to_string()
                .replace(' ', "")
        )),
    }
}

/// The kind of key the type makes, and whether it is an `Option`; `None` when it cannot be a key.
pub(crate) fn key_kind(ty: &Type) -> Option<(KeyKind, bool)> {
    let (inner, optional) = match option_inner(ty) {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    let name = last_plain_segment(inner)?;
    let kind = match name.as_str() {
        "String" => KeyKind::Text,
        "Uuid" => KeyKind::Uuid,
        name if INTEGER_KEYS.contains(&name) => KeyKind::Integer,
        _ => return None,
    };
    Some((kind, optional))
}

/// Whether the type is `i64` or `Option<i64>` (by its last path segment).
pub(crate) fn is_i64(ty: &Type) -> bool {
    let inner = option_inner(ty).unwrap_or(ty);
    last_plain_segment(inner).is_some_and(|name| name == "i64")
}

/// Whether the type is `String` or `Option<String>` (by its last path segment).
pub(crate) fn is_text(ty: &Type) -> bool {
    let inner = option_inner(ty).unwrap_or(ty);
    last_plain_segment(inner).is_some_and(|name| name == "String")
}

/// `DateTime<...>` (chrono's; the generated code's bounds check that it is `DateTime<Utc>`).
fn is_date_time(ty: &Type) -> bool {
    let Type::Path(path) = ungrouped(ty) else {
        return false;
    };
    path.path
        .segments
        .last()
        .is_some_and(|last| last.ident == "DateTime" && !last.arguments.is_none())
}

/// `Vec<u8>`.
fn is_bytes(ty: &Type) -> bool {
    let Type::Path(path) = ungrouped(ty) else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    match &last.arguments {
        PathArguments::AngleBracketed(args) if last.ident == "Vec" && args.args.len() == 1 => {
            matches!(args.args.first(), Some(GenericArgument::Type(t))
                if matches!(ungrouped(t), Type::Path(p) if p.qself.is_none() && p.path.is_ident("u8")))
        }
        _ => false,
    }
}

/// The last path segment of a type without generic arguments (`std::string::String` → `String`).
fn last_plain_segment(ty: &Type) -> Option<String> {
    let Type::Path(path) = ungrouped(ty) else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    matches!(last.arguments, PathArguments::None).then(|| last.ident.to_string())
}

/// `T` of `Option<T>` (any path ending in `Option`), without its groups.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ungrouped(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(ungrouped(inner)),
        _ => None,
    }
}

fn is_f32(ty: &Type) -> bool {
    matches!(ungrouped(ty), Type::Path(p) if p.qself.is_none() && p.path.is_ident("f32"))
}

/// The type inside invisible groups and parentheses: a type that a `macro_rules!` macro passes on as a `$t:ty`
/// fragment arrives wrapped in a `Type::Group`, and `(T)` is `T`.
fn ungrouped(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_shapes_are_recognized_syntactically() {
        let shape =
            |src: &str| vector_shape(&syn::parse_str::<Type>(src).unwrap()).map(|s| s.nullable);
        assert_eq!(shape("Vec<f32>"), Some(false));
        assert_eq!(shape("Option<[f32; 3]>"), Some(true));
        assert_eq!(shape("tidb_vector_core::Vector"), Some(false));
        assert_eq!(shape("Vec<f64>"), None);
        assert_eq!(shape("String"), None);
        assert_eq!(shape("[u8; 4]"), None);
    }
}
