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

/// `--use-rdkafka` in a build without librdkafka: say which build has it, before any work is done.
pub fn check_engine(use_rdkafka: bool) -> CliResult<()> {
    if use_rdkafka && !cfg!(feature = "native") {
        return Err(CliError::usage(
            "--use-rdkafka needs the librdkafka engine: this kafka-tools was built without the `native` feature \
             (rebuild without --no-default-features, or with --features native)",
        ));
    }
    Ok(())
}
