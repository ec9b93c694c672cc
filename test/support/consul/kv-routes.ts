/** `/v1/kv/:key`: reads (single, `?recurse`, `?keys`, `?raw`, blocking), check-and-set writes, deletes. */
import { AgentContext, Route } from './agent-context';
import { waitForNewerResult } from './blocking-query';
import { badRequest, ConsulHttpError } from './http-error';
import {
  blockingParameters,
  Exchange,
  hasFlag,
  jsonReply,
  MAX_BODY_BYTES,
  queryMetaHeaders,
  Reply,
  requireManagement,
} from './http-exchange';
import { kvEntryJson } from './json-views';

function optionalUnsigned(exchange: Exchange, name: string): number | undefined {
  const text = exchange.query.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw badRequest(`Invalid ${name} index`);
  return Number(text);
}

export function kvRoutes(context: AgentContext): Route[] {
  const { kv, changeIndex, resultIndexes, timeScale } = context;

  /**
   * A read's index is that of the newest entry or tombstone it covers (an entry's ModifyIndex, as
   * in Consul); a read that has never matched anything keeps the index it was first given, so that
   * writes elsewhere in the store do not wake it.
   */
  const readIndex = (key: string, prefix: boolean): number => {
    const index = kv.indexOf(key, prefix);
    return index > 0 ? index : resultIndexes.indexOf(`kv:${prefix}:${key}`, 'never written');
  };

  const get = async (exchange: Exchange, key: string): Promise<Reply> => {
    const listKeys = exchange.query.has('keys');
    const recurse = hasFlag(exchange.query, 'recurse');
    const prefix = listKeys || recurse;
    if (!prefix || exchange.identity === 'management') {
      // Lists are filtered for the anonymous token below; a single key is refused outright.
      requireManagement(exchange, 'key:read', key);
    }
    const { minIndex, maxWaitMs } = blockingParameters(exchange.query, timeScale);
    await waitForNewerResult(changeIndex, {
      minIndex,
      maxWaitMs,
      resultIndex: () => readIndex(key, prefix),
      signal: exchange.signal,
    });
    const headers = queryMetaHeaders(readIndex(key, prefix));
    const notFoundReply: Reply = { statusCode: 404, headers, body: '' };

    if (exchange.identity !== 'management') {
      const hidden = kv.list(key).length > 0;
      return hidden
        ? { ...notFoundReply, headers: { ...headers, 'X-Consul-Results-Filtered-By-ACLs': 'true' } }
        : notFoundReply;
    }
    if (listKeys) {
      const keys = kv.keys(key, exchange.query.get('separator') ?? '');
      return keys.length === 0 ? notFoundReply : jsonReply(keys, headers);
    }
    if (recurse) {
      const entries = kv.list(key);
      return entries.length === 0 ? notFoundReply : jsonReply(entries.map(kvEntryJson), headers);
    }
    const entry = kv.get(key);
    if (!entry) return notFoundReply;
    if (hasFlag(exchange.query, 'raw')) {
      return {
        statusCode: 200,
        headers: { ...headers, 'Content-Type': rawContentType(entry.value) },
        body: entry.value,
      };
    }
    return jsonReply([kvEntryJson(entry)], headers);
  };

  const put = async (exchange: Exchange, key: string): Promise<Reply> => {
    requireManagement(exchange, 'key:write', key);
    if (key === '') throw badRequest('Missing key name');
    if (exchange.query.has('acquire') || exchange.query.has('release')) {
      throw badRequest('Sessions (?acquire, ?release) are not supported by this test server');
    }
    const value = await exchange.readBody();
    if (value.length > MAX_BODY_BYTES) {
      throw new ConsulHttpError(413, `Value exceeds ${MAX_BODY_BYTES} byte limit`);
    }
    const written = kv.set({
      key,
      value,
      flags: optionalUnsigned(exchange, 'flags') ?? 0,
      cas: optionalUnsigned(exchange, 'cas'),
    });
    return jsonReply(written);
  };

  const remove = (exchange: Exchange, key: string): Reply => {
    requireManagement(exchange, 'key:write', key);
    const recurse = hasFlag(exchange.query, 'recurse');
    if (key === '' && !recurse) throw badRequest('Missing key name');
    return jsonReply(kv.delete(key, { recurse, cas: optionalUnsigned(exchange, 'cas') }));
  };

  return [
    {
      // `kv` alone is the root (empty key), as `/v1/kv/?recurse` lists everything.
      pattern: /^kv(?:\/(.*))?$/,
      handlers: {
        GET: (exchange, [key]) => get(exchange, key ?? ''),
        PUT: (exchange, [key]) => put(exchange, key ?? ''),
        DELETE: (exchange, [key]) => remove(exchange, key ?? ''),
      },
    },
  ];
}

function rawContentType(value: Buffer): string {
  const text = value.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(value) && !text.includes('\u0000');
  return isText ? 'text/plain; charset=utf-8' : 'application/octet-stream';
}
