/**
 * Start the order engine in a Web Worker. The worker says `ready` once its
 * code has loaded; a worker that fails to load or start (no Worker on the
 * page, a chunk that cannot load) is replaced by the engine on this thread,
 * same protocol, with every request it was sent, and a warning.
 */
import { OrderReply, OrderRequest } from '../analysis/orderHost';
import { IOrderPort, inProcessPort } from './notebookorder';

/** A worker not ready after this long is given up. */
const READY_TIMEOUT_MS = 15_000;

export function workerPort(): IOrderPort {
  let worker: Worker | null = null;
  try {
    worker = new Worker(new URL('./worker.js', import.meta.url));
  } catch (error) {
    console.warn('Retrace: the order engine runs on the page (no Web Worker)', error);
    return inProcessPort();
  }
  let ready = false;
  let early: OrderRequest[] = [];
  let fallback: IOrderPort | null = null;
  const port: IOrderPort = {
    onReply: null,
    post: msg => {
      if (fallback) {
        fallback.post(msg);
      } else if (ready) {
        worker!.postMessage(msg);
      } else {
        early.push(msg);
      }
    },
    dispose: () => {
      clearTimeout(timer);
      worker?.terminate();
      fallback?.dispose();
    }
  };
  const giveUp = (why: string): void => {
    if (fallback) {
      return;
    }
    console.warn(`Retrace: the order engine runs on the page (${why})`);
    clearTimeout(timer);
    worker?.terminate();
    worker = null;
    fallback = inProcessPort();
    fallback.onReply = reply => port.onReply?.(reply);
    const pending = early;
    early = [];
    pending.forEach(m => fallback!.post(m));
  };
  const timer = setTimeout(() => giveUp('the worker did not start'), READY_TIMEOUT_MS);
  worker.onmessage = (e: MessageEvent<OrderReply | { type: 'ready' }>) => {
    if (e.data.type === 'ready') {
      ready = true;
      clearTimeout(timer);
      const pending = early;
      early = [];
      pending.forEach(m => worker!.postMessage(m));
    } else if (!fallback) {
      port.onReply?.(e.data);
    }
  };
  worker.onerror = e => {
    if (!ready) {
      giveUp(e.message || 'the worker failed to load');
    } else {
      console.error('Retrace: order engine error', e.message);
    }
  };
  return port;
}
