//! Phase 1: `#[vector(...)]` attributes parsed into plain structs, every mistake recorded and spanned on the
//! narrowest token.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Lit, LitBool, LitInt, LitStr, UnOp};

use crate::ctxt::Ctxt;
use crate::symbol::*;

/// TiDB's largest vector dimension.
pub(crate) const MAX_DIMENSIONS: u64 = 16383;
/// The longest `VARCHAR` of utf8mb4 text (65,535 bytes a row, 4 bytes a character).
pub(crate) const MAX_LENGTH_LIMIT: u64 = 16383;

/// A metric a vector index can be built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IndexMetric {
    Cosine,
    L2,
}

/// `#[vector(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub table: Option<LitStr>,
}

/// `#[vector(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    /// The `dimensions` value and its literal.
    pub dimensions: Option<(usize, LitInt)>,
    pub index: Option<(IndexMetric, LitStr)>,
    /// The `key` word itself.
    pub key: Option<Span>,
    pub rename: Option<LitStr>,
    /// The `max_length` value and its literal.
    pub max_length: Option<(u32, LitInt)>,
    /// The `auto_increment` value and its literal.
    pub auto_increment: Option<(bool, LitBool)>,
    /// The `auto_random` word itself.
    pub auto_random: Option<Span>,
    /// The `skip` word itself.
    pub skip: Option<Span>,
    /// The `fulltext` word itself.
    pub fulltext: Option<Span>,
    /// `source = "field"`: the text field an embedder fills this vector from.
    pub source: Option<LitStr>,
    /// `embed_on_server = "model"`: TiDB Cloud embeds the source with this model.
    pub embed_on_server: Option<LitStr>,
}

impl FieldAttrs {
    /// The spans of the keys given beside `skip`, which stores nothing.
    pub(crate) fn besides_skip(&self) -> Vec<Span> {
        let mut spans = Vec::new();
        spans.extend(self.dimensions.as_ref().map(|(_, lit)| lit.span()));
        spans.extend(self.index.as_ref().map(|(_, lit)| lit.span()));
        spans.extend(self.key);
        spans.extend(self.rename.as_ref().map(LitStr::span));
        spans.extend(self.max_length.as_ref().map(|(_, lit)| lit.span()));
        spans.extend(self.auto_increment.as_ref().map(|(_, lit)| lit.span()));
        spans.extend(self.auto_random);
        spans.extend(self.fulltext);
        spans.extend(self.source.as_ref().map(LitStr::span));
        spans.extend(self.embed_on_server.as_ref().map(LitStr::span));
        spans
    }
}

