//! Broker discovery through ZooKeeper (PyKafka's `KafkaClient(zookeeper_hosts=...)`): list
//! `/brokers/ids` and read each `/brokers/ids/<id>` JSON node for the broker's address. The addresses
//! found become the bootstrap seeds in place of `hosts`. Only ZooKeeper-mode Kafka clusters register
//! there; a chroot suffix (`zk1:2181,zk2:2181/kafka`) is honoured.
//!
//! The whole discovery is bounded by `n_zk_hosts * 3 * socket_timeout_ms`, as in PyKafka.

use std::time::Duration;

use ferrokafka_core::Error;

const IDS_PATH: &str = "/brokers/ids";

/// The `(host, port)` of every broker registered in the ZooKeeper ensemble `zk_hosts`.
pub async fn discover_brokers(
    zk_hosts: &str,
    socket_timeout: Duration,
) -> Result<Vec<(String, u16)>, Error> {
    let n_hosts = zk_hosts
        .split('/')
        .next()
        .unwrap_or_default()
        .split(',')
        .filter(|h| !h.trim().is_empty())
        .count();
    if n_hosts == 0 {
        return Err(Error::config(
            "zookeeper_hosts",
            format!("no ZooKeeper host in {zk_hosts:?}"),
        ));
    }
    let budget = socket_timeout
        .saturating_mul(3_u32.saturating_mul(u32::try_from(n_hosts).unwrap_or(u32::MAX)));
    match tokio::time::timeout(budget, discover(zk_hosts, budget)).await {
        Ok(result) => result,
        Err(_) => Err(unavailable(
            zk_hosts,
            format!("ZooKeeper did not answer within {} ms", budget.as_millis()),
        )),
    }
}

fn unavailable(zk_hosts: &str, reason: impl Into<String>) -> Error {
    Error::no_brokers_available(format!("ZooKeeper {zk_hosts}"), reason.into())
}

async fn discover(zk_hosts: &str, budget: Duration) -> Result<Vec<(String, u16)>, Error> {
    let client = zookeeper_client::Client::connector()
        .with_connection_timeout(budget)
        // ZooKeeper clamps this to [2, 20] ticks; the session lives only as long as the discovery.
        .with_session_timeout(budget.max(Duration::from_secs(6)))
        .with_readonly(true)
        .connect(zk_hosts)
        .await
        .map_err(|e| match e {
            zookeeper_client::Error::BadArguments(why) => {
                Error::config("zookeeper_hosts", format!("{zk_hosts:?}: {why}"))
            }
            other => unavailable(zk_hosts, format!("cannot connect to ZooKeeper: {other}")),
        })?;
    let ids = match client.list_children(IDS_PATH).await {
        Ok(ids) => ids,
        Err(zookeeper_client::Error::NoNode) => {
            return Err(unavailable(
                zk_hosts,
                format!(
                "{IDS_PATH} does not exist (not a ZooKeeper-mode Kafka cluster, or wrong chroot?)"
            ),
            ))
        }
        Err(e) => return Err(unavailable(zk_hosts, format!("listing {IDS_PATH}: {e}"))),
    };
    let mut brokers = Vec::with_capacity(ids.len());
    for id in ids {
        let path = format!("{IDS_PATH}/{id}");
        let data = match client.get_data(&path).await {
            Ok((data, _stat)) => data,
            // Deregistered between the listing and the read.
            Err(zookeeper_client::Error::NoNode) => continue,
            Err(e) => return Err(unavailable(zk_hosts, format!("reading {path}: {e}"))),
        };
        match parse_registration(&data) {
            Some(addr) => brokers.push(addr),
            None => tracing::warn!(
                path = %path,
                "ZooKeeper broker registration has no usable host/port; skipped"
            ),
        }
    }
    if brokers.is_empty() {
        return Err(unavailable(
            zk_hosts,
            format!("no broker registered under {IDS_PATH}"),
        ));
    }
    brokers.sort();
    brokers.dedup();
    Ok(brokers)
}

/// `{"host":"h","port":9092,...}`, or for brokers with only `endpoints`, the PLAINTEXT one (else the first).
fn parse_registration(data: &[u8]) -> Option<(String, u16)> {
    let json: serde_json::Value = serde_json::from_slice(data).ok()?;
    let host = json.get("host").and_then(|h| h.as_str()).unwrap_or("");
    let port = json
        .get("port")
        .and_then(|p| p.as_i64())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(0);
    if !host.is_empty() && port > 0 {
        return Some((host.to_owned(), port));
    }
    let endpoints: Vec<&str> = json
        .get("endpoints")?
        .as_array()?
        .iter()
        .filter_map(|e| e.as_str())
        .collect();
    let chosen = endpoints
        .iter()
        .find(|e| e.starts_with("PLAINTEXT://"))
        .or_else(|| endpoints.first())?;
    parse_endpoint(chosen)
}

/// `PLAINTEXT://host:port`, `SSL://[::1]:9093`, `NAME://:9092` (empty host: not usable).
fn parse_endpoint(endpoint: &str) -> Option<(String, u16)> {
    let (_, addr) = endpoint.split_once("://")?;
    let (host, port) = addr.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: u16 = port.parse().ok()?;
    if host.is_empty() || port == 0 {
        return None;
    }
    Some((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_with_host_and_port() {
        let json = br#"{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://b1:9092"],"jmx_port":-1,"host":"b1","timestamp":"1","port":9092,"version":5}"#;
        assert_eq!(parse_registration(json), Some(("b1".into(), 9092)));
    }

    #[test]
    fn registration_with_endpoints_only() {
        let json = br#"{"endpoints":["SSL://s:9093","PLAINTEXT://p:9092"],"host":null,"port":-1}"#;
        assert_eq!(parse_registration(json), Some(("p".into(), 9092)));
        let json = br#"{"endpoints":["SASL_SSL://[::1]:9094"]}"#;
        assert_eq!(parse_registration(json), Some(("::1".into(), 9094)));
    }

    #[test]
    fn unusable_registrations() {
        assert_eq!(parse_registration(b"not json"), None);
        assert_eq!(parse_registration(br#"{"endpoints":[]}"#), None);
        assert_eq!(
            parse_registration(br#"{"endpoints":["PLAINTEXT://:9092"]}"#),
            None
        );
    }
}
