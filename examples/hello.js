// A minimal Warren function: greets whoever the input names.
export default async function (input, ctx) {
  console.log(`job ${ctx.jobId}, attempt ${ctx.attempt}`);
  return { greeting: `Hello, ${input?.name ?? 'world'}!` };
}