pub(crate) fn container(cx: &mut Ctxt, attrs: &[Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    each_key(cx, attrs, CONTAINER_KEYS, "struct", |cx, key, meta| {
        match key {
            TABLE => {
                if let Some(value) = string_value(cx, meta, TABLE)? {
                    set_once(cx, &mut out.table, value, &meta.path, TABLE);
                }
            }
            _ => unreachable_key(cx, meta),
        }
        Ok(())
    });
    out
}

pub(crate) fn field(cx: &mut Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    each_key(cx, attrs, FIELD_KEYS, "field", |cx, key, meta| {
        match key {
            DIMENSIONS => {
                let Some(expr) = value_expr(cx, meta, "dimensions = 768")? else {
                    return Ok(());
                };
                if let Some(dimensions) = dimensions(cx, &expr) {
                    set_once(cx, &mut out.dimensions, dimensions, &meta.path, DIMENSIONS);
                } else if out.dimensions.is_none() {
                    // Remember that `dimensions` was given, so no "missing dimensions" error follows.
                    let placeholder = LitInt::new("1", expr.span());
                    out.dimensions = Some((1, placeholder));
                }
            }
            INDEX => {
                if let Some(index) = index_metric(cx, meta)? {
                    set_once(cx, &mut out.index, index, &meta.path, INDEX);
                }
            }
            KEY => word(
                cx,
                meta,
                &mut out.key,
                "`key` takes no value; write `#[vector(key)]` on the key field",
            )?,
            RENAME => {
                if let Some(value) = string_value(cx, meta, RENAME)? {
                    set_once(cx, &mut out.rename, value, &meta.path, RENAME);
                }
            }
            MAX_LENGTH => {
                let Some(expr) = value_expr(cx, meta, "max_length = 64")? else {
                    return Ok(());
                };
                if let Some(length) = max_length(cx, &expr) {
                    set_once(cx, &mut out.max_length, length, &meta.path, MAX_LENGTH);
                }
            }
            AUTO_INCREMENT => {
                let Some(expr) = value_expr(cx, meta, "auto_increment = false")? else {
                    return Ok(());
                };
                match expr {
                    Expr::Lit(ExprLit {
                        lit: Lit::Bool(value),
                        ..
                    }) => set_once(
                        cx,
                        &mut out.auto_increment,
                        (value.value, value),
                        &meta.path,
                        AUTO_INCREMENT,
                    ),
                    other => cx.error_spanned_by(
                        other,
                        "`auto_increment` takes `true` or `false`, e.g. `auto_increment = false`",
                    ),
                }
            }
            AUTO_RANDOM => word(
                cx,
                meta,
                &mut out.auto_random,
                "`auto_random` takes no value; write `#[vector(key, auto_random)]` on an i64 key",
            )?,
            SKIP => word(
                cx,
                meta,
                &mut out.skip,
                "`skip` takes no value; write `#[vector(skip)]` on a field that is not stored",
            )?,
            FULLTEXT => word(
                cx,
                meta,
                &mut out.fulltext,
                "`fulltext` takes no value; write `#[vector(fulltext)]` on a String field",
            )?,
            SOURCE => {
                if let Some(value) = string_value(cx, meta, SOURCE)? {
                    set_once(cx, &mut out.source, value, &meta.path, SOURCE);
                }
            }
            EMBED_ON_SERVER => {
                if let Some(value) = string_value(cx, meta, EMBED_ON_SERVER)? {
                    set_once(
                        cx,
                        &mut out.embed_on_server,
                        value,
                        &meta.path,
                        EMBED_ON_SERVER,
                    );
                }
            }
            _ => unreachable_key(cx, meta),
        }
        Ok(())
    });
    out
}

fn max_length(cx: &mut Ctxt, expr: &Expr) -> Option<(u32, LitInt)> {
    let range = format!("between 1 and {MAX_LENGTH_LIMIT} characters");
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(n @ 1..=MAX_LENGTH_LIMIT) => Some((n as u32, int.clone())),
            _ => {
                cx.error_spanned_by(int, format!("`max_length` must be {range}"));
                None
            }
        },
        other => {
            cx.error_spanned_by(
                other,
                format!("`max_length` takes an integer literal {range}, e.g. `max_length = 64`"),
            );
            None
        }
    }
}

/// Calls `f` for each known key of every `#[vector(...)]` in `attrs`; reports unknown keys (with the
/// nearest known one) and skips their values, so parsing goes on to find further mistakes.
fn each_key(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    allowed: &[&'static str],
    place: &str,
    mut f: impl FnMut(&mut Ctxt, &'static str, &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(VECTOR)) {
        if let syn::Meta::Path(path) = &attr.meta {
            cx.error_spanned_by(
                path,
                format!(
                    "`#[vector]` needs arguments; on a {place}: {}",
                    list(allowed)
                ),
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            match allowed.iter().find(|k| **k == name) {
                Some(key) => f(cx, key, &meta),
                None => {
                    cx.error_spanned_by(&meta.path, unknown_key_message(&name, allowed, place));
                    skip_value(&meta)
                }
            }
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
}

fn unknown_key_message(name: &str, allowed: &[&str], place: &str) -> String {
    let nearest = allowed
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), *k))
        .filter(|(distance, _)| *distance <= 3)
        .min();
    let other_place_hint = match (place, name) {
        ("field", TABLE) => "; `table` goes on the struct",
        ("struct", key) if FIELD_KEYS.contains(&key) => "; this key goes on a field",
        _ => "",
    };
    match nearest {
        Some((_, key)) if other_place_hint.is_empty() => format!(
            "unknown `vector` attribute `{name}` on a {place}; did you mean `{key}`? expected one of {}",
            list(allowed)
        ),
        _ => format!(
            "unknown `vector` attribute `{name}` on a {place}{other_place_hint}; expected one of {}",
            list(allowed)
        ),
    }
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Consumes `= value` or `(...)` after an unknown key.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
    }
    Ok(())
}

