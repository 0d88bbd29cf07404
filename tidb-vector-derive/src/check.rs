//! Checks of the model that need more than one attribute: identifiers a server takes, columns that do not
//! collide, an array length that agrees with `dimensions`. Each reports into the `Ctxt`, spanned on the
//! narrowest token, and the derive goes on, so that every mistake shows in one build.

use crate::ctxt::Ctxt;
use crate::model::{Field, FieldKind, HIDDEN_KEY, Key};

/// Column names the generated SQL uses for itself.
const RESERVED: &[&str] = &["_distance", "_candidates"];
/// TiDB's (and MySQL's) longest identifier.
const MAX_IDENTIFIER: usize = 64;

/// Names TiDB accepts without surprises: 1 to 64 characters, ASCII letters, digits and `_`, not all
/// digits, and none of the names the generated SQL uses.
pub fn identifier(cx: &mut Ctxt, name: &str, span: impl quote::ToTokens, what: &str) {
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

pub fn unique_columns(cx: &mut Ctxt, fields: &[Field<'_>], key: &Key) {
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
pub fn array_len(cx: &mut Ctxt, len: &syn::Expr, dimensions: usize, lit: &syn::LitInt) {
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
