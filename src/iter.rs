//! Iteration over any consumer kind: PyKafka's `__iter__` and its async stream.

use ferrokafka_core::{ConsumerApi, ErrorKind, Message, Result};
use futures::Stream;

/// PyKafka's `__iter__`: `consume(block=True)` until it returns `None`. Fetch errors are yielded as `Err`
/// and iteration goes on; `ConsumerStopped` is yielded once and ends it. The same for every consumer kind.
#[derive(Debug)]
pub struct Iter<'a, C: ConsumerApi> {
    consumer: &'a C,
    done: bool,
}

impl<'a, C: ConsumerApi> Iter<'a, C> {
    pub(crate) fn new(consumer: &'a C) -> Self {
        Iter {
            consumer,
            done: false,
        }
    }
}

impl<C: ConsumerApi> Iterator for Iter<'_, C> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.consumer.consume(true) {
            Ok(Some(m)) => Some(Ok(m)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = e.kind() == ErrorKind::ConsumerStopped;
                Some(Err(e))
            }
        }
    }
}

/// The async form of [`Iter`]: ends at a `None` from `consume_async` or after a `ConsumerStopped` error.
pub(crate) fn message_stream<C>(consumer: C) -> impl Stream<Item = Result<Message>> + Send + 'static
where
    C: ConsumerApi + Clone + 'static,
{
    futures::stream::unfold((consumer, false), |(c, done)| async move {
        if done {
            return None;
        }
        match c.consume_async().await {
            Ok(Some(m)) => Some((Ok(m), (c, false))),
            Ok(None) => None,
            Err(e) => {
                let stop = e.kind() == ErrorKind::ConsumerStopped;
                Some((Err(e), (c, stop)))
            }
        }
    })
}
