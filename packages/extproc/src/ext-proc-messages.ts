/**
 * TypeScript shapes of the ext_proc v3 messages as `@grpc/proto-loader` decodes them
 * (`keepCase`, `enums: String`, `defaults: true`, `oneofs: true`): snake_case fields, enum
 * names as strings, `bytes` as `Buffer`, unset sub-messages as `null`, and the oneof name
 * (`request`, `response`, `mutation`) naming the member that is set. Outgoing messages use the
 * same names; enum fields may be given by name.
 *
 * @module
 */

export type BodySendMode =
  | 'NONE'
  | 'STREAMED'
  | 'BUFFERED'
  | 'BUFFERED_PARTIAL'
  | 'FULL_DUPLEX_STREAMED'
  | 'GRPC';
export type HeaderSendMode = 'DEFAULT' | 'SEND' | 'SKIP';
export type HeaderAppendAction =
  | 'APPEND_IF_EXISTS_OR_ADD'
  | 'ADD_IF_ABSENT'
  | 'OVERWRITE_IF_EXISTS_OR_ADD'
  | 'OVERWRITE_IF_EXISTS';

export interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Uint8Array;
}

export interface HeaderMap {
  headers: HeaderValue[];
}

export interface HttpHeaders {
  headers: HeaderMap | null;
  end_of_stream: boolean;
  attributes?: Record<string, unknown>;
}

export interface HttpBody {
  body: Uint8Array;
  end_of_stream: boolean;
  end_of_stream_without_message?: boolean;
  grpc_message_compressed?: boolean;
}

export interface HttpTrailers {
  trailers: HeaderMap | null;
}

export interface ProtocolConfiguration {
  request_body_mode: BodySendMode;
  response_body_mode: BodySendMode;
  send_body_without_waiting_for_header_response: boolean;
}

export interface ProcessingMode {
  request_header_mode?: HeaderSendMode;
  response_header_mode?: HeaderSendMode;
  request_body_mode?: BodySendMode;
  response_body_mode?: BodySendMode;
  request_trailer_mode?: HeaderSendMode;
  response_trailer_mode?: HeaderSendMode;
}

export type ProcessingRequestKind =
  | 'request_headers'
  | 'response_headers'
  | 'request_body'
  | 'response_body'
  | 'request_trailers'
  | 'response_trailers';

/** Envoy → server. */
export interface ProcessingRequest {
  request?: ProcessingRequestKind | undefined;
  request_headers?: HttpHeaders | null;
  response_headers?: HttpHeaders | null;
  request_body?: HttpBody | null;
  response_body?: HttpBody | null;
  request_trailers?: HttpTrailers | null;
  response_trailers?: HttpTrailers | null;
  metadata_context?: unknown;
  attributes?: Record<string, unknown>;
  observability_mode?: boolean;
  protocol_config?: ProtocolConfiguration | null;
}

export interface HeaderValueOption {
  header: HeaderValue;
  append?: { value: boolean } | null;
  append_action?: HeaderAppendAction;
  keep_empty_value?: boolean;
}

export interface HeaderMutation {
  set_headers?: HeaderValueOption[];
  remove_headers?: string[];
}

export interface StreamedBodyResponse {
  body: Uint8Array;
  end_of_stream: boolean;
  end_of_stream_without_message?: boolean;
  grpc_message_compressed?: boolean;
}

export interface BodyMutation {
  mutation?: 'body' | 'clear_body' | 'streamed_response';
  body?: Uint8Array;
  clear_body?: boolean;
  streamed_response?: StreamedBodyResponse | null;
}

export interface CommonResponse {
  status?: 'CONTINUE' | 'CONTINUE_AND_REPLACE';
  header_mutation?: HeaderMutation | null;
  body_mutation?: BodyMutation | null;
  trailers?: HeaderMap | null;
  clear_route_cache?: boolean;
}

export interface HeadersResponse {
  response?: CommonResponse | null;
}

export interface BodyResponse {
  response?: CommonResponse | null;
}

export interface TrailersResponse {
  header_mutation?: HeaderMutation | null;
}

export interface ImmediateResponse {
  /** Enum name (decoded) or number (outgoing). */
  status: { code: number | string } | null;
  headers?: HeaderMutation | null;
  body?: Uint8Array;
  grpc_status?: { status: number } | null;
  details?: string;
}

export interface DurationMessage {
  seconds: number | string;
  nanos: number;
}

export type ProcessingResponseKind =
  | 'request_headers'
  | 'response_headers'
  | 'request_body'
  | 'response_body'
  | 'request_trailers'
  | 'response_trailers'
  | 'immediate_response'
  | 'streamed_immediate_response';

/** Server → Envoy. */
export interface ProcessingResponse {
  response?: ProcessingResponseKind;
  request_headers?: HeadersResponse | null;
  response_headers?: HeadersResponse | null;
  request_body?: BodyResponse | null;
  response_body?: BodyResponse | null;
  request_trailers?: TrailersResponse | null;
  response_trailers?: TrailersResponse | null;
  immediate_response?: ImmediateResponse | null;
  streamed_immediate_response?: unknown;
  dynamic_metadata?: unknown;
  mode_override?: ProcessingMode | null;
  override_message_timeout?: DurationMessage | null;
  request_drain?: boolean;
}

/** The reply kind Envoy expects for each request kind. */
export const REPLY_KIND: Readonly<Record<ProcessingRequestKind, ProcessingResponseKind>> = {
  request_headers: 'request_headers',
  response_headers: 'response_headers',
  request_body: 'request_body',
  response_body: 'response_body',
  request_trailers: 'request_trailers',
  response_trailers: 'response_trailers',
};
