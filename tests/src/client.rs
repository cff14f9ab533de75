//! A minimal test producer: publishes jobs per PROTOCOL.md and reads results from a
//! reply queue it owns.

use std::collections::HashMap;
use std::time::Duration;

use futures_lite::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, Consumer};
use serde_json::Value;
use warren_amqp::topology::{self, QueueState};

/// A connection with a publishing channel and an exclusive reply queue.
pub struct TestClient {
    pub connection: Connection,
    pub channel: Channel,
    pub reply_queue: String,
    consumer: Consumer,
    /// Results are acked once read (durable reply queues), so a result the broker
    /// pushed but the test never read goes back to the queue instead of being lost.
    acks: bool,
}

/// One job as a test wants to send it.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub message_id: Option<String>,
    pub correlation_id: Option<String>,
    /// `None`: the client's reply queue; `Some("")`: no reply_to at all.
    pub reply_to: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Publish {
    /// A JSON job body with the right content type and ids.
    pub fn job(id: &str, body: &Value) -> Publish {
        Publish {
            body: serde_json::to_vec(body).expect("json"),
            content_type: Some("application/json".into()),
            message_id: Some(id.into()),
            correlation_id: Some(format!("corr-{id}")),
            ..Publish::default()
        }
    }
}

impl TestClient {
    /// A client whose replies go to an exclusive, server-named queue.
    pub async fn connect() -> TestClient {
        TestClient::connect_with_reply_queue(None).await
    }

    /// A client whose replies go to the durable queue `name` (declared if missing), so
    /// results outlive a broker restart. The caller deletes it.
    pub async fn connect_durable(name: &str) -> TestClient {
        TestClient::connect_with_reply_queue(Some(name)).await
    }

    async fn connect_with_reply_queue(durable: Option<&str>) -> TestClient {
        let connection = warren_amqp::connect(&crate::amqp_url(), "warren-tests")
            .await
            .expect("connect to the test broker");
        let channel = connection.create_channel().await.expect("channel");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("confirms");
        let options = QueueDeclareOptions {
            exclusive: durable.is_none(),
            auto_delete: durable.is_none(),
            durable: durable.is_some(),
            ..QueueDeclareOptions::default()
        };
        let reply = channel
            .queue_declare(durable.unwrap_or("").into(), options, FieldTable::default())
            .await
            .expect("reply queue");
        let reply_queue = reply.name().as_str().to_owned();
        let consumer = channel
            .basic_consume(
                reply_queue.as_str().into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: durable.is_none(),
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("consume replies");
        TestClient {
            connection,
            channel,
            reply_queue,
            consumer,
            acks: durable.is_some(),
        }
    }

    /// Publishes a job to `queue` and waits for the broker's confirm.
    pub async fn publish(&self, queue: &str, job: Publish) {
        self.send(queue, job).await.await.expect("confirm");
    }

    /// Publishes `jobs` to `queue` as a flood: a few hundred unconfirmed at a time.
    pub async fn publish_many(&self, queue: &str, jobs: Vec<Publish>) {
        let mut confirms = Vec::new();
        for job in jobs {
            confirms.push(self.send(queue, job).await);
            if confirms.len() == 256 {
                for confirm in confirms.drain(..) {
                    confirm.await.expect("confirm");
                }
            }
        }
        for confirm in confirms {
            confirm.await.expect("confirm");
        }
    }

    /// Publishes a job to `queue`; its confirm is to be awaited.
    async fn send(&self, queue: &str, job: Publish) -> lapin::PublisherConfirm {
        let (body, props) = self.message(job);
        self.channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                &body,
                props,
            )
            .await
            .expect("publish")
    }

    /// A job's body and properties as published.
    fn message(&self, job: Publish) -> (Vec<u8>, BasicProperties) {
        let mut props = BasicProperties::default().with_delivery_mode(2);
        if let Some(ct) = job.content_type {
            props = props.with_content_type(ct.as_str().into());
        }
        if let Some(id) = job.message_id {
            props = props.with_message_id(id.as_str().into());
        }
        if let Some(id) = job.correlation_id {
            props = props.with_correlation_id(id.as_str().into());
        }
        match job.reply_to {
            None => props = props.with_reply_to(self.reply_queue.as_str().into()),
            Some(r) if r.is_empty() => {}
            Some(r) => props = props.with_reply_to(ShortString::from(r.as_str())),
        }
        if !job.headers.is_empty() {
            let mut headers = FieldTable::default();
            for (k, v) in job.headers {
                headers.insert(k.as_str().into(), AMQPValue::LongString(v.as_str().into()));
            }
            props = props.with_headers(headers);
        }
        (job.body, props)
    }

