//! What a client shares with its topics, producers and consumers (its own module, so `client` and `topic`
//! both use it without importing each other in a cycle).

use ferrokafka_core::ClientOptions;
use ferrokafka_pure::PureCluster;

/// The pure engine's front door (connections, metadata, the background runtime) and the client's options.
#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) pure: PureCluster,
    pub(crate) options: ClientOptions,
}
