//! One struct of a message: checks, the definition with its docs, `Default`, then its codec and test generator.

use std::fmt::Write as _;

use super::arbitrary::gen_arbitrary;
use super::codec::{gen_decode, gen_encode};
use crate::defaults::default_expr;
use crate::names::doc;
use crate::resolve::{field_rust_ty, struct_elem, Ctx, FieldInfo, Ty};
use crate::spec::{Field, Range};
use crate::Result;

/// Emits struct `name` (the message itself when `top`) with every impl the generated code has for it.
pub(crate) fn gen_struct(
    ctx: &Ctx,
    name: &str,
    about: &str,
    fields: &[Field],
    top: bool,
    out: &mut String,
) -> Result<()> {
    let infos: Vec<FieldInfo> = fields.iter().map(|f| ctx.info(f)).collect::<Result<_>>()?;
    check_array_elements(ctx, name, &infos)?;
    gen_definition(ctx, name, about, &infos, top, out)?;
    let _ = writeln!(out, "impl {name} {{");
    gen_encode(ctx, name, &infos, out)?;
    gen_decode(ctx, name, &infos, out)?;
    gen_arbitrary(ctx, name, &infos, out)
}

/// Array elements must take at least one byte in every version (the decoder's length check relies on it).
fn check_array_elements(ctx: &Ctx, name: &str, infos: &[FieldInfo]) -> Result<()> {
    let spec = ctx.spec;
    for fi in infos {
        if let (Ty::Array(_), Some(s)) = (&fi.ty, struct_elem(&fi.ty)) {
            let def = ctx
                .structs
                .iter()
                .find(|d| d.name == s)
                .ok_or("no struct")?;
            for v in fi.present.versions() {
                let nonempty = ctx.flexible.bits[(v - spec.valid.0) as usize]
                    || def
                        .fields
                        .iter()
                        .any(|f| matches!(f.versions, Some((a, b)) if a <= v && v <= b));
                if !nonempty {
                    return Err(format!(
                        "{name}.{}: element {s} is empty at version {v}",
                        fi.f.name
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The struct with its doc comments, and `Default` by hand when the spec's defaults are not the types' own.
fn gen_definition(
    ctx: &Ctx,
    name: &str,
    about: &str,
    infos: &[FieldInfo],
    top: bool,
    out: &mut String,
) -> Result<()> {
    let flex_any = ctx.flex_any();
    let spec = ctx.spec;
    out.push_str(&doc(about, ""));
    if top {
        let _ = writeln!(
            out,
            "///\n/// Versions {}-{}{}.",
            spec.valid.0,
            spec.valid.1,
            match spec.flexible {
                Some((f, _)) => format!(", flexible from {f}"),
                None => ", never flexible".into(),
            }
        );
    }
    let defaults: Vec<String> = infos.iter().map(default_expr).collect::<Result<_>>()?;
    let derive_default = defaults.iter().all(|d| {
        matches!(
            d.as_str(),
            "0" | "0.0"
                | "false"
                | "String::new()"
                | "Bytes::new()"
                | "Vec::new()"
                | "Uuid::ZERO"
                | "None"
        ) || d.ends_with("::default()")
    });
    let derives = if derive_default {
        "Debug, Clone, PartialEq, Default"
    } else {
        "Debug, Clone, PartialEq"
    };
    let _ = writeln!(out, "#[derive({derives})]\npub struct {name} {{");
    for fi in infos {
        out.push_str(&doc(&fi.f.about, "    "));
        let _ = writeln!(out, "    ///\n    /// {}", version_note(fi, spec.valid));
        let _ = writeln!(out, "    pub {}: {},", fi.ident, field_rust_ty(fi));
    }
    if flex_any {
        out.push_str("    /// Tagged fields this code does not know, kept raw as `(tag, data)` and written back on encode.\n");
        out.push_str("    pub unknown_tagged_fields: Vec<(u32, Bytes)>,\n");
    }
    out.push_str("}\n\n");

    // Default: the spec's `default` values, so derived only when they are all the types' own defaults.
    if !derive_default {
        let _ = writeln!(
            out,
            "impl Default for {name} {{\n    fn default() -> Self {{\n        {name} {{"
        );
        for (fi, d) in infos.iter().zip(&defaults) {
            let _ = writeln!(out, "            {}: {d},", fi.ident);
        }
        if flex_any {
            out.push_str("            unknown_tagged_fields: Vec::new(),\n");
        }
        out.push_str("        }\n    }\n}\n\n");
    }
    Ok(())
}

/// The doc line listing a field's versions, nullability, tag, default and ignorability.
fn version_note(fi: &FieldInfo, valid: (i16, i16)) -> String {
    let r = |r: Range| match r {
        None => "none".to_string(),
        Some((a, b)) if b >= valid.1 => format!("{a}+"),
        Some((a, b)) if a == b => format!("{a}"),
        Some((a, b)) => format!("{a}-{b}"),
    };
    let mut s = format!("Versions: {}", r(fi.f.versions));
    if fi.f.nullable.is_some() {
        let _ = write!(s, "; nullable: {}", r(fi.f.nullable));
    }
    if let Some(t) = fi.f.tag {
        let _ = write!(s, "; tagged (tag {t}): {}", r(fi.f.tagged));
    }
    if let Some(d) = &fi.f.default {
        let _ = write!(s, "; default: {d}");
    }
    if fi.f.ignorable {
        s.push_str("; ignorable");
    }
    s.push('.');
    s
}
