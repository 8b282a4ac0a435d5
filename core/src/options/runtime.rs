//! A caller's tokio runtime, carried in `ClientOptions` (compared by identity, so options stay `Eq`).

use std::fmt;
use std::sync::Arc;

use tokio::runtime::{Handle, RuntimeFlavor};

use crate::error::{Error, Result};

/// A handle to the caller's tokio runtime (see [`ClientOptions::runtime`](super::ClientOptions::runtime)).
/// Two `RuntimeHandle`s are equal when they are clones of one value.
#[derive(Clone)]
pub struct RuntimeHandle(Arc<Handle>);

impl RuntimeHandle {
    /// Wrap `handle`.
    pub fn new(handle: Handle) -> Self {
        RuntimeHandle(Arc::new(handle))
    }

    /// The tokio handle.
    pub fn handle(&self) -> &Handle {
        &self.0
    }

    /// Blocking calls need `block_in_place`, which only a multi-thread runtime has.
    pub(crate) fn validate(&self) -> Result<()> {
        match self.0.runtime_flavor() {
            RuntimeFlavor::MultiThread => Ok(()),
            other => Err(Error::config(
                "runtime",
                format!("must be a multi-thread tokio runtime, got {other:?}"),
            )),
        }
    }
}

impl PartialEq for RuntimeHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RuntimeHandle {}

impl fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RuntimeHandle")
            .field(&self.0.runtime_flavor())
            .finish()
    }
}
