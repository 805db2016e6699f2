/**
 * The event pipeline end to end through all five services: every evaluation becomes
 * exactly one DynamoDB item, and the hourly counters add up to the decisions made.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { DynamoDBClient, paginateScan } from "@aws-sdk/client-dynamodb";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../scripts/aws-local.ts";
import { type Stack, startStack } from "../support/stack.ts";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 120_000);

afterAll(() => stack?.stop());

async function storedItems() {
  const dynamo = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: stack.aws.dynamoEndpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const items: {
    event_id: string;
    user_id: string;
    flag_name: string;
    result: boolean | string;
    timestamp: string;
  }[] = [];
  for await (const page of paginateScan({ client: dynamo }, { TableName: stack.aws.eventsTable }))
    for (const item of page.Items ?? [])
      items.push({
        event_id: item.event_id?.S ?? "",
        user_id: item.user_id?.S ?? "",
        flag_name: item.flag_name?.S ?? "",
        result: item.result?.BOOL ?? "missing",
        timestamp: item.timestamp?.S ?? "",
      });
  dynamo.destroy();
  return items;
}

test("key, flag, rule, many evaluations: one stored item per evaluation and matching counters", async () => {
  const { key } = await stack.createKey("pipeline");
  const send = (service: "flag" | "targeting", path: string, body: unknown) =>
    fetch(`${stack.url(service)}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
  expect((await send("flag", "/flags", { name: "pipeline-split", is_enabled: true })).status).toBe(
    201,
  );
  expect(
    (
      await send("targeting", "/rules", {
        flag_name: "pipeline-split",
        rules: { type: "PERCENTAGE", value: 30 },
      })
    ).status,
  ).toBe(201);
  expect((await send("flag", "/flags", { name: "pipeline-list", is_enabled: true })).status).toBe(
    201,
  );
  expect(
    (
      await send("targeting", "/rules", {
        flag_name: "pipeline-list",
        rules: { type: "USER_LIST", values: ["user-7", "user-42"] },
      })
    ).status,
  ).toBe(201);

  const made: { user_id: string; flag_name: string; result: boolean }[] = [];
  for (const flag of ["pipeline-split", "pipeline-list"])
    for (let batch = 0; batch < 10; batch++)
      made.push(
        ...(await Promise.all(
          Array.from({ length: 25 }, async (_, index) => {
            const user = `user-${batch * 25 + index}`;
            const response = await fetch(
              `${stack.url("evaluation")}/evaluate?user_id=${user}&flag_name=${flag}`,
            );
            expect(response.status).toBe(200);
            return response.json();
          }),
        )),
      );
  const expectedTrue = (flag: string) =>
    made.filter((event) => event.flag_name === flag && event.result).length;
  expect(expectedTrue("pipeline-list")).toBe(2);
  // A 30 % split of 250 users lands near 75; the exact figure is the bucketing's.
  expect(expectedTrue("pipeline-split")).toBeGreaterThan(40);
  expect(expectedTrue("pipeline-split")).toBeLessThan(110);

  let items: Awaited<ReturnType<typeof storedItems>> = [];
  for (let attempt = 0; attempt < 100 && items.length < made.length; attempt++) {
    await Bun.sleep(200);
    items = await storedItems();
  }
  expect(items).toHaveLength(made.length);
  const identity = (event: { user_id: unknown; flag_name: unknown; result: unknown }) =>
    `${event.flag_name}|${event.user_id}|${event.result}`;
  expect(items.map(identity).sort()).toEqual(made.map(identity).sort());
  expect(new Set(items.map((item) => item.event_id)).size).toBe(made.length);
  for (const item of items) expect(Number.isNaN(Date.parse(String(item.timestamp)))).toBe(false);

  // Counts ship apart from events (every second in the test stack): wait until they add up.
  for (const flag of ["pipeline-split", "pipeline-list"]) {
    const expected = expectedTrue(flag);
    const totals = {
      true: expected,
      false: 250 - expected,
      variants: { on: expected, off: 250 - expected },
    };
    let counters: { hours: unknown[]; totals: unknown } = { hours: [], totals: {} };
    for (let attempt = 0; attempt < 100; attempt++) {
      counters = await (
        await fetch(`${stack.url("analytics")}/analytics/flags/${flag}`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json();
      if (Bun.deepEquals(counters.totals, totals)) break;
      await Bun.sleep(200);
    }
    expect(counters.hours).toHaveLength(24);
    expect(counters.totals).toEqual(totals);
  }
}, 120_000);
