"""Submit one job to Warren with pika and print its result (docs/clients.md shows this file).

Usage: python pika_submit.py AMQP_URL QUEUE
"""
import json
import sys
import uuid

import pika

url, queue = sys.argv[1], sys.argv[2]

connection = pika.BlockingConnection(pika.URLParameters(url))
channel = connection.channel()
channel.confirm_delivery()  # basic_publish now raises if the broker refuses the job

# A reply queue this client owns: results wait there even if we are briefly slow.
reply_queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue

job_id = str(uuid.uuid4())
job = {
    "code": "export default async (input, ctx) => ({ sum: input.a + input.b, job: ctx.jobId })",
    "input": {"a": 2, "b": 40},
    "limits": {"timeout_ms": 1000},
}
channel.basic_publish(
    exchange="",
    routing_key=queue,
    body=json.dumps(job).encode(),
    properties=pika.BasicProperties(
        content_type="application/json",
        delivery_mode=2,
        message_id=job_id,
        correlation_id=job_id,
        reply_to=reply_queue,
    ),
)

for method, properties, body in channel.consume(reply_queue, inactivity_timeout=20):
    if method is None:
        sys.exit("no result within 20 s")
    channel.basic_ack(method.delivery_tag)
    result = json.loads(body)
    if result["job_id"] != job_id:  # results are at-least-once: skip strays and duplicates
        continue
    assert properties.correlation_id == job_id
    print(json.dumps(result))
    break

connection.close()
