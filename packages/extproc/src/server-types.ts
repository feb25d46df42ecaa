/**
 * Structural types for the small part of `@grpc/grpc-js` this package touches, so the public
 * `.d.ts` carries no third-party types (the grpc-health-check pattern). A real
 * `grpc.Server` satisfies {@link GrpcServerLike}.
 *
 * @module
 */

/** One method of a grpc-js service definition (what proto-loader produces). */
export interface MethodDefinitionLike {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: never) => Buffer;
  readonly requestDeserialize: (bytes: Buffer) => unknown;
  readonly responseSerialize: (value: never) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => unknown;
  readonly originalName?: string;
}

/** A grpc-js service definition: method name → method definition. */
export type ServiceDefinitionLike = Readonly<Record<string, MethodDefinitionLike>>;

/** The server half of a grpc-js bidi stream, as far as the ext_proc handler uses it. */
export interface ServerDuplexStreamLike<Request, Response> {
  readonly cancelled: boolean;
  write(message: Response): boolean;
  end(): void;
  emit(event: 'error', error: { code: number; details: string }): boolean;
  on(event: 'data', listener: (message: Request) => void): this;
  on(event: 'end' | 'close' | 'cancelled' | 'finish', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

/** The server half of a unary call plus its callback. */
export interface ServerUnaryCallLike<Request> {
  readonly request: Request;
}

/** The server side of a server-streaming call. */
export interface ServerWritableStreamLike<Request, Response> {
  readonly request: Request;
  readonly cancelled: boolean;
  write(message: Response): boolean;
  end(): void;
  on(event: 'cancelled' | 'close', listener: () => void): this;
}

/** Anything with grpc-js `Server#addService`. */
export interface GrpcServerLike {
  // biome-ignore lint/suspicious/noExplicitAny: grpc-js' own signature takes UntypedServiceImplementation.
  addService(service: any, implementation: any): void;
}