fn unreachable_key(cx: &mut Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) {
    cx.error_spanned_by(&meta.path, "this `vector` attribute is not handled here");
}

/// A key that is a word alone (`key`, `skip`, ...): its span, or an error saying how to write it.
fn word(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    slot: &mut Option<Span>,
    how: &str,
) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let value: Expr = meta.value()?.parse()?;
        cx.error_spanned_by(value, how);
    } else {
        let key = meta
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        set_once(cx, slot, meta.path.span(), &meta.path, &key);
    }
    Ok(())
}

fn set_once<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, path: &syn::Path, key: &str) {
    if slot.is_some() {
        cx.error_spanned_by(path, format!("`{key}` is given twice; keep one"));
    } else {
        *slot = Some(value);
    }
}

/// The `= value` after a key, or an error saying how to write it (and `None`).
fn value_expr(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    example: &str,
) -> syn::Result<Option<Expr>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let key = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    cx.error_spanned_by(
        &meta.path,
        format!("`{key}` needs a value, e.g. `{example}`"),
    );
    skip_value(meta)?;
    Ok(None)
}

fn string_value(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
    key: &str,
) -> syn::Result<Option<LitStr>> {
    let Some(expr) = value_expr(cx, meta, &format!("{key} = \"name\""))? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(Some(s)),
        other => {
            cx.error_spanned_by(
                &other,
                format!("`{key}` takes a string, e.g. `{key} = \"name\"`"),
            );
            Ok(None)
        }
    }
}

fn dimensions(cx: &mut Ctxt, expr: &Expr) -> Option<(usize, LitInt)> {
    let range = format!("between 1 and {MAX_DIMENSIONS} (TiDB's limit)");
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(n @ 1..=MAX_DIMENSIONS) => Some((n as usize, int.clone())),
            Ok(n) => {
                cx.error_spanned_by(int, format!("`dimensions` must be {range}, got {n}"));
                None
            }
            Err(_) => {
                cx.error_spanned_by(int, format!("`dimensions` must be {range}"));
                None
            }
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            cx.error_spanned_by(expr, format!("`dimensions` must be {range}, not negative"));
            None
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            cx.error_spanned_by(
                s,
                format!(
                    "`dimensions` takes an integer, not a string: write `dimensions = {}`",
                    s.value().trim()
                ),
            );
            None
        }
        other => {
            cx.error_spanned_by(
                other,
                format!("`dimensions` takes an integer literal {range}, e.g. `dimensions = 768`"),
            );
            None
        }
    }
}

fn index_metric(
    cx: &mut Ctxt,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<Option<(IndexMetric, LitStr)>> {
    let Some(value) = string_value(cx, meta, INDEX)? else {
        return Ok(None);
    };
    let metric = match value.value().to_ascii_lowercase().as_str() {
        "cosine" => IndexMetric::Cosine,
        "l2" | "euclidean" => IndexMetric::L2,
        "l1" | "negative_inner_product" | "inner_product" | "nip" => {
            cx.error_spanned_by(
                &value,
                format!(
                    "TiDB cannot build a vector index for the {} distance; an index is \"cosine\" or \"l2\" (search by {} still works, by a scan)",
                    value.value(),
                    value.value()
                ),
            );
            return Ok(None);
        }
        other => {
            cx.error_spanned_by(
                &value,
                format!("unknown index metric \"{other}\"; expected \"cosine\" or \"l2\""),
            );
            return Ok(None);
        }
    };
    Ok(Some((metric, value)))
}
