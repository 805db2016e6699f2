import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from "@aws-sdk/client-sqs";
import {
  createQueue,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startSqsEmulator,
} from "../../scripts/aws-local.ts";
import {
  type DataServices,
  evaluate,
  metricValue,
  startDataServices,
  startEvaluation,
} from "./fixture.ts";

let stack: DataServices;
let sqs: Awaited<ReturnType<typeof startSqsEmulator>>;
const reader = () =>
  new SQSClient({ region: LOCAL_REGION, endpoint: sqs.endpoint, credentials: LOCAL_CREDENTIALS });

beforeAll(async () => {
  [stack, sqs] = await Promise.all([startDataServices(), startSqsEmulator()]);
  await Promise.all([stack.createFlag("events-on"), stack.createFlag("events-off", false)]);
});

afterAll(async () => {
  await Promise.all([stack.stop(), sqs.stop()]);
});

/** An SQS client for the publisher, counting the SendMessageBatch calls it makes. */
function countingClient(endpoint = sqs.endpoint) {
  const client = new SQSClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 2_000 },
  });
  const counter = { calls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "SendMessageBatchCommand") counter.calls++;
      return next(args);
    },
    { step: "initialize", name: "countBatches" },
  );
  return { client, counter };
}

async function startWithQueue(client: SQSClient, eventOptions = {}) {
  const { queueUrl } = await createQueue(sqs.endpoint, `events-${crypto.randomUUID().slice(0, 8)}`);
  const service = startEvaluation({
    ...stack.evaluationOptions(),
    queue: { sqs: client, queueUrl },
    eventOptions,
  });
  return { service, queueUrl };
}

async function receiveAll(queueUrl: string, expected: number, timeoutMs = 5_000) {
  const client = reader();
  const bodies: Record<string, unknown>[] = [];
  const deadline = performance.now() + timeoutMs;
  while (bodies.length < expected && performance.now() < deadline) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of Messages) bodies.push(JSON.parse(message.Body ?? "null"));
  }
  client.destroy();
  return bodies;
}

async function queueLength(queueUrl: string) {
  const client = reader();
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages"],
    }),
  );
  client.destroy();
  return Number(Attributes?.ApproximateNumberOfMessages);
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check()) && performance.now() < deadline) await Bun.sleep(20);
}

test("each decision sends {user_id, flag_name, result, timestamp} to SQS", async () => {
  const { client } = countingClient();
  const { service, queueUrl } = await startWithQueue(client);
  const before = Date.now();
  expect((await evaluate(service.url, "ana", "events-on")).status).toBe(200);
  expect((await evaluate(service.url, "bia", "events-off")).status).toBe(200);
  expect((await evaluate(service.url, "carla", "no-such-flag")).status).toBe(200);
  expect((await evaluate(service.url, "", "events-on")).status).toBe(400);
  const bodies = await receiveAll(queueUrl, 3);
  await service.stop();
  expect(bodies).toHaveLength(3);
  const byUser = Object.fromEntries(bodies.map((body) => [body.user_id, body]));
  expect(byUser.ana).toMatchObject({ flag_name: "events-on", result: true });
  expect(byUser.bia).toMatchObject({ flag_name: "events-off", result: false });
  expect(byUser.carla).toMatchObject({ flag_name: "no-such-flag", result: false });
  for (const body of bodies) {
    expect(Object.keys(body).sort()).toEqual(["flag_name", "result", "timestamp", "user_id"]);
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(body.timestamp as string)).toBeGreaterThanOrEqual(before);
  }
});

test("1,000 evaluations cost at most 100 SendMessageBatch calls", async () => {
  const { client, counter } = countingClient();
  const { service, queueUrl } = await startWithQueue(client);
  await Promise.all(
    Array.from({ length: 50 }, async (_, worker) => {
      for (let index = 0; index < 20; index++)
        expect((await evaluate(service.url, `user-${worker}-${index}`, "events-on")).status).toBe(
          200,
        );
    }),
  );
  await waitFor(() => metricValue(service.metrics, "evaluation_events_sent_total") === 1_000);
  expect(metricValue(service.metrics, "evaluation_events_sent_total")).toBe(1_000);
  expect(counter.calls).toBeLessThanOrEqual(100);
  expect(metricValue(service.metrics, "evaluation_events_send_calls_total")).toBe(counter.calls);
  expect(await queueLength(queueUrl)).toBe(1_000);
  await service.stop();
});

test("entries SQS reports as failed are sent again", async () => {
  const { client } = countingClient();
  let injected = false;
  // The first batch loses its first entry on the way and gets it back as a failure.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as SendMessageBatchCommandInput;
      if (
        context.commandName !== "SendMessageBatchCommand" ||
        injected ||
        (input.Entries?.length ?? 0) < 2
      )
        return next(args);
      injected = true;
      const [lost, ...kept] = input.Entries ?? [];
      const result = await next({ ...args, input: { ...input, Entries: kept } });
      const output = result.output as SendMessageBatchCommandOutput;
      output.Failed = [
        { Id: lost?.Id, SenderFault: false, Code: "InternalError", Message: "injected" },
      ];
      return result;
    },
    { step: "initialize", name: "loseOneEntry" },
  );
  const { service, queueUrl } = await startWithQueue(client);
  await Promise.all(
    Array.from({ length: 10 }, (_, index) => evaluate(service.url, `retry-${index}`, "events-on")),
  );
  const bodies = await receiveAll(queueUrl, 10);
  await service.stop();
  expect(injected).toBe(true);
  expect(bodies.map((body) => body.user_id).sort()).toEqual(
    Array.from({ length: 10 }, (_, index) => `retry-${index}`).sort(),
  );
});

test("SQS down: evaluations are unaffected, the oldest events are dropped and counted", async () => {
  const { client, counter } = countingClient("http://127.0.0.1:1");
  const { service } = await startWithQueue(client, { capacity: 50, closeTimeoutMs: 300 });
  for (let index = 0; index < 200; index++) {
    const { status, body } = await evaluate(service.url, `user-${index}`, "events-on");
    expect(status).toBe(200);
    expect(body.result).toBe(true);
  }
  await waitFor(() => metricValue(service.metrics, "evaluation_events_dropped_total") >= 150);
  expect(metricValue(service.metrics, "evaluation_events_dropped_total")).toBeGreaterThanOrEqual(
    150,
  );
  expect(metricValue(service.metrics, "evaluation_events_buffered")).toBeLessThanOrEqual(50);
  expect(counter.calls).toBeGreaterThan(0);
  const text = await fetch(`${service.url}/metrics`).then((response) => response.text());
  expect(text).toMatch(/evaluation_events_dropped_total \d+/);
  await service.stop();
});

test("closing sends what is buffered first", async () => {
  const { client } = countingClient();
  const { service, queueUrl } = await startWithQueue(client, { flushIntervalMs: 60_000 });
  for (let index = 0; index < 25; index++)
    await evaluate(service.url, `last-${index}`, "events-on");
  await service.stop();
  expect(await receiveAll(queueUrl, 25)).toHaveLength(25);
});
