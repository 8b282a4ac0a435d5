//! The test-only `Arbitrary` impl of a struct: random values valid at a version, for roundtrip tests.

use std::fmt::Write as _;

use super::codec::{mark_unused_version, open_fn};
use super::fields::arbitrary_expr;
use crate::defaults::default_expr;
use crate::resolve::{Ctx, FieldInfo};
use crate::Result;

/// `impl Arbitrary for <name>` (compiled under `cfg(test)` only).
pub(crate) fn gen_arbitrary(
    ctx: &Ctx,
    name: &str,
    infos: &[FieldInfo],
    out: &mut String,
) -> Result<()> {
    let (flex_any, flex_all) = (ctx.flex_any(), ctx.flex_all());
    let (sig_start, body_start) = open_fn(
        out,
        &format!("#[cfg(test)]\nimpl Arbitrary for {name} {{\n"),
        "    fn arbitrary(g: &mut Gen, version: i16) -> Self {\n",
    );
    if flex_any && !flex_all {
        let _ = writeln!(out, "        let flexible = {};", ctx.flexible.cond());
    }
    let _ = writeln!(out, "        {name} {{");
    for fi in infos {
        let c = fi.present.cond();
        let e = arbitrary_expr(fi);
        let v = match c.as_str() {
            "true" => e,
            "false" => default_expr(fi)?,
            c => format!("if {c} {{ {e} }} else {{ {} }}", default_expr(fi)?),
        };
        let _ = writeln!(out, "            {}: {v},", fi.ident);
    }
    if flex_any {
        let v = if flex_all {
            "g.unknown_tags()"
        } else {
            "if flexible { g.unknown_tags() } else { Vec::new() }"
        };
        let _ = writeln!(out, "            unknown_tagged_fields: {v},");
    }
    out.push_str("        }\n    }\n}\n\n");
    mark_unused_version(out, sig_start, body_start);
    Ok(())
}
