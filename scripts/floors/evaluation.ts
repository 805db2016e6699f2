/**
 * evaluation's libraries alone: Elysia, an ioredis client and an SQS client over fetch, as
 * the service builds it. Idle, the service has sent nothing to SQS, so neither does this.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { Elysia } from "elysia";
import Redis from "ioredis";
import { listening } from "./listening.ts";

const redis = new Redis(process.env.REDIS_URL ?? "");
const sqs = new SQSClient({
  region: process.env.AWS_REGION,
  endpoint: process.env.AWS_ENDPOINT_URL_SQS,
  requestHandler: new FetchHttpHandler({ requestTimeout: 3_000 }),
});

new Elysia()
  .get("/health/ready", async () => {
    await redis.ping();
    return { status: "ready", queue: sqs.config.serviceId };
  })
  .listen(Number(process.env.PORT));
listening();
