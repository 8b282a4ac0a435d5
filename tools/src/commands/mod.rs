//! One module per group of subcommands; each takes the connected client and prints a table or JSON.

pub mod consume;
pub mod consume_topic;
pub mod groups;
pub mod offsets;
pub mod produce;
pub mod topics;

use ferrokafka::{KafkaClient, Topic};

use crate::error::{CliError, CliResult};

/// What every subcommand gets.
pub struct Ctx {
    pub client: KafkaClient,
    /// `--json`: JSON instead of tables.
    pub json: bool,
}

impl Ctx {
    /// The topic, which must already exist: looked up in the metadata, never auto-created (PyKafka checks
    /// `topic in client.topics` first for the same reason).
    pub fn existing_topic(&self, name: &str) -> CliResult<Topic> {
        if !self.client.topics().contains(name) {
            self.client.update_cluster()?;
            if !self.client.topics().contains(name) {
                return Err(CliError::Other(format!("topic {name:?} does not exist")));
            }
        }
        Ok(self.client.topic(name)?)
    }
}
