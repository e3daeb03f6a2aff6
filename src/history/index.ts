/**
 * The history engine: notebook snapshots, runs and attempts in one git
 * repository per notebook. Plain TypeScript, no UI; see store.ts for the model.
 */
export { HistoryStore, META_BRANCH } from './store';
export type { IAttempt, IHistoryStoreOptions, IRun, IRunIndexEntry } from './store';
export type { IOmittedOutput, ISnapshot } from './snapshot';
export { LocalBackend, RefConflictError, RepositoryError } from './backend';
export type { IHistoryBackend, IRefUpdate, IWriteBatch, IWriteResult, RefMap } from './backend';
export { RemoteBackend } from './remote';
export type { IRemoteBackendOptions, RequestFunction } from './remote';
export { defaultCodec } from './gitobject';
export { codeHash, summaryOf } from './runindex';
export type { IObjectCodec } from './gitobject';
