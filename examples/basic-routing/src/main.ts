import { routeExamples } from './route-examples.js';

for (const { prompt, decision, outcome } of await routeExamples()) {
  console.log(`${prompt}\n  decision: ${decision ?? '(none)'}\n  outcome:  ${outcome}\n`);
}
