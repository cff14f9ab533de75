// Submit one job to Warren with amqplib and print its result (docs/clients.md shows this file).
// Usage: node amqplib_submit.mjs AMQP_URL QUEUE
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';

const [url, queue] = process.argv.slice(2);
const connection = await amqp.connect(url);
const channel = await connection.createConfirmChannel(); // publishes are confirmed by the broker

// A reply queue this client owns: results wait there even if we are briefly slow.
const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });

const jobId = randomUUID();
const job = {
  code: 'export default async (input, ctx) => ({ sum: input.a + input.b, job: ctx.jobId })',
  input: { a: 2, b: 40 },
  limits: { timeout_ms: 1000 },
};

const result = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no result within 20 s')), 20000);
  channel.consume(replyQueue, (message) => {
    const body = JSON.parse(message.content.toString('utf8'));
    channel.ack(message);
    if (body.job_id !== jobId) return; // results are at-least-once: skip strays and duplicates
    clearTimeout(timer);
    resolve({ body, correlationId: message.properties.correlationId });
  });
});

channel.publish('', queue, Buffer.from(JSON.stringify(job)), {
  contentType: 'application/json',
  persistent: true,
  messageId: jobId,
  correlationId: jobId,
  replyTo: replyQueue,
});
await channel.waitForConfirms();

const { body, correlationId } = await result;
if (correlationId !== jobId) throw new Error('correlation id not echoed');
console.log(JSON.stringify(body));
await connection.close();
