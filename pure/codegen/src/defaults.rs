//! Default values: the Rust expression of a field's default (Java's rules), and the "differs from its default"
//! test used for absent and tagged fields.

use crate::resolve::{FieldInfo, Ty};
use crate::Result;

fn parse_int(s: &str) -> Result<i128> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let v = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i128::from_str_radix(h, 16)
    } else {
        body.parse::<i128>()
    }
    .map_err(|e| format!("bad integer default {s:?}: {e}"))?;
    Ok(if neg { -v } else { v })
}

/// The Rust expression of a field's default value (Java's rules: 0, false, "", empty, zero uuid, else `default`).
pub(crate) fn default_expr(fi: &FieldInfo) -> Result<String> {
    let d = fi.f.default.as_deref();
    if fi.opt && (d == Some("null") || fi.ty == Ty::Records) {
        return Ok("None".into());
    }
    if d == Some("null") {
        return Err(format!("{}: default null but not nullable", fi.f.name));
    }
    let inner = match &fi.ty {
        Ty::Prim("bool") => match d {
            None | Some("false") => "false".into(),
            Some("true") => "true".into(),
            Some(x) => return Err(format!("bad bool default {x}")),
        },
        Ty::Prim("f64") => match d {
            None => "0.0".into(),
            Some(x) => {
                let v: f64 = x
                    .parse()
                    .map_err(|e| format!("bad float default {x}: {e}"))?;
                format!("{v:?}")
            }
        },
        Ty::Prim("uuid") => match d {
            None => "Uuid::ZERO".into(),
            Some(x) => return Err(format!("uuid defaults unsupported: {x}")),
        },
        Ty::Prim(p) => {
            let v = match d {
                None => 0,
                Some(x) => parse_int(x)?,
            };
            let (min, max): (i128, i128) = match *p {
                "i8" => (i8::MIN.into(), i8::MAX.into()),
                "i16" => (i16::MIN.into(), i16::MAX.into()),
                "i32" => (i32::MIN.into(), i32::MAX.into()),
                "i64" => (i64::MIN.into(), i64::MAX.into()),
                "u16" => (0, u16::MAX.into()),
                "u32" => (0, u32::MAX.into()),
                _ => return Err(format!("no int type {p}")),
            };
            if v < min || v > max {
                return Err(format!("{}: default {v} out of range", fi.f.name));
            }
            if v == min && v < 0 {
                format!("{p}::MIN")
            } else if v == max && v > 0xffff {
                format!("{p}::MAX")
            } else {
                v.to_string()
            }
        }
        Ty::Str => match d {
            None | Some("") => "String::new()".into(),
            Some(x) => format!("String::from({x:?})"),
        },
        Ty::Bytes | Ty::Records => match d {
            None => "Bytes::new()".into(),
            Some(x) => return Err(format!("bytes defaults unsupported: {x}")),
        },
        Ty::Struct(s) => match d {
            None => format!("{s}::default()"),
            Some(x) => return Err(format!("struct defaults unsupported: {x}")),
        },
        Ty::Array(_) => match d {
            None => "Vec::new()".into(),
            Some(x) => return Err(format!("array defaults unsupported: {x}")),
        },
    };
    Ok(if fi.opt {
        format!("Some({inner})")
    } else {
        inner
    })
}

/// A Rust boolean expression: true when `self.<field>` differs from its default.
pub(crate) fn non_default_expr(fi: &FieldInfo) -> Result<String> {
    let acc = format!("self.{}", fi.ident);
    let def = default_expr(fi)?;
    Ok(match def.as_str() {
        "None" => format!("{acc}.is_some()"),
        "false" => acc,
        "true" => format!("!{acc}"),
        "String::new()" | "Bytes::new()" | "Vec::new()" => format!("!{acc}.is_empty()"),
        _ if def.ends_with("::default()") => format!("{acc} != {def}"),
        _ => format!("{acc} != {def}"),
    })
}
