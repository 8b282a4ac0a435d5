//! The `encode_fields` / `decode_fields` methods of a struct: every field at every version, tagged fields, and
//! the Java client's errors for values a version cannot carry.

use std::fmt::Write as _;

use super::fields::{decode_expr, encode_stmt};
use crate::defaults::{default_expr, non_default_expr};
use crate::resolve::{Ctx, FieldInfo, Ty};
use crate::Result;

/// `let flexible = ..;` for the codec functions, when the body needs the variable.
fn flexible_decl(ctx: &Ctx, infos: &[FieldInfo]) -> String {
    let (flex_any, flex_all) = (ctx.flex_any(), ctx.flex_all());
    let uses_flexible_var = flex_any && !flex_all
        || infos
            .iter()
            .any(|fi| fi.compact_cond == "flexible" && !fi.regular.none() && needs_compact(&fi.ty));
    if !uses_flexible_var {
        String::new()
    } else if flex_all {
        "        let flexible = true;\n".to_string()
    } else {
        format!("        let flexible = {};\n", ctx.flexible.cond())
    }
}

/// The compact-encoding condition of a field inside a codec function.
fn compact_cond(fi: &FieldInfo, flex_all: bool) -> String {
    if fi.compact_cond == "flexible" && flex_all {
        "true".to_string()
    } else {
        fi.compact_cond.clone()
    }
}

/// `encode_fields`, the first method of the struct's inherent `impl` block.
pub(crate) fn gen_encode(
    ctx: &Ctx,
    name: &str,
    infos: &[FieldInfo],
    out: &mut String,
) -> Result<()> {
    let (flex_any, flex_all) = (ctx.flex_any(), ctx.flex_all());
    let (sig_start, body_start) = open_codec_fn(
        ctx,
        infos,
        out,
        "    /// Writes the fields at `version` (the version has been checked by the caller).\n",
        "    pub(crate) fn encode_fields(&self, out: &mut BytesMut, version: i16) -> ProtocolResult<()> {\n",
    );
    for fi in infos {
        let comp = compact_cond(fi, flex_all);
        let stmt = encode_stmt(fi, "out", &comp);
        let cond = fi.regular.cond();
        match cond.as_str() {
            "true" => {
                let _ = writeln!(out, "        {stmt}");
            }
            "false" => {}
            c => {
                let _ = writeln!(out, "        if {c} {{\n            {stmt}\n        }}");
            }
        }
        let absent = fi.present.not();
        if !fi.f.ignorable && !absent.none() {
            let _ = writeln!(
                out,
                "        if {} && {} {{\n            return Err(unsupported_field({:?}, version));\n        }}",
                absent.cond(),
                non_default_expr(fi)?,
                format!("{name}.{}", fi.f.name)
            );
        }
    }
    let tagged: Vec<&FieldInfo> = infos.iter().filter(|fi| !fi.tagged.none()).collect();
    if flex_any {
        let mut body = String::new();
        if tagged.is_empty() {
            body.push_str("put_tagged_fields(out, Vec::new(), &self.unknown_tagged_fields)?;\n");
        } else {
            body.push_str("let mut tagged = Vec::new();\n");
            for fi in &tagged {
                let tag = fi.f.tag.ok_or("tag")?;
                let c = fi.tagged.cond();
                let guard = if c == "true" || c == ctx.flexible.cond() {
                    non_default_expr(fi)?
                } else {
                    format!("{c} && {}", non_default_expr(fi)?)
                };
                let _ = writeln!(
                    body,
                    "if {guard} {{\n    let out = &mut BytesMut::new();\n    {}\n    tagged.push(({tag}, out.split().freeze()));\n}}",
                    encode_stmt(fi, "out", "true")
                );
            }
            body.push_str("put_tagged_fields(out, tagged, &self.unknown_tagged_fields)?;\n");
        }
        if flex_all {
            out.push_str(&body);
        } else {
            let _ = writeln!(
                out,
                "        if flexible {{\n{body}        }} else {{\n            no_tagged_fields(&self.unknown_tagged_fields, version)?;\n        }}"
            );
        }
    }
    out.push_str("        Ok(())\n    }\n\n");
    mark_unused_version(out, sig_start, body_start);
    Ok(())
}

