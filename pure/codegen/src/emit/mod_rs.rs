//! `messages/mod.rs`: the module list, re-exports, the [`ApiKey`] enum and by-key dispatch, and the roundtrip /
//! totality tests of every message.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::names::snake;
use crate::spec::Spec;
use crate::{Result, HEADERS, HEADER_COMMENT};

pub(crate) fn gen_mod(apis: &[(String, Spec, Spec)]) -> Result<String> {
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER_COMMENT}");
    out.push_str("//! Every generated message, one module each (nested structs live in their message's module), plus\n");
    out.push_str(
        "//! the [`ApiKey`] enum and by-key dispatch used by fuzzing and totality tests.\n\n",
    );
    out.push_str("use bytes::Bytes;\n\nuse crate::protocol::{Decoder, Message, ProtocolResult, VersionRange};\n\n");
    let mut mods: Vec<String> = HEADERS.iter().map(|h| snake(h)).collect();
    for (_, req, resp) in apis {
        mods.push(snake(&req.name));
        mods.push(snake(&resp.name));
    }
    mods.sort();
    for m in &mods {
        let _ = writeln!(out, "pub mod {m};");
    }
    out.push('\n');
    let mut names: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    for (_, req, resp) in apis {
        names.push(req.name.clone());
        names.push(resp.name.clone());
    }
    names.sort();
    for n in &names {
        let _ = writeln!(out, "pub use {}::{n};", snake(n));
    }

    let mut by_key: BTreeMap<i16, &(String, Spec, Spec)> = BTreeMap::new();
    for a in apis {
        let key = a.1.api_key.ok_or_else(|| format!("{}: no apiKey", a.0))?;
        if a.2.api_key != Some(key) || a.1.valid != a.2.valid {
            return Err(format!("{}: request/response keys or versions differ", a.0));
        }
        by_key.insert(key, a);
    }
    out.push_str("\n/// The Kafka APIs this crate speaks, by key.\n");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[repr(i16)]\npub enum ApiKey {\n");
    for (k, (api, _, _)) in &by_key {
        let _ = writeln!(out, "    /// `{api}` (key {k}).\n    {api} = {k},");
    }
    out.push_str("}\n\nimpl ApiKey {\n");
    let _ = writeln!(
        out,
        "    /// Every key, ascending.\n    pub const ALL: [ApiKey; {}] = [",
        by_key.len()
    );
    for (api, _, _) in by_key.values() {
        let _ = writeln!(out, "        ApiKey::{api},");
    }
    out.push_str("    ];\n\n");
    out.push_str("    /// The key for a wire value, if this crate speaks it.\n    pub fn from_i16(key: i16) -> Option<ApiKey> {\n        match key {\n");
    for (k, (api, _, _)) in &by_key {
        let _ = writeln!(out, "            {k} => Some(ApiKey::{api}),");
    }
    out.push_str("            _ => None,\n        }\n    }\n\n");
    out.push_str("    /// The API's name, as in Kafka's specs.\n    pub fn name(self) -> &'static str {\n        match self {\n");
    for (api, _, _) in by_key.values() {
        let _ = writeln!(out, "            ApiKey::{api} => {api:?},");
    }
    out.push_str("        }\n    }\n\n");
    out.push_str("    /// Versions the generated code speaks (every version in the specs).\n    pub fn versions(self) -> VersionRange {\n        match self {\n");
    for (api, req, _) in by_key.values() {
        let _ = writeln!(
            out,
            "            ApiKey::{api} => {}Request::VERSIONS,",
            api
        );
        let _ = req;
    }
    out.push_str("        }\n    }\n}\n\n");
    out.push_str("impl TryFrom<i16> for ApiKey {\n    type Error = crate::protocol::ProtocolError;\n\n    fn try_from(key: i16) -> Result<Self, Self::Error> {\n        ApiKey::from_i16(key).ok_or(crate::protocol::ProtocolError::Unsupported { what: \"api key\", value: key as i64 })\n    }\n}\n\n");

    out.push_str("/// Decodes a request body of any API at `version`, discarding the value (fuzzing, totality tests).\n");
    out.push_str("pub fn decode_request_body(key: ApiKey, version: i16, d: &mut Decoder) -> ProtocolResult<()> {\n    match key {\n");
    for (api, _, _) in by_key.values() {
        let _ = writeln!(
            out,
            "        ApiKey::{api} => {api}Request::decode(d, version).map(drop),"
        );
    }
    out.push_str("    }\n}\n\n");
    out.push_str("/// Decodes a response body of any API at `version`, discarding the value (fuzzing, totality tests).\n");
    out.push_str("pub fn decode_response_body(key: ApiKey, version: i16, d: &mut Decoder) -> ProtocolResult<()> {\n    match key {\n");
    for (api, _, _) in by_key.values() {
        let _ = writeln!(
            out,
            "        ApiKey::{api} => {api}Response::decode(d, version).map(drop),"
        );
    }
    out.push_str("    }\n}\n\n");
    out.push_str("/// Decodes a whole response frame (header + body, no size prefix) of any API at `version`, returning the\n/// correlation id. The same path as [`crate::protocol::frame::decode_response`].\n");
    out.push_str("pub fn decode_response_frame(key: ApiKey, version: i16, frame: Bytes) -> ProtocolResult<i32> {\n    use crate::protocol::frame::decode_response;\n    match key {\n");
    for (api, _, _) in by_key.values() {
        let _ = writeln!(out, "        ApiKey::{api} => decode_response::<{api}Request>(frame, version).map(|(c, _)| c),");
    }
    out.push_str("    }\n}\n\n");

    out.push_str("#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::protocol::testing::{roundtrip_all_versions, garbage_all_versions};\n\n");
    for n in &names {
        let _ = writeln!(
            out,
            "    #[test]\n    fn {}_roundtrip() {{\n        roundtrip_all_versions::<{n}>();\n    }}\n",
            snake(n)
        );
        let _ = writeln!(
            out,
            "    #[test]\n    fn {}_decode_is_total() {{\n        garbage_all_versions::<{n}>();\n    }}\n",
            snake(n)
        );
    }
    out.push_str("}\n");
    Ok(out)
}
