/**
 * OpenAI-style error responses: `{"error": {"message", "type", "code", "param"}}`, with the
 * status and type taken from core's error-code table so every transport answers alike.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode, HEADER_SCHEMA_VERSION, HEADERS } from '@semroute/core';
import type { HttpResult } from './http-exchange.js';

/** Renders an OpenAI-style error result. `extra` fields are added inside `error`. */
export function openaiErrorResult(
  code: ErrorCode,
  message: string,
  options: {
    status?: number;
    param?: string;
    extra?: Record<string, unknown>;
    headers?: Record<string, string>;
  } = {},
): HttpResult {
  const info = ERROR_CODES[code];
  const body = {
    error: { message, type: info.openaiType, code, param: options.param ?? null, ...options.extra },
  };
  return {
    status: options.status ?? info.httpStatus,
    headers: {
      'content-type': 'application/json',
      [HEADERS.schemaVersion]: HEADER_SCHEMA_VERSION,
      [HEADERS.responsePath]: 'error',
      ...options.headers,
    },
    body: JSON.stringify(body),
  };
}

/** A JSON result. */
export function jsonResult(status: number, value: unknown, headers: Record<string, string> = {}): HttpResult {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}
