#!/usr/bin/env node
/**
 * Canonical order from the command line: reads `{runs: AnalysisRun[], cells:
 * AnalysisCell[], mergeReruns?: boolean, failedRuns?: 'may-bind' |
 * 'only-definer'}` as JSON on stdin, prints the
 * CanonicalOrder as JSON on stdout, on the real analyzer
 * (build/node/analysis/effects.js). Build first: `npm run build:node`.
 *
 * Also accepts a JSON array of such requests (one process for a whole corpus):
 * prints an array of results in the same order.
 */
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script run by Node */

const fs = require('fs');
const path = require('path');

// RETRACE_ORDER_BUILD: another build of the engine (bench:order --before-build).
const NODE_BUILD = process.env.RETRACE_ORDER_BUILD || path.join(__dirname, '..', 'build', 'node', 'analysis');

function main() {
  const orderJs = path.join(NODE_BUILD, 'order.js');
  const effectsJs = path.join(NODE_BUILD, 'effects.js');
  if (!fs.existsSync(orderJs) || !fs.existsSync(effectsJs)) {
    process.stderr.write('order-cli: build/node/analysis/{order,effects}.js not found: run `npm run build:node` first\n');
    process.exit(2);
  }
  const { canonicalOrder } = require(orderJs);
  const analyze = require(effectsJs).analyzeCell;
  let input;
  try {
    input = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (e) {
    process.stderr.write(`order-cli: stdin is not JSON: ${e.message}\n`);
    process.exit(2);
  }
  const one = req => {
    if (!req || !Array.isArray(req.runs) || !Array.isArray(req.cells)) {
      throw new Error('expected {runs: AnalysisRun[], cells: AnalysisCell[]}');
    }
    const options = { analyze, mergeReruns: req.mergeReruns !== false };
    if (req.failedRuns) {
      options.failedRuns = req.failedRuns;
    }
    return canonicalOrder(req.runs, req.cells, options);
  };
  try {
    const out = Array.isArray(input) ? input.map(one) : one(input);
    process.stdout.write(JSON.stringify(out) + '\n');
  } catch (e) {
    process.stderr.write(`order-cli: ${e.stack || e.message}\n`);
    process.exit(1);
  }
}

main();
