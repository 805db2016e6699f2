/** Error bodies are `{"error": "<message>", "code": "<STABLE_CODE>"}` on every service. */
export type ErrorBody = { error: string; code: string };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): ErrorBody {
    return { error: this.message, code: this.code };
  }
}

export const badRequest = (message: string, code = "INVALID_REQUEST") =>
  new HttpError(400, message, code);
export const notFound = (message: string, code = "NOT_FOUND") => new HttpError(404, message, code);
export const conflict = (message: string, code = "CONFLICT") => new HttpError(409, message, code);
export const serviceUnavailable = (message: string, code = "UNAVAILABLE") =>
  new HttpError(503, message, code);
