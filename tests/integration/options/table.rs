//! The option → test table in `tests/README.md` is checked against the option structs and builders: every
//! field needs a row, every row must name an existing field, and every test a row names must exist. A new
//! option without a test fails here.

use std::collections::BTreeSet;
use std::path::Path;

const TABLE: &str = include_str!("../../README.md");

/// `(type name, its source)`: the option structs, then the builders whose own fields are builder-only settings.
const SOURCES: &[(&str, &str)] = &[
    (
        "ClientOptions",
        include_str!("../../../core/src/options/client.rs"),
    ),
    (
        "SslConfig",
        include_str!("../../../core/src/options/client.rs"),
    ),
    (
        "SaslConfig",
        include_str!("../../../core/src/options/client.rs"),
    ),
    (
        "ProducerOptions",
        include_str!("../../../core/src/options/producer.rs"),
    ),
    (
        "ConsumerOptions",
        include_str!("../../../core/src/options/consumer.rs"),
    ),
    (
        "GroupOptions",
        include_str!("../../../core/src/options/group.rs"),
    ),
    ("ProducerBuilder", include_str!("../../../src/producer.rs")),
    (
        "SimpleConsumerBuilder",
        include_str!("../../../src/consumer.rs"),
    ),
    (
        "BalancedConsumerBuilder",
        include_str!("../../../src/balanced.rs"),
    ),
];

/// Builder fields that hold the option structs or the target, not a setting of their own.
const NOT_SETTINGS: &[&str] = &["topic", "options", "group"];

/// Builder fields whose setter has another name.
const SETTER_NAMES: &[(&str, &str)] = &[("callback", "post_rebalance_callback")];

/// The field names of `struct name { ... }` in `source` (one field per line, as rustfmt writes them).
fn fields(source: &str, name: &str) -> Vec<String> {
    let header = format!("pub struct {name} {{");
    let start = source
        .find(&header)
        .unwrap_or_else(|| panic!("no `{header}` in its source file"));
    let body = &source[start + header.len()..];
    let end = body.find("\n}").expect("struct body ends with a `}` line");
    body[..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//") && !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("pub ").unwrap_or(l).split_once(':'))
        .map(|(field, _)| field.trim().to_string())
        .filter(|f| !f.is_empty() && f.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()))
        .filter(|f| !NOT_SETTINGS.contains(&f.as_str()))
        .map(|f| {
            SETTER_NAMES
                .iter()
                .find(|(field, _)| *field == f)
                .map_or(f.clone(), |(_, setter)| setter.to_string())
        })
        .collect()
}

/// One table row: type, option, and the `path::fn` tests it names.
struct Row {
    owner: String,
    option: String,
    tests: Vec<(String, String)>,
}

fn rows() -> Vec<Row> {
    let start = TABLE
        .find("<!-- options:start -->")
        .expect("table start marker");
    let end = TABLE
        .find("<!-- options:end -->")
        .expect("table end marker");
    TABLE[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let unquote = |s: &str| s.trim_matches('`').to_string();
            let tests = cells[3]
                .split(',')
                .map(|t| unquote(t.trim()))
                .filter(|t| !t.is_empty())
                .map(|t| {
                    let (path, func) = t
                        .rsplit_once("::")
                        .unwrap_or_else(|| panic!("{line}: test {t:?} is not path::fn"));
                    (path.to_string(), func.to_string())
                })
                .collect();
            Row {
                owner: unquote(cells[1]),
                option: unquote(cells[2]),
                tests,
            }
        })
        .collect()
}

/// Whether `source` defines a function called exactly `name`.
fn defines(source: &str, name: &str) -> bool {
    let needle = format!("fn {name}");
    source.match_indices(&needle).any(|(i, _)| {
        !source[i + needle.len()..].starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric())
    })
}

#[test]
fn every_option_has_a_row_and_every_row_names_existing_tests() {
    let rows = rows();
    let listed: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.owner.clone(), r.option.clone()))
        .collect();
    let mut options = BTreeSet::new();
    for (owner, source) in SOURCES {
        for field in fields(source, owner) {
            options.insert((owner.to_string(), field));
        }
    }
    assert!(
        options.len() > 60,
        "the struct parse found only {options:?}"
    );

    let missing: Vec<_> = options.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "options without a row in tests/README.md: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&options).collect();
    assert!(stale.is_empty(), "rows naming no option field: {stale:?}");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for row in &rows {
        if row.tests.is_empty() {
            problems.push(format!("{}.{}: no test", row.owner, row.option));
        }
        for (path, func) in &row.tests {
            let source = std::fs::read_to_string(root.join(path)).unwrap_or_default();
            if path.contains("..") || !defines(&source, func) {
                problems.push(format!(
                    "{}.{}: no `fn {func}` in {path}",
                    row.owner, row.option
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_checker_sees_fields_and_functions() {
    let fields = fields(
        "pub struct X {\n    /// doc\n    pub a_b: i64,\n    c: Option<T>,\n    topic: T,\n}\n",
        "X",
    );
    assert_eq!(fields, vec!["a_b", "c"]);
    assert!(defines("fn abc() {}", "abc"));
    assert!(!defines("fn abcd() {}", "abc"));
}
