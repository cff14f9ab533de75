//! The echo ceiling: a consumer with exactly Warren's delivery semantics (consume with
//! the same prefetch, publish the reply with a publisher confirm, then ack) and no
//! sandbox. What it reaches is what the broker and this machine allow; Warren's
//! figures are reported as a share of it.

use std::sync::Arc;

use futures_lite::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicQosOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use warren_amqp::acks::{Settlement, Settler};
use warren_amqp::envelope::Envelope;
use warren_amqp::publish::{Published, publish_result};
use warren_wire::{JobResult, Outcome, Stats};

/// Serves `queue` until the process is stopped.
pub async fn serve(amqp_url: &str, queue: &str, prefetch: u16) -> anyhow::Result<()> {
    let connection = warren_amqp::connect(amqp_url, "warren-echo").await?;
    let consume = connection.create_channel().await?;
    warren_amqp::topology::declare(&consume, queue).await?;
    consume
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    let publish = Arc::new(connection.create_channel().await?);
    publish
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let mut consumer = consume
        .basic_consume(
            queue.into(),
            "warren-echo".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let (settler, _settling) = Settler::start(consume.clone());
    println!("ready");
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        settler.received(delivery.delivery_tag);
        let (publish, settler) = (publish.clone(), settler.clone());
        tokio::spawn(async move {
            // The worker's own envelope, publish and ack paths (`warren-amqp`): only the
            // sandbox is missing.
            let envelope = Envelope::of(&delivery);
            if let Some(reply_to) = &envelope.reply_to {
                let result = JobResult::new(
                    envelope.job_id.clone(),
                    Outcome::Ok(warren_wire::job::null_value()),
                    Vec::new(),
                    Stats::measured(std::time::Duration::ZERO, None, envelope.attempt),
                    "warren-echo".to_owned(),
                );
                let Ok(body) = serde_json::to_vec(&result) else {
                    return;
                };
                match publish_result(&publish, reply_to, &envelope, &body).await {
                    Ok(Published::Confirmed | Published::Returned(_)) => {}
                    Ok(Published::Nacked) | Err(_) => return,
                }
            }
            settler.finished(delivery.delivery_tag, Settlement::Ack);
        });
    }
    Ok(())
}
