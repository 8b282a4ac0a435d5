//! Names and doc text: spec names to Rust snake-case identifiers, `about` strings to doc comments.

/// `ApiVersionsRequest` → `api_versions_request` (acronyms stay together: `SaslHandshake` → `sasl_handshake`).
pub(crate) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = if i > 0 { Some(chars[i - 1]) } else { None };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A field's Rust identifier: snake case, raw (`r#type`) when a keyword.
pub(crate) fn ident(name: &str) -> String {
    let s = snake(name);
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
        "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// A `///` line from a spec's `about`, with rustdoc's link and HTML characters escaped.
pub(crate) fn doc(about: &str, indent: &str) -> String {
    let text = about.trim();
    if text.is_empty() {
        return String::new();
    }
    let text = text
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;");
    format!("{indent}/// {text}\n")
}
