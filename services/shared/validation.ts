/**
 * Contract-exact 400 messages for schema failures. A schema may carry `messages`; the
 * first failing field picks the one that fits what is wrong with it.
 */
export interface FieldMessages {
  /** The field is absent, null or empty. */
  required?: string;
  /** The field has the wrong type or shape. */
  invalid?: string;
  /** The field is longer or larger than allowed. */
  tooLong?: string;
}

interface SchemaFailure {
  path?: string;
  value?: unknown;
  message?: string;
  schema?: object;
}

interface AnnotatedSchema {
  messages?: FieldMessages;
  maxLength?: number;
  maximum?: number;
}

const isBlank = (value: unknown) => value === undefined || value === null || value === "";

/**
 * `body` and `rootSchema` are the whole input and its schema: a body that is not even an
 * object is reported as such, not as its first missing field.
 */
export function describeValidationFailure(
  failure: SchemaFailure | undefined,
  body?: unknown,
  rootSchema?: object,
): string {
  const root = rootSchema as (AnnotatedSchema & { type?: unknown }) | undefined;
  if (root?.type === "object") {
    if (isBlank(body) && root.messages?.required) return root.messages.required;
    if (typeof body !== "object" || body === null || Array.isArray(body))
      return root.messages?.invalid ?? "Corpo da requisição inválido";
  }
  if (failure === undefined) return "Corpo da requisição inválido";
  const { path = "", value } = failure;
  const schema = failure.schema as AnnotatedSchema | undefined;
  const messages = schema?.messages ?? {};
  const field = path.replace(/^\//, "").replaceAll("/", ".");
  if (isBlank(value) && messages.required) return messages.required;
  const oversize =
    (typeof value === "string" &&
      schema?.maxLength !== undefined &&
      value.length > schema.maxLength) ||
    (typeof value === "number" && schema?.maximum !== undefined && value > schema.maximum);
  if (oversize && messages.tooLong) return messages.tooLong;
  if (messages.invalid) return messages.invalid;
  const reason = failure.message ?? "is invalid";
  return field === "" ? `Corpo da requisição inválido: ${reason}` : `'${field}': ${reason}`;
}
