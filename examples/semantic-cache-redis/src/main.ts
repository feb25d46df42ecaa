import { QUESTIONS, runCacheDemo } from './cache-demo.js';
import { deleteKeys } from './cleanup.js';

const keyPrefix = `semroute:example:${process.pid}:${Date.now().toString(36)}:`;
try {
  console.log(`stored:   ${QUESTIONS.stored}`);
  for (const result of await runCacheDemo({ keyPrefix })) {
    console.log(
      result.hit
        ? `hit  (${result.kind}, similarity ${result.similarity?.toFixed(3)}): ${result.question}\n      → ${result.answer}`
        : `miss: ${result.question}`,
    );
  }
} finally {
  await deleteKeys(keyPrefix);
}
