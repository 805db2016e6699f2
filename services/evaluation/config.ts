import { commonSettings, type Env, env, loadConfig } from "@togglemaster/shared/config";
import { REGION } from "@togglemaster/shared/topology";

export const evaluationSettings = {
  ...commonSettings("evaluation"),
  LOG_REQUESTS: env
    .oneOf(["summary", "all"], "summary")
    .doc(
      "`summary`: successful `/evaluate` and OFREP requests make one log line per route every 10 s; `all`: a line each",
    ),
  AUTH_SERVICE_URL: env.url().doc("auth-service base URL"),
  FLAG_SERVICE_URL: env.url().doc("where flags are read"),
  TARGETING_SERVICE_URL: env.url().doc("where targeting rules are read"),
  SERVICE_API_KEY: env.secret(16).doc("API key evaluation exchanges for JWTs"),
  JWT_SECRET: env.secret(32).doc("HS256 secret of the JWTs auth issues"),
  REDIS_URL: env
    .optionalUrl()
    .doc("shared flag cache and change notices; without it cached flags live 1 s"),
  AWS_SQS_URL: env.optionalUrl().doc("events queue; without it events are not sent"),
  AWS_REGION: env.string(REGION).doc("AWS region"),
  AWS_ENDPOINT_URL: env.optionalUrl().doc("endpoint of an AWS-compatible emulator"),
  AWS_ENDPOINT_URL_SQS: env.optionalUrl().doc("SQS endpoint, if not `AWS_ENDPOINT_URL`"),
  EVENT_BUFFER_CAPACITY: env
    .int(100_000, { min: 10, max: 10_000_000 })
    .doc("events held while SQS is unreachable; beyond it the oldest are dropped (and counted)"),
  EVENT_FLUSH_MS: env
    .int(1_000, { min: 10, max: 60_000 })
    .doc("longest an event waits before it is sent"),
  EVENT_CLOSE_TIMEOUT_MS: env
    .int(5_000, { min: 0, max: 60_000 })
    .doc(
      "on SIGTERM, how long buffered events may take to send (keep under the pod's grace period)",
    ),
  EVENT_COUNTS_INTERVAL_MS: env
    .int(10_000, { min: 100, max: 3_600_000 })
    .doc("how often exact hourly counts ship (each costs analytics one write per flag-hour)"),
};

export const readConfig = (source: Env = process.env) => loadConfig(evaluationSettings, source);
export type EvaluationConfig = ReturnType<typeof readConfig>;
