/**
 * Answers the deployment scripts' questions, so no script writes a name the topology or a
 * generated file already holds:
 *
 *   bun charts/query.ts services                 the services, space-separated
 *   bun charts/query.ts value <file.yaml> <key>  one value of a YAML file, by dotted path
 */
import { parse } from "yaml";
import { SERVICE_NAMES } from "../services/shared/topology.ts";
import { valueAt } from "./helmfile.ts";

const USAGE = "usage: bun charts/query.ts services | value <file.yaml> <dotted.key>";

export async function query(args: string[]): Promise<string> {
  const [command, file, key] = args;
  if (command === "services" && args.length === 1) return SERVICE_NAMES.join(" ");
  if (command === "value" && file !== undefined && key !== undefined && args.length === 3) {
    const value = valueAt(parse(await Bun.file(file).text()) ?? {}, key);
    if (value === undefined || (typeof value === "object" && value !== null)) {
      throw new Error(`${file}: ${key} is not a scalar value`);
    }
    return String(value ?? "");
  }
  throw new Error(USAGE);
}

if (import.meta.main) {
  await query(Bun.argv.slice(2)).then(
    (answer) => console.log(answer),
    (error: Error) => {
      console.error(error.message);
      process.exit(2);
    },
  );
}
