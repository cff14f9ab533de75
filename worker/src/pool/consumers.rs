//! The consumers a pool holds on its queue, which together make its prefetch window.
//!
//! RabbitMQ applies a `basic.qos` prefetch only to consumers started after it, and
//! quorum queues refuse the channel-wide (`global`) kind, so a window cannot be
//! resized in place. A pool therefore holds a steady consumer whose prefetch is the
//! slot count and, while its window is deeper, an extra consumer for the rest. To
//! resize, the extra consumer is replaced: the new one starts with the new prefetch,
//! then the old one is cancelled. Deliveries the old one already holds are read to
//! the end and run like any other, on the same channel, so nothing is lost or
//! redelivered; for a moment the worker may hold both consumers' jobs.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_lite::Stream;
use lapin::message::Delivery;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{Channel, Consumer};

/// A pool's consumers on one channel.
pub struct Consumers {
    channel: Channel,
    queue: String,
    tag: String,
    steady_prefetch: u16,
    /// The steady consumer (until cancelled).
    steady: Option<Consumer>,
    /// The extra consumer and its prefetch, while the window is deeper than the steady
    /// consumer's.
    extra: Option<(Consumer, u16)>,
    /// Cancelled consumers whose deliveries are still being read.
    retiring: Vec<Consumer>,
    /// Extra consumers started so far, for their tags.
    started: u32,
}

impl Consumers {
    /// Starts consuming `queue` with a window of `window` (at least `steady`, the part
    /// that never changes). Consumer tags start with `tag`.
    pub async fn start(
        channel: Channel,
        queue: &str,
        tag: String,
        steady: u16,
        window: u16,
    ) -> lapin::Result<Consumers> {
        let steady = steady.max(1);
        channel
            .basic_qos(steady, BasicQosOptions::default())
            .await?;
        let consumer = consume(&channel, queue, &tag).await?;
        let mut consumers = Consumers {
            channel,
            queue: queue.to_owned(),
            tag,
            steady_prefetch: steady,
            steady: Some(consumer),
            extra: None,
            retiring: Vec::new(),
            started: 0,
        };
        consumers.resize(window).await?;
        Ok(consumers)
    }

    /// The window now: the steady consumer's prefetch plus the extra one's.
    pub fn window(&self) -> u16 {
        let extra = self.extra.as_ref().map_or(0, |(_, prefetch)| *prefetch);
        self.steady_prefetch.saturating_add(extra)
    }

    /// Makes the window `window` deep (never below the steady part): starts a new
    /// extra consumer, then cancels the old one.
    pub async fn resize(&mut self, window: u16) -> lapin::Result<()> {
        if self.steady.is_none() || window.max(self.steady_prefetch) == self.window() {
            return Ok(());
        }
        let extra = window.saturating_sub(self.steady_prefetch);
        let new = if extra > 0 {
            self.channel
                .basic_qos(extra, BasicQosOptions::default())
                .await?;
            self.started += 1;
            let tag = format!("{}+{}", self.tag, self.started);
            Some((consume(&self.channel, &self.queue, &tag).await?, extra))
        } else {
            None
        };
        if let Some((old, _)) = std::mem::replace(&mut self.extra, new) {
            self.retire(old).await?;
        }
        Ok(())
    }

    /// Cancels every consumer: [`Consumers::next`] reads what they already hold,
    /// then ends.
    pub async fn cancel(&mut self) -> lapin::Result<()> {
        let steady = self.steady.take();
        let extra = self.extra.take().map(|(consumer, _)| consumer);
        let mut outcome = Ok(());
        for consumer in steady.into_iter().chain(extra) {
            if let Err(err) = self.retire(consumer).await {
                outcome = Err(err);
            }
        }
        outcome
    }

    async fn retire(&mut self, consumer: Consumer) -> lapin::Result<()> {
        let cancelled = self
            .channel
            .basic_cancel(consumer.tag(), BasicCancelOptions::default())
            .await;
        self.retiring.push(consumer);
        cancelled
    }

    /// The next delivery of any consumer. `None` when a live consumer ended (the
    /// broker cancelled it) or, once [`Consumers::cancel`] was called, when every
    /// delivery was read.
    pub async fn next(&mut self) -> Option<lapin::Result<Delivery>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<lapin::Result<Delivery>>> {
        let mut index = 0;
        while index < self.retiring.len() {
            match Pin::new(&mut self.retiring[index]).poll_next(cx) {
                Poll::Ready(Some(item)) => return Poll::Ready(Some(item)),
                Poll::Ready(None) => {
                    self.retiring.swap_remove(index);
                }
                Poll::Pending => index += 1,
            }
        }
        let live = self
            .steady
            .iter_mut()
            .chain(self.extra.iter_mut().map(|(consumer, _)| consumer));
        let mut any_live = false;
        for consumer in live {
            any_live = true;
            match Pin::new(consumer).poll_next(cx) {
                Poll::Ready(item) => return Poll::Ready(item),
                Poll::Pending => {}
            }
        }
        if any_live || !self.retiring.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(None)
        }
    }
}

async fn consume(channel: &Channel, queue: &str, tag: &str) -> lapin::Result<Consumer> {
    let tag = ShortString::try_new(tag.to_owned()).unwrap_or_else(|_| "".into());
    channel
        .basic_consume(
            queue.into(),
            tag,
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
}
