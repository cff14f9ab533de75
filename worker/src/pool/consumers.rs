//! The consumers a pool holds on its queue, which together make its prefetch window,
//! and on its backlog queues (fair shares: see `backlog`), one each, whose prefetch
//! is the window the jobs call for and is resized the same way.
//!
//! RabbitMQ applies a `basic.qos` prefetch only to consumers started after it, and
//! quorum queues refuse the channel-wide (`global`) kind, so a window cannot be
//! resized in place. A pool therefore holds a steady consumer whose prefetch is the
//! slot count and, while its window is deeper, an extra consumer for the rest. To
//! resize, the extra consumer is replaced: the new one starts with the new prefetch,
//! then the old one is cancelled. Deliveries the old one already holds are read to
//! the end and run like any other, on the same channel, so nothing is lost or
//! redelivered; for a moment the worker may hold both consumers' jobs.
//!
//! The consumers share the channel's delivery tags, and acks may cover every earlier
//! tag (`multiple`), so deliveries are handed on in tag order: each consumer's next
//! delivery is looked at and the lowest goes first. lapin fills the consumers'
//! buffers in the order the frames arrive, so a lower tag is buffered before a higher
//! one is seen.

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
    steady: Option<Source>,
    /// The extra consumer and its prefetch, while the window is deeper than the steady
    /// consumer's.
    extra: Option<(Source, u16)>,
    /// The backlog queues (fair shares), one consumer on each, all with
    /// `backlog_prefetch`.
    backlog_queues: Vec<String>,
    backlogs: Vec<Source>,
    backlog_prefetch: u16,
    /// Cancelled consumers whose deliveries are still being read.
    retiring: Vec<Source>,
    /// Extra consumers started so far, for their tags.
    started: u32,
}

/// One consumer, with its next delivery once seen.
struct Source {
    consumer: Consumer,
    next: Option<Delivery>,
    ended: bool,
}

impl Source {
    fn new(consumer: Consumer) -> Source {
        Source {
            consumer,
            next: None,
            ended: false,
        }
    }

    /// Looks for its next delivery unless one is waiting; an error is passed on.
    fn look(&mut self, cx: &mut Context<'_>) -> Option<lapin::Error> {
        if self.next.is_some() || self.ended {
            return None;
        }
        match Pin::new(&mut self.consumer).poll_next(cx) {
            Poll::Ready(Some(Ok(delivery))) => self.next = Some(delivery),
            Poll::Ready(Some(Err(err))) => return Some(err),
            Poll::Ready(None) => self.ended = true,
            Poll::Pending => {}
        }
        None
    }
}

impl Consumers {
    /// Starts consuming `queue` with a window of `window` (at least `steady`, the part
    /// that never changes), and each of `backlogs` with a prefetch of `backlog_window`.
    /// Consumer tags start with `tag`.
    pub async fn start(
        channel: Channel,
        queue: &str,
        tag: String,
        steady: u16,
        (window, backlog_window): (u16, u16),
        backlogs: &[String],
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
            steady: Some(Source::new(consumer)),
            extra: None,
            backlog_queues: backlogs.to_vec(),
            backlogs: Vec::new(),
            backlog_prefetch: 0,
            retiring: Vec::new(),
            started: 0,
        };
        consumers.resize(window, backlog_window).await?;
        Ok(consumers)
    }

    /// The window now: the steady consumer's prefetch plus the extra one's.
    pub fn window(&self) -> u16 {
        let extra = self.extra.as_ref().map_or(0, |(_, prefetch)| *prefetch);
        self.steady_prefetch.saturating_add(extra)
    }

    /// Makes the window `window` deep (never below the steady part), and the backlog
    /// consumers' prefetch `backlog_window`: starts new consumers, then cancels the
    /// old ones.
    pub async fn resize(&mut self, window: u16, backlog_window: u16) -> lapin::Result<()> {
        if self.steady.is_none() {
            return Ok(());
        }
        self.resize_backlogs(backlog_window.max(1)).await?;
        if window.max(self.steady_prefetch) == self.window() {
            return Ok(());
        }
        let extra = window.saturating_sub(self.steady_prefetch);
        let new = if extra > 0 {
            self.channel
                .basic_qos(extra, BasicQosOptions::default())
                .await?;
            self.started += 1;
            let tag = format!("{}+{}", self.tag, self.started);
            let consumer = consume(&self.channel, &self.queue, &tag).await?;
            Some((Source::new(consumer), extra))
        } else {
            None
        };
        if let Some((old, _)) = std::mem::replace(&mut self.extra, new) {
            self.retire(old).await?;
        }
        Ok(())
    }

    async fn resize_backlogs(&mut self, prefetch: u16) -> lapin::Result<()> {
        if self.backlog_queues.is_empty() || prefetch == self.backlog_prefetch {
            return Ok(());
        }
        self.channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await?;
        self.started += 1;
        let mut new = Vec::with_capacity(self.backlog_queues.len());
        for backlog in &self.backlog_queues {
            let tag = format!("{}@{backlog}+{}", self.tag, self.started);
            new.push(Source::new(consume(&self.channel, backlog, &tag).await?));
        }
        self.backlog_prefetch = prefetch;
        for old in std::mem::replace(&mut self.backlogs, new) {
            self.retire(old).await?;
        }
        Ok(())
    }

    /// Cancels every consumer: [`Consumers::next`] reads what they already hold,
    /// then ends.
    pub async fn cancel(&mut self) -> lapin::Result<()> {
        let steady = self.steady.take();
        let extra = self.extra.take().map(|(source, _)| source);
        let backlogs = std::mem::take(&mut self.backlogs);
        let mut outcome = Ok(());
        for source in steady.into_iter().chain(extra).chain(backlogs) {
            if let Err(err) = self.retire(source).await {
                outcome = Err(err);
            }
        }
        outcome
    }

    async fn retire(&mut self, source: Source) -> lapin::Result<()> {
        let cancelled = self
            .channel
            .basic_cancel(source.consumer.tag(), BasicCancelOptions::default())
            .await;
        self.retiring.push(source);
        cancelled
    }

    /// The next delivery of any consumer. `None` when a live consumer ended (the
    /// broker cancelled it) or, once [`Consumers::cancel`] was called, when every
    /// delivery was read.
    pub async fn next(&mut self) -> Option<lapin::Result<Delivery>> {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<lapin::Result<Delivery>>> {
        // Twice: a consumer found empty may have been given a lower tag while a later
        // one was looked at.
        for _ in 0..2 {
            for source in self.sources() {
                if let Some(err) = source.look(cx) {
                    return Poll::Ready(Some(Err(err)));
                }
            }
        }
        let lowest = self
            .sources()
            .filter(|source| source.next.is_some())
            .min_by_key(|source| source.next.as_ref().map_or(u64::MAX, |d| d.delivery_tag));
        if let Some(delivery) = lowest.and_then(|source| source.next.take()) {
            return Poll::Ready(Some(Ok(delivery)));
        }
        let live_ended = self.steady.iter().any(|source| source.ended)
            || self.extra.iter().any(|(source, _)| source.ended)
            || self.backlogs.iter().any(|source| source.ended);
        if live_ended {
            return Poll::Ready(None);
        }
        self.retiring.retain(|source| !source.ended);
        if self.steady.is_none() && self.extra.is_none() && self.retiring.is_empty() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }

    fn sources(&mut self) -> impl Iterator<Item = &mut Source> {
        self.steady
            .iter_mut()
            .chain(self.extra.iter_mut().map(|(source, _)| source))
            .chain(self.backlogs.iter_mut())
            .chain(self.retiring.iter_mut())
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