    /// Submits a job with code and input; returns its id.
    pub async fn submit(&self, queue: &str, id: &str, code: &str, input: Value) -> String {
        self.publish(
            queue,
            Publish::job(id, &serde_json::json!({"code": code, "input": input})),
        )
        .await;
        id.to_owned()
    }

    /// Submits `count` jobs of `code` with ids `{prefix}{n}` and input `n`, in order.
    pub async fn submit_numbered(&self, queue: &str, prefix: &str, code: &str, count: usize) {
        for n in 0..count {
            self.submit(queue, &format!("{prefix}{n}"), code, serde_json::json!(n))
                .await;
        }
    }

    /// The next result on the reply queue, with its AMQP properties.
    pub async fn next_result(&mut self, within: Duration) -> Option<(Value, BasicProperties)> {
        let delivery = tokio::time::timeout(within, self.consumer.next())
            .await
            .ok()??
            .ok()?;
        let value = serde_json::from_slice(&delivery.data).expect("result is JSON");
        if self.acks {
            delivery
                .ack(lapin::options::BasicAckOptions::default())
                .await
                .ok()?;
        }
        Some((value, delivery.properties))
    }

    /// Collects `n` results keyed by job id (later duplicates are counted, not kept).
    pub async fn collect(&mut self, n: usize, within: Duration) -> (HashMap<String, Value>, usize) {
        let deadline = tokio::time::Instant::now() + within;
        let mut results = HashMap::new();
        let mut duplicates = 0;
        while results.len() < n {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some((value, _)) = self.next_result(left).await else {
                break;
            };
            let id = value["job_id"].as_str().unwrap_or_default().to_owned();
            if results.insert(id, value).is_some() {
                duplicates += 1;
            }
        }
        (results, duplicates)
    }

    /// The queue as the broker reports it, `None` when it is missing.
    async fn inspect(&self, queue: &str) -> Option<QueueState> {
        topology::inspect(&self.connection, queue)
            .await
            .expect("look at a queue")
    }

    /// Whether a queue exists.
    pub async fn queue_exists(&self, queue: &str) -> bool {
        self.inspect(queue).await.is_some()
    }

    /// Ready messages in a queue (0 if it does not exist).
    pub async fn ready_count(&self, queue: &str) -> u32 {
        self.inspect(queue).await.map_or(0, |q| q.messages)
    }

    /// Jobs ready in a pool: in its jobs queue and its backlog queues (fair shares move
    /// jobs there).
    pub async fn pool_ready_count(&self, queue: &str) -> u32 {
        let mut ready = self.ready_count(queue).await;
        for backlog in warren_wire::backlog_queues(queue, warren_wire::DEFAULT_BACKLOG_QUEUES) {
            ready += self.ready_count(&backlog).await;
        }
        ready
    }

    /// Plays a worker that dies on every job of `queue`: takes each delivery and hands it
    /// back until the broker dead-letters it. Returns the deliveries it took.
    pub async fn force_dead_letter(&self, queue: &str) -> usize {
        use lapin::options::{BasicQosOptions, BasicRejectOptions};
        let channel = self.connection.create_channel().await.expect("channel");
        channel
            .basic_qos(1, BasicQosOptions::default())
            .await
            .expect("qos");
        let mut consumer = channel
            .basic_consume(
                queue.into(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consume");
        let dead = warren_wire::dead_letter_queue(queue);
        let mut deliveries = 0;
        while self.ready_count(&dead).await == 0 && deliveries < 20 {
            let Ok(Some(Ok(delivery))) =
                tokio::time::timeout(Duration::from_secs(2), consumer.next()).await
            else {
                continue;
            };
            deliveries += 1;
            // A reject counts towards the delivery limit on every RabbitMQ version
            // (from 4.3 a nack does not), as the worker's requeues do.
            delivery
                .reject(BasicRejectOptions { requeue: true })
                .await
                .expect("reject");
        }
        let _ = channel.close(200, "OK".into()).await;
        deliveries
    }

    /// Deletes a pool's jobs queue and its dead-letter queue.
    pub async fn delete_pool_queues(&self, queue: &str) {
        let channel = self.connection.create_channel().await.expect("channel");
        for name in warren_wire::pool_queues(queue) {
            let _ = channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        let _ = channel.close(200, "OK".into()).await;
    }
}
