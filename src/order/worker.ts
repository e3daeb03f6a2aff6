/**
 * The Web Worker that runs the canonical-order engine (protocol in
 * src/analysis/orderHost.ts). Started by ./spawn.ts.
 */
import { analyzeCell } from '../analysis/effects';
import { OrderHost, OrderRequest } from '../analysis/orderHost';

const host = new OrderHost({ analyze: analyzeCell });
const scope = self as unknown as { onmessage: ((e: MessageEvent<OrderRequest>) => void) | null; postMessage: (m: unknown) => void };
scope.onmessage = e => {
  const reply = host.handle(e.data);
  if (reply) {
    scope.postMessage(reply);
  }
};
// Everything above loaded: the page may send its requests.
scope.postMessage({ type: 'ready' });
