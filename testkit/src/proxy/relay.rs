//! One relayed connection: a thread copying requests client → broker (remembering each one's API key), and a
//! thread copying responses broker → client, applying the fault chosen for each.

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::frames::{
    flip_bytes, read_frame, request_key, response_correlation_id, rewrite_port, write_frame,
    write_partial,
};
use super::{Fault, Mode, Shared, REORDER_WAIT};

type InFlight = Arc<Mutex<HashMap<i32, i16>>>;

/// Connect to `upstream` and relay `client` through it; on connect failure the client is closed.
pub(crate) fn spawn(client: TcpStream, upstream: &str, shared: Arc<Shared>) {
    let Ok(broker) = TcpStream::connect(upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = broker.set_nodelay(true);
    shared.track(&client);
    shared.track(&broker);
    let in_flight: InFlight = Arc::default();
    let (Ok(client2), Ok(broker2)) = (client.try_clone(), broker.try_clone()) else {
        return;
    };
    let requests = Arc::clone(&in_flight);
    shared.live.fetch_add(1, Ordering::Relaxed);
    let counter = Arc::clone(&shared);
    std::thread::spawn(move || {
        let _ = copy_requests(client, broker, &requests);
        // The client closed its side (or broke it): the connection no longer counts as open.
        counter.live.fetch_sub(1, Ordering::Relaxed);
    });
    std::thread::spawn(move || {
        let _ = copy_responses(broker2, client2, &in_flight, &shared);
    });
}

fn copy_requests(
    mut client: TcpStream,
    mut broker: TcpStream,
    in_flight: &InFlight,
) -> io::Result<()> {
    while let Some(body) = read_frame(&mut client)? {
        if let Some((key, corr)) = request_key(&body) {
            in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(corr, key);
        }
        write_frame(&mut broker, &body)?;
    }
    let _ = broker.shutdown(Shutdown::Write);
    Ok(())
}

fn copy_responses(
    mut broker: TcpStream,
    mut client: TcpStream,
    in_flight: &InFlight,
    shared: &Shared,
) -> io::Result<()> {
    // Once silenced (truncate, black hole), later responses are read and dropped: the socket stays open.
    let mut silent = false;
    // A response held by `Fault::Reorder`, sent after the next one (or alone once the broker is quiet).
    let mut held: Option<Vec<u8>> = None;
    loop {
        if held.is_some() && !more_within(&broker, REORDER_WAIT)? {
            if let Some(late) = held.take() {
                write_frame(&mut client, &late)?;
            }
        }
        let Some(mut body) = read_frame(&mut broker)? else {
            break;
        };
        if silent || shared.stopping() || shared.mode() != Mode::Relay {
            continue;
        }
        let key = response_correlation_id(&body).and_then(|corr| {
            in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&corr)
        });
        let (host, from, to) = &shared.rewrite;
        rewrite_port(&mut body, host, *from, *to);
        match key.and_then(|k| shared.take_fault(k)) {
            None => write_frame(&mut client, &body)?,
            Some(Fault::Truncate { keep }) => {
                write_partial(&mut client, &body, keep)?;
                silent = true;
            }
            Some(Fault::Delay(d)) => {
                std::thread::sleep(d);
                write_frame(&mut client, &body)?;
            }
            Some(Fault::BlackHole) => silent = true,
            Some(Fault::CloseMidFrame) => {
                write_partial(&mut client, &body, body.len() / 2)?;
                let _ = client.shutdown(Shutdown::Both);
                let _ = broker.shutdown(Shutdown::Both);
                return Ok(());
            }
            Some(Fault::Duplicate) => {
                write_frame(&mut client, &body)?;
                write_frame(&mut client, &body)?;
            }
            Some(Fault::ChangeCorrelationId) => {
                if body.len() >= 4 {
                    body[0] ^= 0x40;
                }
                write_frame(&mut client, &body)?;
            }
            Some(Fault::FlipBytes) => {
                flip_bytes(&mut body);
                write_frame(&mut client, &body)?;
            }
            Some(Fault::Reorder) if held.is_none() => {
                held = Some(body);
                continue;
            }
            // A second reorder while one is held: this one goes out in order.
            Some(Fault::Reorder) => write_frame(&mut client, &body)?,
        }
        if let Some(late) = held.take() {
            write_frame(&mut client, &late)?;
            shared.swapped.fetch_add(1, Ordering::Relaxed);
        }
    }
    if let Some(late) = held.take() {
        write_frame(&mut client, &late)?;
    }
    let _ = client.shutdown(Shutdown::Write);
    Ok(())
}

/// Whether the broker sends more within `wait` (peeked, so no partial frame is consumed).
fn more_within(broker: &TcpStream, wait: Duration) -> io::Result<bool> {
    broker.set_read_timeout(Some(wait))?;
    let mut one = [0u8; 1];
    let more = match broker.peek(&mut one) {
        Ok(_) => true,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            false
        }
        Err(e) => return Err(e),
    };
    broker.set_read_timeout(None)?;
    Ok(more)
}
