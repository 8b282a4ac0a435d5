//! Per-field expressions: how one field is written, read, and generated for tests.

use crate::resolve::{FieldInfo, Ty};

/// Statements that write `value` (an expression of the field's Rust type, by reference where needed).
pub(crate) fn encode_stmt(fi: &FieldInfo, out: &str, compact: &str) -> String {
    let what = &fi.f.name;
    let acc = format!("self.{}", fi.ident);
    match (&fi.ty, fi.opt) {
        (Ty::Prim("uuid"), _) => format!("put_uuid({out}, &{acc});"),
        (Ty::Prim(p), _) => format!("put_{p}({out}, {acc});"),
        (Ty::Str, false) => format!("put_string({out}, &{acc}, {compact}, {what:?})?;"),
        (Ty::Str, true) => format!(
            "put_opt_string({out}, {acc}.as_deref(), {compact}, {}, {what:?})?;",
            fi.nullable_cond
        ),
        (Ty::Bytes | Ty::Records, false) => {
            format!("put_bytes({out}, &{acc}, {compact}, {what:?})?;")
        }
        (Ty::Bytes | Ty::Records, true) => format!(
            "put_opt_bytes({out}, {acc}.as_deref(), {compact}, {}, {what:?})?;",
            fi.nullable_cond
        ),
        (Ty::Struct(_), _) => format!("{acc}.encode_fields({out}, version)?;"),
        (Ty::Array(inner), opt) => {
            let elem = match &**inner {
                Ty::Prim("uuid") => "{ put_uuid(out, e); Ok(()) }".to_string(),
                Ty::Prim(p) => format!("{{ put_{p}(out, *e); Ok(()) }}"),
                Ty::Str => format!("put_string(out, e, {compact}, {what:?})"),
                Ty::Bytes => format!("put_bytes(out, e, {compact}, {what:?})"),
                Ty::Struct(_) => "e.encode_fields(out, version)".to_string(),
                _ => unreachable!("checked in parse_ty"),
            };
            if opt {
                format!(
                    "put_opt_array({out}, {acc}.as_deref(), {compact}, {}, {what:?}, |out, e| {elem})?;",
                    fi.nullable_cond
                )
            } else {
                format!("put_array({out}, &{acc}, {compact}, {what:?}, |out, e| {elem})?;")
            }
        }
    }
}

/// An expression (already `?`-propagated) reading the field's value from decoder `d`.
pub(crate) fn decode_expr(fi: &FieldInfo, d: &str, compact: &str) -> String {
    let what = &fi.f.name;
    match (&fi.ty, fi.opt) {
        (Ty::Prim(p), _) => format!("{d}.{p}({what:?})?"),
        (Ty::Str, false) => format!("{d}.string({compact}, {what:?})?"),
        (Ty::Str, true) => format!("{d}.opt_string({compact}, {}, {what:?})?", fi.nullable_cond),
        (Ty::Bytes | Ty::Records, false) => format!("{d}.bytes({compact}, {what:?})?"),
        (Ty::Bytes | Ty::Records, true) => {
            format!("{d}.opt_bytes({compact}, {}, {what:?})?", fi.nullable_cond)
        }
        (Ty::Struct(s), _) => format!("{s}::decode_fields({d}, version)?"),
        (Ty::Array(inner), opt) => {
            let elem = match &**inner {
                Ty::Prim(p) => format!("d.{p}({what:?})"),
                Ty::Str => format!("d.string({compact}, {what:?})"),
                Ty::Bytes => format!("d.bytes({compact}, {what:?})"),
                Ty::Struct(s) => format!("{s}::decode_fields(d, version)"),
                _ => unreachable!("checked in parse_ty"),
            };
            if opt {
                format!(
                    "{d}.opt_array({compact}, {}, {what:?}, |d| {elem})?",
                    fi.nullable_cond
                )
            } else {
                format!("{d}.array({compact}, {what:?}, |d| {elem})?")
            }
        }
    }
}

/// A test-only expression generating a value valid at `version`.
pub(crate) fn arbitrary_expr(fi: &FieldInfo) -> String {
    fn base(ty: &Ty) -> String {
        match ty {
            Ty::Prim(p) => format!("g.{p}()"),
            Ty::Str => "g.string()".into(),
            Ty::Bytes | Ty::Records => "g.bytes()".into(),
            Ty::Struct(s) => format!("{s}::arbitrary(g, version)"),
            Ty::Array(inner) => format!("g.vec(|g| {})", base(inner)),
        }
    }
    let b = base(&fi.ty);
    if fi.opt {
        format!("g.opt({}, |g| {b})", fi.nullable_cond)
    } else {
        b
    }
}
