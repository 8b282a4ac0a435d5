//! A loopback listener that accepts connections and never answers: a broker that is "up" at the TCP level
//! but makes no progress, for timeout bounds.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{IoContext, Result};

/// Accepts, reads nothing, answers nothing. Closes every connection when dropped.
#[derive(Debug)]
pub struct BlackHole {
    addr: String,
    stopping: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl BlackHole {
    /// Listen on a free loopback port.
    pub fn start() -> Result<BlackHole> {
        let listener =
            TcpListener::bind("127.0.0.1:0").ctx(|| "binding the black hole".to_string())?;
        let addr = listener
            .local_addr()
            .ctx(|| "reading the black hole's port".to_string())?
            .to_string();
        let stopping = Arc::new(AtomicBool::new(false));
        let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (flag, keep) = (Arc::clone(&stopping), Arc::clone(&held));
        std::thread::spawn(move || {
            for s in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                if let Ok(s) = s {
                    keep.lock().unwrap_or_else(|e| e.into_inner()).push(s);
                }
            }
        });
        Ok(BlackHole {
            addr,
            stopping,
            held,
        })
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> &str {
        &self.addr
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(&self.addr);
        for s in self
            .held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}
