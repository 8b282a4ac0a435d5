//! Human output (aligned tables, like PyKafka's `tabulate`) and JSON output (one compact document per
//! line), written to stdout. A closed stdout surfaces as a broken-pipe `CliError`, which `main` treats as
//! the reader being done.

use std::io::Write;

use crate::error::{CliError, CliResult};

/// Columns whose cells are all numbers (or `-`) are right-aligned, the rest left-aligned.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let width: Vec<usize> = (0..n)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .chain(std::iter::once(&self.headers[c]))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric: Vec<bool> = (0..n)
            .map(|c| {
                !self.rows.is_empty()
                    && self.rows.iter().all(|r| {
                        r.get(c)
                            .is_some_and(|s| s == "-" || s.replace(',', "").parse::<i64>().is_ok())
                    })
            })
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = (0..n)
                .map(|c| {
                    let s = cells.get(c).map_or("", String::as_str);
                    match numeric[c] {
                        true => format!("{s:>w$}", w = width[c]),
                        false => format!("{s:<w$}", w = width[c]),
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        let mut out = vec![line(&self.headers), line(&rule)];
        out.extend(self.rows.iter().map(|r| line(r)));
        out.join("\n") + "\n"
    }
}

/// `1234567` → `1,234,567` (PyKafka's `'{:,}'`).
pub fn thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

/// Write text to stdout, as is.
pub fn print(text: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::io("writing to stdout", e))
}

/// Write one JSON document on one line.
pub fn print_json(value: &serde_json::Value) -> CliResult<()> {
    print(&format!("{value}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_text_left() {
        let mut t = Table::new(&["Topic", "Partitions"]);
        t.row(vec!["a".into(), "3".into()]);
        t.row(vec!["long-name".into(), "12".into()]);
        assert_eq!(
            t.render(),
            "Topic      Partitions\n---------  ----------\na                   3\nlong-name          12\n"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }
}
