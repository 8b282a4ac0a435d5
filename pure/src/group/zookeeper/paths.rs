//! PyKafka 2.8's znode layout for a ZooKeeper-coordinated group, so PyKafka and ferrokafka members of one group
//! see each other:
//!
//! - `/consumers/<group>/ids/<consumer_id>`: ephemeral, data = the topic name;
//! - `/consumers/<group>/owners/b'<topic>'/<leader_id>-<partition_id>`: ephemeral, data = the owner's id.
//!
//! The owners segment is what PyKafka writes under Python 3: it formats the topic's *bytes* name, so the
//! segment is the literal `b'<topic>'` (PyKafka issue #888). Python 2 members would write `<topic>`; every
//! PyKafka 2.8 installation today runs Python 3, so ferrokafka writes and reads the `b'…'` form.

/// The znode paths of one member of one group reading one topic.
#[derive(Debug, Clone)]
pub struct ZkPaths {
    /// `/consumers/<group>/ids`: one child per member.
    pub ids: String,
    /// `/consumers/<group>/owners/b'<topic>'`: one child per owned partition.
    pub owners: String,
}

impl ZkPaths {
    pub fn new(group: &str, topic: &str) -> Self {
        ZkPaths {
            ids: format!("/consumers/{group}/ids"),
            owners: format!("/consumers/{group}/owners/{}", owners_segment(topic)),
        }
    }

    /// This member's registration node.
    pub fn member(&self, consumer_id: &str) -> String {
        format!("{}/{consumer_id}", self.ids)
    }

    /// The ownership node of `partition`, named after its current leader as PyKafka names it.
    pub fn owner(&self, leader: i32, partition: i32) -> String {
        format!("{}/{}", self.owners, owner_slug(leader, partition))
    }

    /// The ownership node called `slug` (as listed).
    pub fn owner_slug_path(&self, slug: &str) -> String {
        format!("{}/{slug}", self.owners)
    }
}

/// Python 3's `'{}'.format(b'topic')`. Topic names are `[a-zA-Z0-9._-]`, so no escaping can occur.
pub fn owners_segment(topic: &str) -> String {
    format!("b'{topic}'")
}

/// `<leader_id>-<partition_id>`.
pub fn owner_slug(leader: i32, partition: i32) -> String {
    format!("{leader}-{partition}")
}

/// The partition id of an ownership node name (PyKafka: `int(slug.split('-')[1])`); `None` if malformed.
pub fn partition_of_slug(slug: &str) -> Option<i32> {
    slug.split('-').nth(1)?.parse().ok()
}

/// PyKafka's `"{hostname}:{uuid4}"`.
pub fn new_consumer_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty() && !h.contains('/'))
        .unwrap_or_else(|| "ferrokafka".to_string());
    format!("{host}:{}", uuid4())
}

/// A random (version 4) UUID in its hyphenated form.
fn uuid4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pykafka_layout() {
        let p = ZkPaths::new("g", "t.1");
        assert_eq!(p.ids, "/consumers/g/ids");
        assert_eq!(p.owners, "/consumers/g/owners/b't.1'");
        assert_eq!(p.owner(3, 10), "/consumers/g/owners/b't.1'/3-10");
        assert_eq!(p.member("h:u"), "/consumers/g/ids/h:u");
    }

    #[test]
    fn slugs() {
        assert_eq!(partition_of_slug("1-10"), Some(10));
        assert_eq!(partition_of_slug("x"), None);
        assert_eq!(partition_of_slug("1-x"), None);
    }

    #[test]
    fn consumer_ids_are_unique_uuid4s() {
        let (a, b) = (new_consumer_id(), new_consumer_id());
        assert_ne!(a, b);
        let uuid = a.rsplit_once(':').map(|(_, u)| u).unwrap_or_default();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid.as_bytes()[14], b'4');
    }
}
