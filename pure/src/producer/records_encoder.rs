//! The real [`RecordEncoder`]: RecordBatch v2 or MessageSet v0/v1 from the `records` module, one compressed
//! batch per partition.

use bytes::Bytes;
use ferrokafka_core::{Compression, Error, ErrorContext, OutgoingMessage, Result};

use super::batch::{BatchIdentity, RecordEncoder, RecordFormat};
use crate::protocol::ProtocolError;
use crate::records::{BatchOptions, Header, MessageSetBuilder, RecordBatchBuilder};

/// Encodes with the `records` builders.
#[derive(Debug, Default, Clone, Copy)]
pub struct RecordsEncoder;

fn encode_error(e: ProtocolError) -> Error {
    Error::protocol(format!("encoding records: {e}"), ErrorContext::default())
}

impl RecordEncoder for RecordsEncoder {
    fn encode(
        &self,
        format: RecordFormat,
        compression: Compression,
        identity: Option<BatchIdentity>,
        messages: &[&OutgoingMessage],
    ) -> Result<Bytes> {
        let bytes: usize = messages.iter().map(|m| m.encoded_size_hint()).sum();
        match format {
            RecordFormat::RecordBatch => {
                let mut opts = BatchOptions {
                    compression,
                    ..Default::default()
                };
                if let Some(id) = identity {
                    opts.producer_id = id.producer_id;
                    opts.producer_epoch = id.producer_epoch;
                    opts.base_sequence = id.base_sequence;
                }
                let mut b = RecordBatchBuilder::with_capacity(opts, bytes);
                let mut headers = Vec::new();
                for m in messages {
                    headers.clear();
                    headers.extend(m.headers.iter().map(|h| Header {
                        key: h.key.clone(),
                        value: h.value.clone(),
                    }));
                    b.push(
                        m.timestamp.unwrap_or(-1),
                        m.partition_key.as_deref(),
                        m.value.as_deref(),
                        &headers,
                    )
                    .map_err(encode_error)?;
                }
                b.finish().map_err(encode_error)
            }
            RecordFormat::MessageSet { .. } if identity.is_some() => Err(Error::config(
                "enable_idempotence",
                "this broker speaks only Produce v0-2 (MessageSet); idempotence needs Kafka 0.11+",
            )),
            RecordFormat::MessageSet { magic } => {
                if messages.iter().any(|m| !m.headers.is_empty()) {
                    return Err(Error::invalid_input(
                        "message headers",
                        "this broker speaks only Produce v0-2 (MessageSet), which has no headers",
                    ));
                }
                let mut b = MessageSetBuilder::new(magic, compression).map_err(encode_error)?;
                for m in messages {
                    b.push(
                        m.timestamp.unwrap_or(-1),
                        m.partition_key.as_deref(),
                        m.value.as_deref(),
                    )
                    .map_err(encode_error)?;
                }
                b.finish().map_err(encode_error)
            }
        }
    }
}
