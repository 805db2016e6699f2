/**
 * SQS and DynamoDB on this machine, for `bun dev` and tests: fauxqs speaks the SQS JSON
 * protocol of the current SDK, dynalite speaks DynamoDB. Both keep everything in memory.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { QUEUE, TABLES, type TableTopology } from "@togglemaster/shared/topology";
import dynalite from "dynalite";
import { startFauxqs } from "fauxqs";

export const LOCAL_REGION = "us-east-1";
/** The emulators accept any credentials; the SDK still wants some. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export interface AwsResources {
  queueName: string;
  eventsTable: string;
  countersTable: string;
}

export const DEFAULT_RESOURCES: AwsResources = {
  queueName: QUEUE.name,
  eventsTable: TABLES.events.name,
  countersTable: TABLES.counters.name,
};

/** Queue URLs come out as `http://sqs.us-east-1.localhost:<port>/…`, which parse as URLs. */
export async function startSqsEmulator(port = 0) {
  const server = await startFauxqs({ port, logger: false });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
}

export async function startDynamoEmulator(port = 0) {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The queue with its dead-letter queue, as the CDK stack builds it (from the topology). */
export async function createQueue(endpoint: string, queueName: string) {
  const sqs = new SQSClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${queueName}-dlq` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: queueName,
      Attributes: {
        VisibilityTimeout: String(QUEUE.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: Attributes?.QueueArn,
          maxReceiveCount: QUEUE.maxReceiveCount,
        }),
      },
    }),
  );
  sqs.destroy();
  return { queueUrl: queue.QueueUrl as string, deadLetterQueueUrl: dlq.QueueUrl as string };
}

/** A table of the topology under `name`: on-demand, string keys. */
function createTableCommand(name: string, { partitionKey, sortKey }: TableTopology) {
  const keys = [partitionKey, ...(sortKey === undefined ? [] : [sortKey])];
  return new CreateTableCommand({
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    KeySchema: keys.map((key, index) => ({
      AttributeName: key,
      KeyType: index === 0 ? "HASH" : "RANGE",
    })),
    AttributeDefinitions: keys.map((key) => ({ AttributeName: key, AttributeType: "S" })),
  });
}

/** The events table and the hourly counters table. */
export async function createTables(endpoint: string, { eventsTable, countersTable }: AwsResources) {
  const dynamo = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const create = async (command: CreateTableCommand) => {
    try {
      await dynamo.send(command);
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await dynamo.send(new DescribeTableCommand({ TableName: command.input.TableName }));
  };
  await create(createTableCommand(eventsTable, TABLES.events));
  await create(createTableCommand(countersTable, TABLES.counters));
  dynamo.destroy();
}

/** Messages still in a queue, visible or in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Both emulators, provisioned. */
export async function startAwsLocal(
  resources: AwsResources = DEFAULT_RESOURCES,
  ports = { sqs: 0, dynamo: 0 },
) {
  const [sqs, dynamo] = await Promise.all([
    startSqsEmulator(ports.sqs),
    startDynamoEmulator(ports.dynamo),
  ]);
  const [{ queueUrl, deadLetterQueueUrl }] = await Promise.all([
    createQueue(sqs.endpoint, resources.queueName),
    createTables(dynamo.endpoint, resources),
  ]);
  return {
    ...resources,
    sqsEndpoint: sqs.endpoint,
    dynamoEndpoint: dynamo.endpoint,
    queueUrl,
    deadLetterQueueUrl,
    stop: () => Promise.all([sqs.stop(), dynamo.stop()]).then(() => {}),
  };
}

export type AwsLocal = Awaited<ReturnType<typeof startAwsLocal>>;

/**
 * What a service talking to AWS needs besides the topology's wiring to use the emulators:
 * their endpoints, and credentials the SDK will accept.
 */
export function emulatorEnvironment(
  local: Pick<AwsLocal, "sqsEndpoint" | "dynamoEndpoint">,
): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: local.sqsEndpoint,
    AWS_ENDPOINT_URL_SQS: local.sqsEndpoint,
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamoEndpoint,
  };
}

/** The emulators' side of a `WiringResolver`: queue, tables and region. */
export const emulatorWiring = (
  local: Pick<AwsLocal, "queueUrl" | "eventsTable" | "countersTable">,
) => ({
  queue: () => local.queueUrl,
  table: (table: "events" | "counters") =>
    table === "events" ? local.eventsTable : local.countersTable,
  region: () => LOCAL_REGION,
});

// Standalone: `bun scripts/aws-local.ts [sqsPort] [dynamoPort]` serves both until SIGTERM,
// so a test can stop and restart one without touching the services that use it.
if (import.meta.main) {
  const [sqsPort = "0", dynamoPort = "0"] = process.argv.slice(2);
  const local = await startAwsLocal(DEFAULT_RESOURCES, {
    sqs: Number(sqsPort),
    dynamo: Number(dynamoPort),
  });
  console.log(
    JSON.stringify({
      sqsEndpoint: local.sqsEndpoint,
      dynamoEndpoint: local.dynamoEndpoint,
      queueUrl: local.queueUrl,
    }),
  );
  process.on("SIGTERM", () => void local.stop().then(() => process.exit(0)));
}
