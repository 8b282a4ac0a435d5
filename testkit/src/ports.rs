//! Free loopback ports, never handed out twice within one process.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::Mutex;

use crate::error::{IoContext, Result};

static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port on 127.0.0.1 that was free a moment ago. The kernel may still give it to someone
/// else before the broker binds it; brokers that fail to bind are retried by their starters.
pub fn free_port() -> Result<u16> {
    let mut guard = HANDED_OUT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let used = guard.get_or_insert_with(HashSet::new);
    loop {
        let listener =
            TcpListener::bind("127.0.0.1:0").ctx(|| "binding a free loopback port".to_string())?;
        let port = listener
            .local_addr()
            .ctx(|| "reading a bound port".to_string())?
            .port();
        if used.insert(port) {
            return Ok(port);
        }
    }
}
