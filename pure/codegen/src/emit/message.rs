//! One message module: imports, the top-level struct and its nested structs, and the `Message` / `Request` impls.

use std::fmt::Write as _;

use super::structs::gen_struct;
use crate::resolve::{collect_structs, Ctx, StructDef};
use crate::spec::Spec;
use crate::vset::VSet;
use crate::{Result, HEADER_COMMENT};

pub(crate) fn gen_message(spec: &Spec) -> Result<String> {
    let mut structs = Vec::new();
    for (name, fields) in &spec.common {
        structs.push(StructDef {
            name: name.clone(),
            about: String::new(),
            fields,
        });
    }
    collect_structs(&spec.fields, &mut structs)?;
    if structs.iter().any(|s| s.name == spec.name) {
        return Err(format!(
            "{}: nested struct has the message's name",
            spec.name
        ));
    }
    let flexible = VSet::from_range(spec.valid, spec.flexible);
    let ctx = Ctx {
        spec,
        flexible,
        structs,
    };
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER_COMMENT}");
    let _ = writeln!(
        out,
        "//! `{}` ({}{}), from `{}.json`.\n",
        spec.name,
        spec.kind,
        spec.api_key
            .map(|k| format!(", API key {k}"))
            .unwrap_or_default(),
        spec.name
    );
    out.push_str("#[allow(unused_imports)]\nuse bytes::{Bytes, BytesMut};\n\n");
    out.push_str("#[allow(unused_imports)]\nuse crate::protocol::primitives::*;\n");
    out.push_str("use crate::protocol::{Message, ProtocolResult, VersionRange};\n");
    if spec.kind == "request" {
        let resp = spec.name.replace("Request", "Response");
        let _ = writeln!(out, "use super::{resp};\nuse crate::protocol::Request;");
    }
    out.push_str("#[cfg(test)]\nuse crate::protocol::testing::{Arbitrary, Gen};\n\n");

    let top_about = match spec.kind.as_str() {
        "request" => format!(
            "The `{}` request body.",
            spec.name.trim_end_matches("Request")
        ),
        "response" => format!(
            "The `{}` response body.",
            spec.name.trim_end_matches("Response")
        ),
        _ => format!(
            "The {} header.",
            spec.name.trim_end_matches("Header").to_lowercase()
        ),
    };
    gen_struct(&ctx, &spec.name, &top_about, &spec.fields, true, &mut out)?;
    for s in &ctx.structs {
        gen_struct(&ctx, &s.name, &s.about, s.fields, false, &mut out)?;
    }

    let flex = match spec.flexible {
        Some((f, _)) => format!("Some({f})"),
        None => "None".into(),
    };
    let name = &spec.name;
    let _ = writeln!(
        out,
        "impl Message for {name} {{
    const NAME: &'static str = {name:?};
    const API_KEY: i16 = {};
    const VERSIONS: VersionRange = VersionRange::new({}, {});
    const FLEXIBLE_FROM: Option<i16> = {flex};

    fn encode(&self, out: &mut BytesMut, version: i16) -> ProtocolResult<()> {{
        Self::check_version(version)?;
        self.encode_fields(out, version)
    }}

    fn decode(d: &mut Decoder, version: i16) -> ProtocolResult<Self> {{
        Self::check_version(version)?;
        Self::decode_fields(d, version)
    }}
}}
",
        spec.api_key.unwrap_or(-1),
        spec.valid.0,
        spec.valid.1
    );
    if spec.kind == "request" {
        let resp = spec.name.replace("Request", "Response");
        let _ = writeln!(
            out,
            "impl Request for {name} {{\n    type Response = {resp};\n}}"
        );
    }
    Ok(out)
}
