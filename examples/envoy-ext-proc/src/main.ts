import { startExtProc } from './start-ext-proc.js';

const extProc = await startExtProc({ host: '0.0.0.0', port: Number(process.env.PORT ?? 50051) });
console.log(`semroute ext_proc listening on ${extProc.address}`);
console.log('Point Envoy at it with envoy.yaml (envoy -c envoy.yaml), then send chat requests to :8899.');
console.log('Ctrl-C to stop.');
process.once('SIGINT', () => void extProc.close());
process.once('SIGTERM', () => void extProc.close());
