import { t } from "elysia";
import { FLAG_NAME_PATTERN, MAX_FLAG_NAME } from "./limits.ts";

/** Flag names travel in URLs, cache keys and SDKs, so they are kept URL-safe. */
export const flagNameSchema = (field: string, required: string) =>
  t.String({
    minLength: 1,
    maxLength: MAX_FLAG_NAME,
    pattern: FLAG_NAME_PATTERN,
    messages: {
      required,
      tooLong: `'${field}' deve ter no máximo ${MAX_FLAG_NAME} caracteres`,
      invalid: `'${field}' deve ser um texto de letras, números, '_', '-', '.' ou ':'`,
    },
  });

export const isEnabledSchema = t.Boolean({
  messages: { invalid: "'is_enabled' deve ser verdadeiro ou falso" },
});
