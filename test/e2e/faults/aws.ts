/**
 * SQS and DynamoDB emulators in processes of their own (`scripts/aws-local.ts` run
 * standalone), so a test can freeze one with SIGSTOP and thaw it with SIGCONT. A frozen
 * emulator still accepts connections but never answers, so calls time out as in a real
 * outage, and nothing it holds is lost. Two processes run: the services use the queue of
 * one and the tables of the other, so each can be frozen alone.
 */
import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  type AwsLocal,
  DEFAULT_RESOURCES,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
} from "../../../scripts/aws-local.ts";
import { REPO_ROOT } from "../../../scripts/build.ts";

export interface FreezableEmulator {
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
}

export interface SeparateEmulators {
  /** What the stack is given: the queue of one process, the tables of the other. */
  aws: AwsLocal;
  sqs: FreezableEmulator;
  dynamo: FreezableEmulator;
}

interface Announced {
  sqsEndpoint: string;
  dynamoEndpoint: string;
  queueUrl: string;
}

export async function startSeparateEmulators(): Promise<SeparateEmulators> {
  const [queueHost, tableHost] = await Promise.allSettled([
    startEmulatorProcess(),
    startEmulatorProcess(),
  ]);
  if (queueHost.status === "rejected" || tableHost.status === "rejected") {
    for (const host of [queueHost, tableHost])
      if (host.status === "fulfilled") await host.value.kill();
    throw queueHost.status === "rejected"
      ? queueHost.reason
      : (tableHost as PromiseRejectedResult).reason;
  }
  const { announced } = queueHost.value;
  const stop = async () => {
    await Promise.all([queueHost.value.kill(), tableHost.value.kill()]);
  };
  return {
    aws: {
      ...DEFAULT_RESOURCES,
      sqsEndpoint: announced.sqsEndpoint,
      queueUrl: announced.queueUrl,
      deadLetterQueueUrl: await queueUrlOf(
        announced.sqsEndpoint,
        `${DEFAULT_RESOURCES.queueName}-dlq`,
      ),
      dynamoEndpoint: tableHost.value.announced.dynamoEndpoint,
      stop,
    },
    sqs: queueHost.value,
    dynamo: tableHost.value,
  };
}

async function startEmulatorProcess(): Promise<FreezableEmulator & { announced: Announced }> {
  const child = Bun.spawn([process.execPath, "scripts/aws-local.ts"], {
    cwd: REPO_ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const kill = async () => {
    child.kill("SIGKILL");
    await child.exited;
  };
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const announced = JSON.parse(await firstLine(child.stdout)) as Announced;
    return {
      announced,
      freeze: () => child.kill("SIGSTOP"),
      thaw: () => child.kill("SIGCONT"),
      kill,
    };
  } catch (error) {
    await kill();
    throw new Error(`scripts/aws-local.ts did not start: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads until the first newline, then keeps draining so the pipe never fills. */
async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`exited after printing ${JSON.stringify(text)}`);
    text += decoder.decode(value, { stream: true });
  }
  void (async () => {
    while (!(await reader.read()).done) {}
  })().catch(() => {});
  return text.slice(0, text.indexOf("\n"));
}

async function queueUrlOf(endpoint: string, queueName: string): Promise<string> {
  const sqs = new SQSClient({ region: LOCAL_REGION, endpoint, credentials: LOCAL_CREDENTIALS });
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl === undefined) throw new Error(`no queue ${queueName}`);
    return QueueUrl;
  } finally {
    sqs.destroy();
  }
}
