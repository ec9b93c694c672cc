import type { IncomingHttpHeaders } from 'node:http';

/** A request header's value, the first if it was sent more than once; '' when absent. */
export function headerValue(request: { headers: IncomingHttpHeaders }, name: string): string {
  const value = request.headers[name.toLowerCase()];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}
