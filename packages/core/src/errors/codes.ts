/**
 * The one table of semroute error codes. Every {@link SemrouteError} carries one of these codes;
 * transports map it to an HTTP status, an OpenAI error `type` and a gRPC status from here, so
 * the ExtProc server and the HTTP proxy always answer the same failure the same way.
 *
 * @module
 */

/** gRPC status codes used by the table (numeric values from grpc's `Status` enum). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface ErrorCodeInfo {
  /** HTTP status a transport answers with. */
  readonly httpStatus: number;
  /** OpenAI-style error `type` field. */
  readonly openaiType: string;
  /** gRPC status code for gRPC surfaces. */
  readonly grpcStatus: number;
  /** Whether a retry of the same operation may succeed. */
  readonly retryable: boolean;
}

export const ERROR_CODES = {
  invalid_config: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
    retryable: false,
  },
  invalid_request: {
    httpStatus: 400,
    openaiType: 'invalid_request_error',
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    retryable: false,
  },
  model_not_found: {
    httpStatus: 400,
    openaiType: 'invalid_request_error',
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    retryable: false,
  },
  no_model_selected: {
    httpStatus: 400,
    openaiType: 'invalid_request_error',
    grpcStatus: GrpcStatus.INVALID_ARGUMENT,
    retryable: false,
  },
  unauthorized: {
    httpStatus: 401,
    openaiType: 'authentication_error',
    grpcStatus: GrpcStatus.UNAUTHENTICATED,
    retryable: false,
  },
  forbidden: {
    httpStatus: 403,
    openaiType: 'permission_error',
    grpcStatus: GrpcStatus.PERMISSION_DENIED,
    retryable: false,
  },
  not_found: {
    httpStatus: 404,
    openaiType: 'not_found_error',
    grpcStatus: GrpcStatus.NOT_FOUND,
    retryable: false,
  },
  request_timeout: {
    httpStatus: 408,
    openaiType: 'timeout_error',
    grpcStatus: GrpcStatus.DEADLINE_EXCEEDED,
    retryable: true,
  },
  payload_too_large: {
    httpStatus: 413,
    openaiType: 'invalid_request_error',
    grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED,
    retryable: false,
  },
  rate_limited: {
    httpStatus: 429,
    openaiType: 'rate_limit_error',
    grpcStatus: GrpcStatus.RESOURCE_EXHAUSTED,
    retryable: true,
  },
  overloaded: {
    httpStatus: 503,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.UNAVAILABLE,
    retryable: true,
  },
  signal_failed: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.INTERNAL,
    retryable: true,
  },
  signal_timeout: {
    httpStatus: 504,
    openaiType: 'timeout_error',
    grpcStatus: GrpcStatus.DEADLINE_EXCEEDED,
    retryable: true,
  },
  classifier_failed: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.INTERNAL,
    retryable: true,
  },
  model_load_failed: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
    retryable: false,
  },
  cache_store_failed: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.UNAVAILABLE,
    retryable: true,
  },
  upstream_failed: {
    httpStatus: 502,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.UNAVAILABLE,
    retryable: true,
  },
  upstream_timeout: {
    httpStatus: 504,
    openaiType: 'timeout_error',
    grpcStatus: GrpcStatus.DEADLINE_EXCEEDED,
    retryable: true,
  },
  dependency_not_installed: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
    retryable: false,
  },
  unsupported_specification: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.FAILED_PRECONDITION,
    retryable: false,
  },
  aborted: {
    httpStatus: 499,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.CANCELLED,
    retryable: false,
  },
  internal: {
    httpStatus: 500,
    openaiType: 'server_error',
    grpcStatus: GrpcStatus.INTERNAL,
    retryable: false,
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Looks up the transport mapping of an error code. */
export function errorCodeInfo(code: ErrorCode): ErrorCodeInfo {
  return ERROR_CODES[code];
}
