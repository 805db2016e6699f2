import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Registry } from "@togglemaster/shared/metrics";
import { chunk } from "./batching.ts";

export interface QueuedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** How many times SQS has handed it out, this time included. */
  receiveCount: number;
}

export interface DeleteOutcome {
  /** Messages not deleted: SQS will deliver them again. */
  failed: number;
  /** Why a call failed outright (SQS unreachable), if one did. */
  error?: unknown;
}

/** The queue as the consumer sees it: the SQS one, or a fake in unit tests. */
export interface MessageQueue {
  /** Up to 10 messages; `wait` long-polls until one arrives (20 s at most). */
  receive(wait: boolean, signal: AbortSignal): Promise<QueuedMessage[]>;
  delete(receiptHandles: readonly string[]): Promise<DeleteOutcome>;
}

const RECEIVE_LIMIT = 10;
const LONG_POLL_SECONDS = 20;
/** Longer than the long poll itself, so only a hung connection times out. */
const LONG_POLL_TIMEOUT_MS = (LONG_POLL_SECONDS + 5) * 1_000;
const DELETE_LIMIT = 10;

export class SqsQueue implements MessageQueue {
  private readonly deleteCalls;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    metrics: Registry,
  ) {
    this.deleteCalls = metrics.counter(
      "analytics_sqs_delete_calls_total",
      "DeleteMessageBatch calls",
    );
  }

  async receive(wait: boolean, signal: AbortSignal): Promise<QueuedMessage[]> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: RECEIVE_LIMIT,
        WaitTimeSeconds: wait ? LONG_POLL_SECONDS : 0,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
      { abortSignal: signal, requestTimeout: LONG_POLL_TIMEOUT_MS },
    );
    return Messages.flatMap(({ MessageId, ReceiptHandle, Body, Attributes }) =>
      MessageId === undefined || ReceiptHandle === undefined
        ? []
        : [
            {
              messageId: MessageId,
              receiptHandle: ReceiptHandle,
              body: Body ?? "",
              receiveCount: Number(Attributes?.ApproximateReceiveCount ?? 1),
            },
          ],
    );
  }

  async delete(receiptHandles: readonly string[]): Promise<DeleteOutcome> {
    const outcome: DeleteOutcome = { failed: 0 };
    await Promise.all(
      chunk(receiptHandles, DELETE_LIMIT).map(async (group) => {
        this.deleteCalls.inc();
        try {
          const { Failed = [] } = await this.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: group.map((receiptHandle, index) => ({
                Id: String(index),
                ReceiptHandle: receiptHandle,
              })),
            }),
          );
          outcome.failed += Failed.length;
        } catch (error) {
          outcome.failed += group.length;
          outcome.error ??= error;
        }
      }),
    );
    return outcome;
  }
}
