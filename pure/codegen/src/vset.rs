//! Version sets: which versions of a message a property holds for, and the Rust conditions they turn into.

use crate::spec::Range;

/// Which versions of the message (`lo..=hi`) a property holds for.
#[derive(Clone, PartialEq)]
pub(crate) struct VSet {
    pub(crate) lo: i16,
    pub(crate) bits: Vec<bool>,
}

impl VSet {
    pub(crate) fn from_range(valid: (i16, i16), r: Range) -> VSet {
        let bits = (valid.0..=valid.1)
            .map(|v| matches!(r, Some((a, b)) if a <= v && v <= b))
            .collect();
        VSet { lo: valid.0, bits }
    }
    pub(crate) fn and(&self, o: &VSet) -> VSet {
        VSet {
            lo: self.lo,
            bits: self
                .bits
                .iter()
                .zip(&o.bits)
                .map(|(a, b)| *a && *b)
                .collect(),
        }
    }
    pub(crate) fn not(&self) -> VSet {
        VSet {
            lo: self.lo,
            bits: self.bits.iter().map(|a| !a).collect(),
        }
    }
    pub(crate) fn all(&self) -> bool {
        self.bits.iter().all(|b| *b)
    }
    pub(crate) fn none(&self) -> bool {
        self.bits.iter().all(|b| !*b)
    }
    pub(crate) fn versions(&self) -> impl Iterator<Item = i16> + '_ {
        self.bits
            .iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .map(move |(i, _)| self.lo + i as i16)
    }
    /// A Rust boolean expression over `version`, or `true`/`false`.
    pub(crate) fn cond(&self) -> String {
        if self.all() {
            return "true".into();
        }
        if self.none() {
            return "false".into();
        }
        let hi = self.lo + self.bits.len() as i16 - 1;
        let mut runs: Vec<(i16, i16)> = Vec::new();
        for v in self.versions() {
            match runs.last_mut() {
                Some((_, b)) if *b + 1 == v => *b = v,
                _ => runs.push((v, v)),
            }
        }
        let run = |(a, b): (i16, i16)| -> String {
            if b == hi {
                format!("version >= {a}")
            } else if a == self.lo {
                format!("version <= {b}")
            } else if a == b {
                format!("version == {a}")
            } else {
                format!("({a}..={b}).contains(&version)")
            }
        };
        if runs.len() == 1 {
            return run(runs[0]);
        }
        let pats: Vec<String> = runs
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}..={b}")
                }
            })
            .collect();
        format!("matches!(version, {})", pats.join(" | "))
    }
    /// Like [`VSet::cond`], but versions outside `care` may go either way (pick the simpler expression).
    pub(crate) fn cond_within(&self, care: &VSet) -> String {
        let with_true = VSet {
            lo: self.lo,
            bits: self
                .bits
                .iter()
                .zip(&care.bits)
                .map(|(b, c)| *b || !*c)
                .collect(),
        };
        if with_true.all() {
            return "true".into();
        }
        if self.and(care).none() {
            return "false".into();
        }
        self.cond()
    }
}
