/**
 * The HTTP status codes Envoy's `envoy.type.v3.StatusCode` enum defines. An ImmediateResponse
 * must carry one of them (Envoy rejects undefined codes and turns codes below 200 into 200).
 *
 * @module
 */

/** `envoy.type.v3.StatusCode` name → number. */
export const ENVOY_STATUS_CODES: Readonly<Record<string, number>> = {
  Continue: 100,
  OK: 200,
  Created: 201,
  Accepted: 202,
  NonAuthoritativeInformation: 203,
  NoContent: 204,
  ResetContent: 205,
  PartialContent: 206,
  MultiStatus: 207,
  AlreadyReported: 208,
  IMUsed: 226,
  MultipleChoices: 300,
  MovedPermanently: 301,
  Found: 302,
  SeeOther: 303,
  NotModified: 304,
  UseProxy: 305,
  TemporaryRedirect: 307,
  PermanentRedirect: 308,
  BadRequest: 400,
  Unauthorized: 401,
  PaymentRequired: 402,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  ProxyAuthenticationRequired: 407,
  RequestTimeout: 408,
  Conflict: 409,
  Gone: 410,
  LengthRequired: 411,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  URITooLong: 414,
  UnsupportedMediaType: 415,
  RangeNotSatisfiable: 416,
  ExpectationFailed: 417,
  MisdirectedRequest: 421,
  UnprocessableEntity: 422,
  Locked: 423,
  FailedDependency: 424,
  UpgradeRequired: 426,
  PreconditionRequired: 428,
  TooManyRequests: 429,
  RequestHeaderFieldsTooLarge: 431,
  InternalServerError: 500,
  NotImplemented: 501,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
  HTTPVersionNotSupported: 505,
  VariantAlsoNegotiates: 506,
  InsufficientStorage: 507,
  LoopDetected: 508,
  NotExtended: 510,
  NetworkAuthenticationRequired: 511,
};

const DEFINED = new Set(Object.values(ENVOY_STATUS_CODES));

/** Whether Envoy's StatusCode enum defines `code`. */
export function isEnvoyStatusCode(code: number): boolean {
  return DEFINED.has(code);
}

/**
 * Maps any HTTP status to one Envoy accepts in an ImmediateResponse: defined codes pass
 * through; codes below 200 become 200 (what Envoy would do); other undefined codes fall back to
 * the class default (4xx → 400, 5xx → 500; e.g. 499 → 500).
 */
export function toEnvoyStatusCode(code: number): number {
  if (code < 200) return 200;
  if (DEFINED.has(code)) return code;
  if (code >= 400 && code < 500) return 400;
  if (code >= 500) return 500;
  return 200;
}

/** Number of a decoded StatusCode (enum name or number). */
export function statusCodeNumber(code: number | string | undefined): number {
  if (typeof code === 'number') return code;
  if (code === undefined) return 0;
  const named = ENVOY_STATUS_CODES[code];
  if (named !== undefined) return named;
  const parsed = Number(code);
  return Number.isFinite(parsed) ? parsed : 0;
}
