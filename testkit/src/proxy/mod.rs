//! A fault-injecting TCP proxy on loopback, between a Kafka client and one real broker.
//!
//! Requests pass through untouched (their API key is remembered by correlation id); each response is matched to
//! its request, and a [`Fault`] chosen by that request's API key can be applied to it: truncate, delay,
//! black-hole, close mid-frame, duplicate, change the correlation id, flip bytes. The broker's advertised
//! address in every response (Metadata, FindCoordinator, …) is rewritten to the proxy's, so the client keeps
//! talking through it instead of going around it.
//!
//! Plain threads and blocking sockets: the testkit stays free of an async runtime.

mod black_hole;
mod frames;
mod relay;

use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::error::{IoContext, Result};

pub use black_hole::BlackHole;

/// What the whole proxy does, whatever the rules say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    /// Relay, applying the rules.
    Relay = 0,
    /// A broker that is up but makes no progress: connections are accepted and kept, nothing is answered.
    BlackHole = 1,
    /// A dead broker: every connection is closed and new ones are closed at once.
    Dead = 2,
}

/// What to do to a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Send the right length prefix but only `keep` bytes of the body, then nothing more on this connection
    /// (the socket stays open; later responses are swallowed).
    Truncate {
        /// Body bytes sent before going silent.
        keep: usize,
    },
    /// Hold the response this long, then send it.
    Delay(Duration),
    /// Never send this response nor any later one on this connection; the socket stays open.
    BlackHole,
    /// Send the length prefix and half the body, then close both sockets.
    CloseMidFrame,
    /// Send the response twice.
    Duplicate,
    /// Send the response with a correlation id no request used.
    ChangeCorrelationId,
    /// Invert every 7th byte of the body after the correlation id.
    FlipBytes,
    /// Hold the response and send it right after the next response on this connection (the two are
    /// swapped); if the broker sends nothing more within [`REORDER_WAIT`], send it alone.
    Reorder,
}

/// Longest a [`Fault::Reorder`] response is held waiting for one to swap with.
pub const REORDER_WAIT: Duration = Duration::from_millis(500);

#[derive(Debug)]
struct Rule {
    api_key: i16,
    fault: Fault,
    /// How many more responses it applies to; `None`: all.
    remaining: Option<u32>,
}

#[derive(Debug, Default)]
struct Rules {
    rules: Vec<Rule>,
    fired: u32,
}

/// State shared by the accept loop and every relayed connection.
#[derive(Debug)]
pub(crate) struct Shared {
    rules: Mutex<Rules>,
    stopping: AtomicBool,
    sockets: Mutex<Vec<TcpStream>>,
    mode: AtomicU8,
    /// Relayed connections still open.
    pub(crate) live: AtomicUsize,
    /// Pairs of responses sent in swapped order.
    pub(crate) swapped: AtomicUsize,
    /// `host` bytes and big-endian upstream port as the broker advertises them, and the proxy's port.
    pub(crate) rewrite: (Vec<u8>, [u8; 4], [u8; 4]),
}

impl Shared {
    fn rules(&self) -> MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The fault for a response to `api_key`, counting it down.
    pub(crate) fn take_fault(&self, api_key: i16) -> Option<Fault> {
        let mut r = self.rules();
        let i = r
            .rules
            .iter()
            .position(|rule| rule.api_key == api_key && rule.remaining.is_none_or(|n| n > 0))?;
        let rule = &mut r.rules[i];
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        let fault = rule.fault;
        r.fired += 1;
        Some(fault)
    }

    pub(crate) fn mode(&self) -> Mode {
        match self.mode.load(Ordering::Relaxed) {
            1 => Mode::BlackHole,
            2 => Mode::Dead,
            _ => Mode::Relay,
        }
    }

    fn close_all(&self) {
        for s in self
            .sockets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    pub(crate) fn track(&self, s: &TcpStream) {
        if let Ok(c) = s.try_clone() {
            self.sockets
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(c);
        }
    }
}

/// A running proxy; stops (closing every relayed connection) when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    addr: String,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listen on a free loopback port and relay every connection to `upstream` (`host:port` of one broker, as it
    /// advertises itself).
    pub fn start(upstream: &str) -> Result<FaultProxy> {
        let (host, port) = upstream
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
            .ok_or_else(|| {
                crate::TestkitError::Config(format!("proxy upstream {upstream:?} is not host:port"))
            })?;
        let listener =
            TcpListener::bind("127.0.0.1:0").ctx(|| "binding the fault proxy".to_string())?;
        let own_port = listener
            .local_addr()
            .ctx(|| "reading the proxy's port".to_string())?
            .port();
        let shared = Arc::new(Shared {
            rules: Mutex::new(Rules::default()),
            stopping: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
            swapped: AtomicUsize::new(0),
            mode: AtomicU8::new(Mode::Relay as u8),
            rewrite: (
                host.as_bytes().to_vec(),
                i32::from(port).to_be_bytes(),
                i32::from(own_port).to_be_bytes(),
            ),
        });
        let upstream = upstream.to_string();
        let accept_shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if accept_shared.stopping() {
                    return;
                }
                let Ok(client) = client else { continue };
                match accept_shared.mode() {
                    Mode::Relay => relay::spawn(client, &upstream, Arc::clone(&accept_shared)),
                    Mode::BlackHole => accept_shared.track(&client),
                    Mode::Dead => drop(client),
                }
            }
        });
        Ok(FaultProxy {
            addr: format!("127.0.0.1:{own_port}"),
            shared,
        })
    }

    /// `127.0.0.1:port` to use as the client's bootstrap address.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Apply `fault` to the next `times` responses to `api_key` (`None`: to every one), after earlier rules.
    pub fn inject(&self, api_key: i16, fault: Fault, times: Option<u32>) {
        self.shared.rules().rules.push(Rule {
            api_key,
            fault,
            remaining: times,
        });
    }

    /// Remove every rule (faults already applied stay applied: a silenced connection stays silent).
    pub fn clear(&self) {
        self.shared.rules().rules.clear();
    }

    /// Switch the whole proxy to `mode`. [`Mode::Dead`] closes every open connection now.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.mode.store(mode as u8, Ordering::Relaxed);
        if mode == Mode::Dead {
            self.shared.close_all();
        }
    }

    /// How many client connections are open through the proxy now (until the client closes its side).
    pub fn open_connections(&self) -> usize {
        self.shared.live.load(Ordering::Relaxed)
    }

    /// How many pairs of responses [`Fault::Reorder`] really swapped (the others went out alone, late).
    pub fn swapped(&self) -> usize {
        self.shared.swapped.load(Ordering::Relaxed)
    }

    /// How many responses a fault was applied to so far.
    pub fn fired(&self) -> u32 {
        self.shared.rules().fired
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(&self.addr);
        self.shared.close_all();
    }
}
