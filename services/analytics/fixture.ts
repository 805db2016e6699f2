/** Test support: the analytics consumer and app on the local SQS and DynamoDB emulators. */
import { type AttributeValue, ScanCommand } from "@aws-sdk/client-dynamodb";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { Registry } from "@togglemaster/shared/metrics";
import { listen, memoryLogger } from "@togglemaster/shared/testing";
import {
  DEFAULT_RESOURCES,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  queueDepth as messagesInQueue,
} from "../../scripts/aws-local.ts";
import { createAwsClients } from "./aws.ts";
import { chunk } from "./batching.ts";
import type { ConsumerOptions } from "./consumer.ts";
import { createAnalyticsService } from "./main.ts";

export interface AnalyticsFixtureOptions
  extends Partial<
    Pick<ConsumerOptions, "pollers" | "flushSize" | "flushDelayMs" | "closeTimeoutMs">
  > {
  queueUrl: string;
  sqsEndpoint: string;
  dynamoEndpoint: string;
  now?: () => number;
  /** Start the consumer at once (default) or leave it to the test. */
  start?: boolean;
  /** The auth-service that guards the counters route; none means every key is refused. */
  auth?: { url: string; jwtSecret: string };
}

export async function startAnalytics(options: AnalyticsFixtureOptions) {
  const {
    queueUrl,
    sqsEndpoint,
    dynamoEndpoint,
    now,
    start = true,
    auth = { url: "http://127.0.0.1:1", jwtSecret: "no-auth-service-for-this-fixture" },
    ...tuning
  } = options;
  const metrics = new Registry();
  const logger = memoryLogger("analytics");
  const { sqs, dynamo } = awsClients(sqsEndpoint, dynamoEndpoint);
  const { app, consumer, close } = createAnalyticsService({
    sqs,
    dynamo,
    queueUrl,
    eventsTable: DEFAULT_RESOURCES.eventsTable,
    countersTable: DEFAULT_RESOURCES.countersTable,
    authUrl: auth.url,
    jwtSecret: auth.jwtSecret,
    logger,
    metrics,
    consumer: { flushDelayMs: 50, ...tuning },
    now,
  });
  const url = listen(app);
  if (start) consumer.start();
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await close();
    await app.stop();
  };
  return {
    url,
    consumer,
    metrics,
    logger,
    sqs,
    /** The sum of a metric's series, optionally only those whose labels contain `labels`. */
    metric: (name: string, labels = "") => metricValue(metrics, name, labels),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

export type AnalyticsFixture = Awaited<ReturnType<typeof startAnalytics>>;

export const awsClients = (sqsEndpoint: string, dynamoEndpoint: string) =>
  createAwsClients({
    region: LOCAL_REGION,
    sqsEndpoint,
    dynamoEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });

function metricValue(metrics: Registry, name: string, labels: string): number {
  return metrics
    .render()
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .filter((line) => line.includes(labels))
    .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

export interface TestEvent {
  user_id: string;
  flag_name: string;
  result: boolean;
  timestamp: string;
}

/** Sends raw bodies (10 per call, as SQS allows) and returns their MessageIds in order. */
export async function sendBodies(
  clients: ReturnType<typeof awsClients>,
  queueUrl: string,
  bodies: string[],
): Promise<string[]> {
  const ids: string[] = [];
  const batches = chunk(
    bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    10,
  );
  for (const group of chunk(batches, 10)) {
    const results = await Promise.all(
      group.map((entries) =>
        clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
      ),
    );
    for (const { Successful = [], Failed = [] } of results) {
      if (Failed.length > 0) throw new Error(`send failed: ${JSON.stringify(Failed)}`);
      for (const entry of Successful) ids[Number(entry.Id)] = entry.MessageId as string;
    }
  }
  return ids;
}

export const sendEvents = (
  clients: ReturnType<typeof awsClients>,
  queueUrl: string,
  events: TestEvent[],
) =>
  sendBodies(
    clients,
    queueUrl,
    events.map((event) => JSON.stringify(event)),
  );

/** Messages still in the queue, visible or in flight. */
export const queueDepth = (clients: ReturnType<typeof awsClients>, queueUrl: string) =>
  messagesInQueue(clients.sqs, queueUrl);

/** Every stored event item of one flag. */
export async function itemsOfFlag(clients: ReturnType<typeof awsClients>, flagName: string) {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await clients.dynamo.send(
      new ScanCommand({
        TableName: DEFAULT_RESOURCES.eventsTable,
        FilterExpression: "flag_name = :flag",
        ExpressionAttributeValues: { ":flag": { S: flagName } },
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
