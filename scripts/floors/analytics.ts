/**
 * analytics' libraries alone: Elysia, an SQS and a DynamoDB client, each called once as the
 * service's readiness does (the queue's attributes, the table's description).
 */
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Elysia } from "elysia";
import { listening } from "./listening.ts";

const region = process.env.AWS_REGION;
const sqs = new SQSClient({ region, endpoint: process.env.AWS_ENDPOINT_URL_SQS });
const dynamo = new DynamoDBClient({ region, endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB });

new Elysia()
  .get("/health/ready", async () => {
    await Promise.all([
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: process.env.AWS_SQS_URL })),
      dynamo.send(new DescribeTableCommand({ TableName: process.env.AWS_DYNAMODB_TABLE })),
    ]);
    return { status: "ready" };
  })
  .listen(Number(process.env.PORT));
listening();
