/**
 * A few lines of Envoy's side of ext_proc, for the smoke test and for poking at a running
 * server: sends request headers and a buffered request body on one Process stream and returns
 * the two replies, as Envoy would receive them. Uses the .proto files @semroute/extproc ships.
 */
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  PROTO_LOADER_OPTIONS,
  type ProcessingRequest,
  type ProcessingResponse,
  protoDirectory,
} from '@semroute/extproc';

type ExtProcClient = grpc.Client & {
  Process(): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
};

function createClient(address: string): ExtProcClient {
  const definition = loadSync('envoy/service/ext_proc/v3/external_processor.proto', {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoDirectory()],
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { ext_proc: { v3: { ExternalProcessor: grpc.ServiceClientConstructor } } } };
  };
  const Client = loaded.envoy.service.ext_proc.v3.ExternalProcessor;
  return new Client(address, grpc.credentials.createInsecure()) as unknown as ExtProcClient;
}

const header = (key: string, value: string) => ({ key, raw_value: Buffer.from(value) });

/** Replies to a POST /v1/chat/completions request's headers and (buffered) body. */
export async function sendChatRequest(
  address: string,
  body: unknown,
): Promise<{ headersReply: ProcessingResponse; bodyReply: ProcessingResponse }> {
  const client = createClient(address);
  const call = client.Process();
  const replies: ProcessingResponse[] = [];
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
      call.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      call.on('data', (reply: ProcessingResponse) => {
        replies.push(reply);
        if (replies.length === 1) {
          const bytes = Buffer.from(JSON.stringify(body));
          call.write({ request_body: { body: bytes, end_of_stream: true } });
        } else {
          clearTimeout(timer);
          resolve({ headersReply: replies[0]!, bodyReply: reply });
        }
      });
      const text = JSON.stringify(body);
      call.write({
        request_headers: {
          headers: {
            headers: [
              header(':method', 'POST'),
              header(':path', '/v1/chat/completions'),
              header(':authority', 'llm.example'),
              header('content-type', 'application/json'),
              header('content-length', String(Buffer.byteLength(text))),
            ],
          },
          end_of_stream: false,
        },
      });
    });
  } finally {
    call.cancel();
    client.close();
  }
}
