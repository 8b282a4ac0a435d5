//! Type resolution: a spec field's type parsed into [`Ty`] and resolved against its message into a
//! [`FieldInfo`] (Rust type, optionality, and the version sets that drive the emitted code).

use crate::names::ident;
use crate::spec::{Field, Spec};
use crate::vset::VSet;
use crate::Result;

/// A spec type resolved to what the Rust code needs to know about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Prim(&'static str),
    Str,
    Bytes,
    Records,
    Struct(String),
    Array(Box<Ty>),
}

fn parse_ty(t: &str) -> Result<Ty> {
    if let Some(inner) = t.strip_prefix("[]") {
        let inner = parse_ty(inner)?;
        if matches!(inner, Ty::Array(_) | Ty::Records) {
            return Err(format!("unsupported array element {t}"));
        }
        return Ok(Ty::Array(Box::new(inner)));
    }
    Ok(match t {
        "bool" => Ty::Prim("bool"),
        "int8" => Ty::Prim("i8"),
        "int16" => Ty::Prim("i16"),
        "int32" => Ty::Prim("i32"),
        "int64" => Ty::Prim("i64"),
        "uint16" => Ty::Prim("u16"),
        "uint32" => Ty::Prim("u32"),
        "float64" => Ty::Prim("f64"),
        "uuid" => Ty::Prim("uuid"),
        "string" => Ty::Str,
        "bytes" => Ty::Bytes,
        "records" => Ty::Records,
        s if s.starts_with(|c: char| c.is_ascii_uppercase()) => Ty::Struct(s.to_string()),
        s => return Err(format!("unknown type {s}")),
    })
}

/// A field resolved against its message: type and the version sets that drive the code.
pub(crate) struct FieldInfo<'a> {
    pub(crate) f: &'a Field,
    pub(crate) ident: String,
    pub(crate) ty: Ty,
    /// Rust type is `Option<..>` (nullable in some version, or `records`).
    pub(crate) opt: bool,
    pub(crate) present: VSet,
    pub(crate) regular: VSet,
    pub(crate) tagged: VSet,
    pub(crate) nullable_cond: String,
    pub(crate) compact_cond: String,
}

fn rust_ty(ty: &Ty) -> String {
    match ty {
        Ty::Prim("uuid") => "Uuid".into(),
        Ty::Prim(p) => (*p).to_string(),
        Ty::Str => "String".into(),
        Ty::Bytes => "Bytes".into(),
        Ty::Records => "Bytes".into(),
        Ty::Struct(s) => s.clone(),
        Ty::Array(inner) => format!("Vec<{}>", rust_ty(inner)),
    }
}

/// The field's Rust type, `Option<..>` when it can be null.
pub(crate) fn field_rust_ty(fi: &FieldInfo) -> String {
    let t = rust_ty(&fi.ty);
    if fi.opt {
        format!("Option<{t}>")
    } else {
        t
    }
}

/// A nested (or common) struct of a message, emitted in the message's module.
pub(crate) struct StructDef<'a> {
    pub(crate) name: String,
    pub(crate) about: String,
    pub(crate) fields: &'a [Field],
}

/// A message being generated: its spec, flexible versions, and every struct it defines.
pub(crate) struct Ctx<'a> {
    pub(crate) spec: &'a Spec,
    pub(crate) flexible: VSet,
    pub(crate) structs: Vec<StructDef<'a>>,
}

/// Every struct defined inline under `fields`, depth-first; a name defined twice is an error.
pub(crate) fn collect_structs<'a>(fields: &'a [Field], out: &mut Vec<StructDef<'a>>) -> Result<()> {
    for f in fields {
        if let Some(sub) = &f.fields {
            let name = f.ty.trim_start_matches("[]").to_string();
            if out.iter().any(|s| s.name == name) {
                return Err(format!("struct {name} defined twice"));
            }
            out.push(StructDef {
                name,
                about: f.about.clone(),
                fields: sub,
            });
            collect_structs(sub, out)?;
        }
    }
    Ok(())
}

impl<'a> Ctx<'a> {
    /// Some version is flexible (structs then end with a tagged-field section).
    pub(crate) fn flex_any(&self) -> bool {
        !self.flexible.none()
    }

    /// Every version is flexible.
    pub(crate) fn flex_all(&self) -> bool {
        self.flexible.all()
    }

    /// Resolves `f` against this message.
    pub(crate) fn info(&self, f: &'a Field) -> Result<FieldInfo<'a>> {
        let valid = self.spec.valid;
        let ty = parse_ty(&f.ty).map_err(|e| format!("{}: {e}", f.name))?;
        if let Some(s) = struct_elem(&ty) {
            if !self.structs.iter().any(|d| d.name == s) {
                return Err(format!("{}: unknown struct {s}", f.name));
            }
        }
        let present = VSet::from_range(valid, f.versions);
        let nullable_set = VSet::from_range(valid, f.nullable);
        let tagged = VSet::from_range(valid, f.tagged)
            .and(&present)
            .and(&self.flexible);
        let regular = present.and(&tagged.not());
        let nullable_any = !nullable_set.and(&present).none();
        if nullable_any && matches!(ty, Ty::Struct(_) | Ty::Prim(_)) {
            return Err(format!("{}: nullable {:?} unsupported", f.name, ty));
        }
        let opt = nullable_any || ty == Ty::Records;
        let compact_set = match &f.flexible_override {
            Some(r) => VSet::from_range(valid, *r),
            None => self.flexible.clone(),
        };
        let compact_cond = if f.flexible_override.is_none() {
            if self.flexible.none() {
                "false".to_string()
            } else if self.flexible.all() {
                "true".to_string()
            } else {
                "flexible".to_string()
            }
        } else {
            compact_set.cond_within(&regular)
        };
        let nullable_cond = nullable_set.cond_within(&present);
        Ok(FieldInfo {
            f,
            ident: ident(&f.name),
            ty,
            opt,
            present,
            regular,
            tagged,
            nullable_cond,
            compact_cond,
        })
    }
}

/// The struct name of a struct or array-of-struct type.
pub(crate) fn struct_elem(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Struct(s) => Some(s),
        Ty::Array(inner) => match &**inner {
            Ty::Struct(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}
