//! A librdkafka property set: ordered, last write wins, secrets redacted in `Debug`, and the passthrough
//! (`extra`) that may not override what ferrokafka owns.

use std::fmt;

use ferrokafka_core::{Error, Result};
use rdkafka::config::ClientConfig;

/// Properties ferrokafka relies on; the passthrough may not change them.
const PROTECTED: &[&str] = &[
    "enable.auto.commit",
    "auto.commit.enable",
    "enable.auto.offset.store",
    "group.id",
    "delivery.report.only.error",
    "dr_msg_cb",
    "dr_cb",
];

/// A librdkafka configuration as ordered `(key, value)` pairs. `Debug` redacts secrets.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NativeConfig {
    entries: Vec<(String, String)>,
}

impl NativeConfig {
    /// Set a property, replacing an earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// A property's value, as set so far.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every property in the order set (the order librdkafka receives them).
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// Apply raw librdkafka properties last; properties ferrokafka depends on are refused.
    pub fn apply_extra(&mut self, extra: &[(String, String)]) -> Result<()> {
        for (k, v) in extra {
            if PROTECTED.contains(&k.as_str()) {
                return Err(Error::config(
                    format!("extra property {k}"),
                    "is managed by ferrokafka (it owns offsets and delivery reports)",
                ));
            }
            self.set(k.clone(), v.clone());
        }
        Ok(())
    }

    /// The rdkafka crate's config.
    pub fn to_client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        for (k, v) in &self.entries {
            c.set(k, v);
        }
        c
    }
}

/// Whether a property holds a secret.
pub fn is_secret(key: &str) -> bool {
    key.contains("password")
        || key.contains("secret")
        || key.ends_with(".pem")
        || key == "sasl.oauthbearer.config"
}

impl fmt::Debug for NativeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.entries {
            if is_secret(k) {
                m.entry(k, &"<redacted>");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}
