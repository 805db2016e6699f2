import { ApiError } from "./api.ts";

/** A problem the console found in a field before sending anything (e.g. JSON that does not parse). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "FieldError";
  }
}

/**
 * The form field an error is about, so its message can stand next to that field. The
 * platform's messages quote the field they concern ("'rules.value' deve ser…", or a part of
 * it: "'variants.red': …"); a few conflicts are known by their code.
 */
export function fieldOf(error: unknown, fields: readonly string[]): string | undefined {
  if (error instanceof FieldError) return fields.includes(error.field) ? error.field : undefined;
  if (!(error instanceof ApiError)) return;
  if (error.code === "FLAG_EXISTS" && fields.includes("name")) return "name";
  if (error.code === "SEGMENT_EXISTS" && fields.includes("name")) return "name";
  return (
    fields.find((field) => error.message.includes(`'${field}'`)) ??
    fields.find((field) => error.message.includes(`'${field}.`))
  );
}

/** The message about one of `fields`, to show beside it; undefined for other errors. */
export function fieldError(
  error: unknown,
  fields: readonly string[],
): { field: string; message: string } | undefined {
  const field = fieldOf(error, fields);
  return field === undefined ? undefined : { field, message: messageOf(error) };
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
