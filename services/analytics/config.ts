import {
  type Config,
  ConfigError,
  commonSettings,
  type Env,
  env,
  loadConfig,
  Setting,
} from "@togglemaster/shared/config";
import { isFlagName } from "@togglemaster/shared/limits";
import { REGION, TABLES } from "@togglemaster/shared/topology";
import { EVENT_ITEM_MODES, type EventItemMode } from "./items.ts";

const isMode = (value: string): value is EventItemMode =>
  (EVENT_ITEM_MODES as readonly string[]).includes(value);

/** `checkout=all,search=none`: flags whose event items differ from the default. */
const itemsByFlag = new Setting<ReadonlyMap<string, EventItemMode>>((name, source) => {
  const byFlag = new Map<string, EventItemMode>();
  for (const entry of env.list().read(name, source)) {
    const [flag = "", mode = "", ...rest] = entry.split("=").map((part) => part.trim());
    if (!isFlagName(flag) || !isMode(mode) || rest.length > 0)
      throw new ConfigError(
        `${name} must be a list of flag=${EVENT_ITEM_MODES.join("|")}, got "${entry}"`,
      );
    byFlag.set(flag, mode);
  }
  return byFlag;
}, "(none)");

export const analyticsSettings = {
  ...commonSettings("analytics"),
  AUTH_SERVICE_URL: env.url().doc("auth-service base URL, which validates API keys"),
  JWT_SECRET: env.secret(32).doc("HS256 secret of the JWTs auth issues (at least 32 characters)"),
  AWS_SQS_URL: env.url().doc("URL of the queue evaluation publishes events to"),
  AWS_DYNAMODB_TABLE: env.string(TABLES.events.name).doc("table of event items"),
  AWS_DYNAMODB_COUNTERS_TABLE: env.string(TABLES.counters.name).doc("table of hourly counters"),
  AWS_REGION: env.string(REGION).doc("AWS region"),
  AWS_ENDPOINT_URL: env.optionalUrl().doc("endpoint of an AWS-compatible emulator; none means AWS"),
  AWS_ENDPOINT_URL_SQS: env.optionalUrl().doc("SQS endpoint, when not `AWS_ENDPOINT_URL`"),
  AWS_ENDPOINT_URL_DYNAMODB: env
    .optionalUrl()
    .doc("DynamoDB endpoint, when not `AWS_ENDPOINT_URL`"),
  ANALYTICS_POLLERS: env.int(2, { min: 1, max: 10 }).doc("concurrent long polls of the queue"),
  ANALYTICS_EVENT_ITEMS: env
    .oneOf(EVENT_ITEM_MODES, "all")
    .doc(
      "which evaluations are stored as event items: `all` (as v1), `sample` or `none` (counters only); counters count every evaluation",
    ),
  ANALYTICS_EVENT_SAMPLE_RATE: env
    .number(0.01, { min: 0, max: 1 })
    .doc("share of evaluations stored in `sample` mode, chosen by event id"),
  ANALYTICS_EVENT_ITEMS_BY_FLAG: itemsByFlag.doc(
    "per-flag exceptions to `ANALYTICS_EVENT_ITEMS`, e.g. `checkout=all,search=none`",
  ),
};

export type AnalyticsConfig = Config<typeof analyticsSettings>;

export const readConfig = (source: Env = process.env): AnalyticsConfig =>
  loadConfig(analyticsSettings, source);
