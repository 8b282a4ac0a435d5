//! Starts a cluster, prints its addresses and keeps it up until Enter (or EOF).
//!
//! `cargo run -p ferrokafka-testkit --example kafka_up -- [4|3.9|3.9-zk] [nodes] [--secure]`

use std::io::BufRead;

use ferrokafka_testkit::{KafkaCluster, KafkaConfig, Listener};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secure = args.iter().any(|a| a == "--secure");
    let mut config = match args.first().map(String::as_str) {
        Some("3.9") => KafkaConfig::kafka39(),
        Some("3.9-zk") => KafkaConfig::kafka39().zookeeper(true),
        _ => KafkaConfig::kafka4().ssl(secure).sasl(secure),
    };
    if let Some(n) = args.get(1).and_then(|n| n.parse().ok()) {
        config = config.nodes(n);
    }
    let start = std::time::Instant::now();
    let cluster = KafkaCluster::start(config)?;
    println!("ready in {:.1}s", start.elapsed().as_secs_f64());
    for l in [
        Listener::Plaintext,
        Listener::Ssl,
        Listener::SaslPlaintext,
        Listener::SaslSsl,
    ] {
        if let Some(addr) = cluster.listener_bootstrap(l) {
            println!("{:<15} {addr}", l.name());
        }
    }
    if let Some(ca) = cluster.ca_pem() {
        println!("CA              {}", ca.display());
    }
    for u in cluster.sasl_users() {
        println!("user            {} / {}", u.username, u.password);
    }
    if let Some(zk) = cluster.zookeeper_connect() {
        println!("zookeeper       {zk}");
    }
    for i in 0..cluster.node_count() {
        println!(
            "node {} pid {:?} log {}",
            cluster.node_id(i)?,
            cluster.node_pid(i)?,
            cluster.node_log(i)?.display()
        );
    }
    println!("press Enter to stop");
    let _ = std::io::stdin().lock().lines().next();
    Ok(())
}