/// `decode_fields`, closing the struct's inherent `impl` block.
pub(crate) fn gen_decode(
    ctx: &Ctx,
    name: &str,
    infos: &[FieldInfo],
    out: &mut String,
) -> Result<()> {
    let (flex_any, flex_all) = (ctx.flex_any(), ctx.flex_all());
    let tagged: Vec<&FieldInfo> = infos.iter().filter(|fi| !fi.tagged.none()).collect();
    let (sig_start, body_start) = open_codec_fn(
        ctx,
        infos,
        out,
        "    /// Reads the fields at `version` (the version has been checked by the caller).\n",
        "    pub(crate) fn decode_fields(d: &mut Decoder, version: i16) -> ProtocolResult<Self> {\n",
    );
    for fi in infos {
        let comp = compact_cond(fi, flex_all);
        let m = if fi.tagged.none() { "" } else { "mut " };
        let def = default_expr(fi)?;
        let cond = fi.regular.cond();
        let rhs = match cond.as_str() {
            "true" => decode_expr(fi, "d", &comp),
            "false" => def,
            c => format!(
                "if {c} {{ {} }} else {{ {def} }}",
                decode_expr(fi, "d", &comp)
            ),
        };
        let _ = writeln!(out, "        let {m}{} = {rhs};", fi.ident);
    }
    if flex_any {
        let mut body =
            String::from("d.tagged_fields(&mut unknown_tagged_fields, |tag, t| match tag {\n");
        for fi in &tagged {
            let tag = fi.f.tag.ok_or("tag")?;
            let c = fi.tagged.cond();
            let guard = if c == "true" || c == ctx.flexible.cond() {
                String::new()
            } else {
                format!(" if {c}")
            };
            let _ = writeln!(
                body,
                "    {tag}{guard} => {{\n        {} = {};\n        Ok(true)\n    }}",
                fi.ident,
                decode_expr(fi, "t", "true")
            );
        }
        body.push_str("    _ => Ok(false),\n})?;\n");
        if tagged.is_empty() {
            body = "d.tagged_fields(&mut unknown_tagged_fields, |_, _| Ok(false))?;\n".into();
        }
        out.push_str("        let mut unknown_tagged_fields = Vec::new();\n");
        if flex_all {
            out.push_str(&body);
        } else {
            let _ = writeln!(out, "        if flexible {{\n{body}        }}");
        }
    }
    let _ = writeln!(out, "        Ok({name} {{");
    for fi in infos {
        let _ = writeln!(out, "            {},", fi.ident);
    }
    if flex_any {
        out.push_str("            unknown_tagged_fields,\n");
    }
    out.push_str("        })\n    }\n}\n\n");
    mark_unused_version(out, sig_start, body_start);
    Ok(())
}

/// [`open_fn`] for `encode_fields` / `decode_fields`, then the `flexible` variable when the body needs it.
fn open_codec_fn(
    ctx: &Ctx,
    infos: &[FieldInfo],
    out: &mut String,
    doc: &str,
    signature: &str,
) -> (usize, usize) {
    let (sig_start, body_start) = open_fn(out, doc, signature);
    out.push_str(&flexible_decl(ctx, infos));
    (sig_start, body_start)
}

/// Writes a generated function's doc and signature lines; returns where the signature and the body start, for
/// [`mark_unused_version`] once the body is written.
pub(crate) fn open_fn(out: &mut String, doc: &str, signature: &str) -> (usize, usize) {
    out.push_str(doc);
    let sig_start = out.len();
    out.push_str(signature);
    (sig_start, out.len())
}

/// Renames the `version` parameter to `_version` when the function body never reads it.
pub(crate) fn mark_unused_version(out: &mut String, sig_start: usize, body_start: usize) {
    if !out[body_start..].contains("version") {
        let sig = out[sig_start..body_start].replace("version: i16", "_version: i16");
        out.replace_range(sig_start..body_start, &sig);
    }
}

/// Types whose length prefix is compact in flexible versions.
fn needs_compact(ty: &Ty) -> bool {
    matches!(ty, Ty::Str | Ty::Bytes | Ty::Records | Ty::Array(_))
}
