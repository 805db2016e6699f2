/**
 * Where every evaluation event went: sent to SQS or dropped (by evaluation's own metrics),
 * left in a queue, and stored in DynamoDB (by scanning the events table).
 */
import { DynamoDBClient, ScanCommand, type ScanCommandInput } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import {
  type AwsLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  queueDepth,
} from "../../../scripts/aws-local.ts";
import { eventually } from "./support.ts";

export interface EventTally {
  /** Evaluations answered 200: each must yield one event. */
  evaluations: number;
  sent: number;
  dropped: number;
  /** Items in the events table. */
  stored: number;
  /** Items that are different events (a message delivered twice is one event twice). */
  distinct: number;
  deadLettered: number;
}

/** A metric from `/metrics`: the series with exactly `labels` (`service="flag"`), or all summed. */
export async function metricValue(
  serviceUrl: string,
  name: string,
  labels?: string,
): Promise<number> {
  const text = await (
    await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(2_000) })
  ).text();
  let total = 0;
  for (const line of text.split("\n")) {
    const [series, value] = line.split(" ");
    const wanted =
      labels === undefined
        ? series === name || series?.startsWith(`${name}{`)
        : series === `${name}{${labels}}`;
    if (wanted) total += Number(value);
  }
  return total;
}

/**
 * Waits until evaluation has nothing buffered and has accounted for every evaluation, and
 * analytics has emptied the queue (a message leaves it only once stored), then counts.
 * Gives up after `timeoutMs` and counts anyway: the counts then show what is missing.
 */
export async function settleEvents(
  evaluationUrl: string,
  aws: AwsLocal,
  evaluations: number,
  timeoutMs = 60_000,
): Promise<EventTally> {
  const sqs = localSqs(aws);
  const dynamo = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: aws.dynamoEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const metric = (name: string) => metricValue(evaluationUrl, name);
  try {
    await eventually(
      async () => {
        const [buffered, sent, dropped] = await Promise.all([
          metric("evaluation_events_buffered"),
          metric("evaluation_events_sent_total"),
          metric("evaluation_events_dropped_total"),
        ]);
        if (buffered > 0 || sent + dropped < evaluations) return false;
        return (await queueDepth(sqs, aws.queueUrl)) === 0;
      },
      timeoutMs,
      250,
    );
    const [sent, dropped, deadLettered, items] = await Promise.all([
      metric("evaluation_events_sent_total"),
      metric("evaluation_events_dropped_total"),
      queueDepth(sqs, aws.deadLetterQueueUrl),
      storedEvents(dynamo, aws.eventsTable),
    ]);
    return {
      evaluations,
      sent,
      dropped,
      stored: items.length,
      distinct: new Set(items).size,
      deadLettered,
    };
  } finally {
    sqs.destroy();
    dynamo.destroy();
  }
}

/** Messages in the events queue, waiting or being handled. */
export async function queuedEvents(aws: AwsLocal): Promise<number> {
  const sqs = localSqs(aws);
  try {
    return await queueDepth(sqs, aws.queueUrl);
  } finally {
    sqs.destroy();
  }
}

const localSqs = (aws: AwsLocal) =>
  new SQSClient({
    region: LOCAL_REGION,
    endpoint: aws.sqsEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });

/** One string per item saying which event it holds: user, flag and time of the evaluation. */
async function storedEvents(dynamo: DynamoDBClient, table: string): Promise<string[]> {
  const events: string[] = [];
  let startKey: ScanCommandInput["ExclusiveStartKey"];
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: "user_id, flag_name, #time",
        ExpressionAttributeNames: { "#time": "timestamp" },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? [])
      events.push(JSON.stringify([item.user_id?.S, item.flag_name?.S, item.timestamp?.S]));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return events;
}
