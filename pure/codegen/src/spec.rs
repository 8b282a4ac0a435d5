//! The spec model: Kafka's JSON message specs (JSON with `//` comments) parsed into [`Spec`] and [`Field`].

use std::path::Path;

use serde_json::Value;

use crate::Result;

/// An inclusive version range; `hi == i16::MAX` for "N+".
pub(crate) type Range = Option<(i16, i16)>;

/// One field of a message or struct, as the spec writes it (versions still ranges, type still a string).
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) versions: Range,
    pub(crate) nullable: Range,
    pub(crate) tagged: Range,
    pub(crate) tag: Option<u32>,
    pub(crate) ignorable: bool,
    pub(crate) default: Option<String>,
    pub(crate) about: String,
    pub(crate) flexible_override: Option<Range>,
    pub(crate) fields: Option<Vec<Field>>,
}

/// One spec file: a request, response, header or data message.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) api_key: Option<i16>,
    pub(crate) valid: (i16, i16),
    pub(crate) flexible: Range,
    pub(crate) fields: Vec<Field>,
    pub(crate) common: Vec<(String, Vec<Field>)>,
}

/// Reads and parses `<dir>/<name>.json`; errors name the file.
pub(crate) fn load(dir: &Path, name: &str) -> Result<Spec> {
    let path = dir.join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&strip_comments(&text))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    parse_spec(&v).map_err(|e| format!("{name}: {e}"))
}

/// Removes `//` comments outside string literals (the specs are JSON with comments).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut escaped = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        for (i, &c) in bytes.iter().enumerate() {
            if in_str {
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_str = false;
                }
            } else if c == b'"' {
                in_str = true;
            } else if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
                cut = i;
                break;
            }
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn parse_range(s: &str) -> Result<Range> {
    let s = s.trim();
    if s == "none" || s.is_empty() {
        return Ok(None);
    }
    let num = |x: &str| {
        x.trim()
            .parse::<i16>()
            .map_err(|e| format!("bad version {x:?}: {e}"))
    };
    if let Some(lo) = s.strip_suffix('+') {
        return Ok(Some((num(lo)?, i16::MAX)));
    }
    if let Some((lo, hi)) = s.split_once('-') {
        return Ok(Some((num(lo)?, num(hi)?)));
    }
    let v = num(s)?;
    Ok(Some((v, v)))
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_fields(v: &Value) -> Result<Vec<Field>> {
    let arr = match v {
        Value::Array(a) => a,
        _ => return Err("fields is not an array".into()),
    };
    arr.iter().map(parse_field).collect()
}

fn parse_field(v: &Value) -> Result<Field> {
    let name = str_of(v, "name").ok_or("field without name")?;
    let ty = str_of(v, "type").ok_or_else(|| format!("{name}: no type"))?;
    let versions =
        parse_range(&str_of(v, "versions").ok_or_else(|| format!("{name}: no versions"))?)?;
    let nullable = parse_range(&str_of(v, "nullableVersions").unwrap_or_default())?;
    let tagged = parse_range(&str_of(v, "taggedVersions").unwrap_or_default())?;
    let tag = match v.get("tag") {
        Some(t) => Some(t.as_u64().ok_or_else(|| format!("{name}: bad tag"))? as u32),
        None => None,
    };
    if tagged.is_some() != tag.is_some() {
        return Err(format!("{name}: tag and taggedVersions must come together"));
    }
    let flexible_override = match str_of(v, "flexibleVersions") {
        Some(s) => Some(parse_range(&s)?),
        None => None,
    };
    let fields = match v.get("fields") {
        Some(f) => Some(parse_fields(f)?),
        None => None,
    };
    Ok(Field {
        name,
        ty,
        versions,
        nullable,
        tagged,
        tag,
        ignorable: v.get("ignorable").and_then(Value::as_bool).unwrap_or(false),
        default: str_of(v, "default"),
        about: str_of(v, "about").unwrap_or_default(),
        flexible_override,
        fields,
    })
}

fn parse_spec(v: &Value) -> Result<Spec> {
    let name = str_of(v, "name").ok_or("no name")?;
    let kind = str_of(v, "type").ok_or("no type")?;
    let api_key = v.get("apiKey").and_then(Value::as_i64).map(|k| k as i16);
    let valid = parse_range(&str_of(v, "validVersions").ok_or("no validVersions")?)?
        .ok_or("no valid versions")?;
    let flexible = parse_range(&str_of(v, "flexibleVersions").ok_or("no flexibleVersions")?)?;
    let fields = parse_fields(v.get("fields").ok_or("no fields")?)?;
    let mut common = Vec::new();
    if let Some(Value::Array(cs)) = v.get("commonStructs") {
        for c in cs {
            let cname = str_of(c, "name").ok_or("commonStruct without name")?;
            common.push((
                cname,
                parse_fields(c.get("fields").ok_or("commonStruct without fields")?)?,
            ));
        }
    }
    Ok(Spec {
        name,
        kind,
        api_key,
        valid,
        flexible,
        fields,
        common,
    })
}
