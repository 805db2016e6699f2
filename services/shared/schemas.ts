import { t } from "elysia";

/** Flag names travel in URLs, cache keys and SDKs, so they are kept URL-safe. */
export const flagNameSchema = (field: string, required: string) =>
  t.String({
    minLength: 1,
    maxLength: 100,
    pattern: "^[A-Za-z0-9_.:-]+$",
    messages: {
      required,
      tooLong: `'${field}' deve ter no máximo 100 caracteres`,
      invalid: `'${field}' deve ser um texto de letras, números, '_', '-', '.' ou ':'`,
    },
  });

export const isEnabledSchema = t.Boolean({
  messages: { invalid: "'is_enabled' deve ser verdadeiro ou falso" },
});
