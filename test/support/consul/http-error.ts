/**
 * An answer other than 200 that a handler decides on: the router writes `message` as the plain-text
 * body, as Consul writes its errors.
 */
export class ConsulHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ConsulHttpError => new ConsulHttpError(400, message);
export const notFound = (message: string): ConsulHttpError => new ConsulHttpError(404, message);
