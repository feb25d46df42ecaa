import { startGateway } from './start-gateway.js';

const gateway = await startGateway({ onProgress: (message) => console.log(`models: ${message}`) });
console.log(`gateway:   ${gateway.gatewayUrl}\nsimulator: ${gateway.simulatorUrl}\n\ntry:\n`);
console.log(
  `curl -s ${gateway.gatewayUrl}/v1/chat/completions -H 'content-type: application/json' \\\n  -d '{"model":"auto","messages":[{"role":"user","content":"Is a verbal agreement legally binding in court?"}]}'\n`,
);
console.log('Ctrl-C to stop.');
process.once('SIGINT', () => void gateway.close());
process.once('SIGTERM', () => void gateway.close());
