//! Unreachable hosts, servers that answer garbage, close mid-frame, or never answer: typed errors, in time,
//! naming the host; never a panic or a hang.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use ferrokafka::{ClientOptions, Error, ErrorKind, KafkaClient};

/// A one-port server that runs `answer` on every connection.
fn fake_server(answer: fn(std::net::TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    addr
}

fn options(hosts: &str, timeout_ms: i64) -> ClientOptions {
    let mut o = ClientOptions::new(hosts);
    o.socket_timeout_ms = timeout_ms;
    o
}

fn read_some(s: &mut std::net::TcpStream) {
    let mut buf = [0u8; 512];
    let _ = s.read(&mut buf);
}

fn assert_fails_in_time(hosts: &str, timeout_ms: i64, limit: Duration) -> Error {
    let started = Instant::now();
    let e = KafkaClient::with_options(options(hosts, timeout_ms)).unwrap_err();
    assert!(
        started.elapsed() < limit,
        "took {:?}: {e}",
        started.elapsed()
    );
    assert!(e.to_string().contains(hosts), "names the host: {e}");
    e
}

#[test]
fn an_unreachable_host_fails_within_socket_timeout() {
    // A refused port: fails fast (three rounds of refusals).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = format!("127.0.0.1:{port}");
    let e = assert_fails_in_time(&refused, 2_000, Duration::from_millis(2_500));
    assert!(e.kind() == ErrorKind::NoBrokersAvailable, "{e}");
    // A blackholed address: bounded by socket_timeout_ms overall.
    let e = assert_fails_in_time("10.255.255.1:9092", 1_500, Duration::from_millis(2_500));
    assert!(e.kind() == ErrorKind::NoBrokersAvailable, "{e}");
    // A name that does not resolve.
    assert_fails_in_time("no-such-host.invalid:9092", 2_000, Duration::from_secs(10));
}

#[test]
fn a_server_answering_garbage_gives_a_protocol_error() {
    let addr = fake_server(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        std::thread::sleep(Duration::from_secs(5));
    });
    let e = assert_fails_in_time(&addr, 2_000, Duration::from_secs(3));
    let text = crate::common::full_text(&e);
    assert!(text.contains("frame length"), "{text}");
}

#[test]
fn a_server_closing_mid_frame_gives_a_disconnect_error() {
    let addr = fake_server(|mut s| {
        read_some(&mut s);
        let _ = s.write_all(&[0, 0, 0, 100, 0, 0, 0, 1, 0]);
    });
    let e = assert_fails_in_time(&addr, 2_000, Duration::from_secs(3));
    let text = crate::common::full_text(&e);
    assert!(text.contains("mid-frame"), "{text}");
}

#[test]
fn a_silent_server_times_out_naming_it() {
    let addr = fake_server(|mut s| {
        read_some(&mut s);
        std::thread::sleep(Duration::from_secs(10));
    });
    let e = assert_fails_in_time(&addr, 1_000, Duration::from_millis(2_000));
    let text = crate::common::full_text(&e);
    assert!(text.contains("timed out"), "{text}");
}

#[test]
fn a_malformed_zookeeper_connect_string_is_a_config_error() {
    let mut o = options("127.0.0.1:9092", 1_000);
    o.zookeeper_hosts = Some("127.0.0.1:notaport".into());
    let e = KafkaClient::with_options(o).unwrap_err();
    assert!(e.kind() == ErrorKind::Config, "{e}");
}
