'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by Node */
// The order engine in a Node worker thread, speaking the protocol the page's
// Web Worker speaks (src/analysis/orderHost.ts). Used by bench/order-speed.js.
const path = require('path');
const { parentPort } = require('worker_threads');

const NODE_BUILD = path.join(__dirname, '..', 'build', 'node', 'analysis');
const { OrderHost } = require(path.join(NODE_BUILD, 'orderHost.js'));
const { analyzeCell } = require(path.join(NODE_BUILD, 'effects.js'));

const host = new OrderHost({ analyze: analyzeCell });
parentPort.on('message', msg => {
  const reply = host.handle(msg);
  if (reply) {
    parentPort.postMessage(reply);
  }
});
