/**
 * Capture for every open notebook: one recorder and one run log per notebook
 * document (not per view: two views of one notebook share its context and
 * kernel, so a run is recorded once).
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { RunLog } from './log';
import { ensureNotebookId } from './notebookid';
import { NotebookRecorder } from './recorder';
import { KernelSession, Run } from './run';

type NotebookContext = DocumentRegistry.IContext<INotebookModel>;

interface IEntry {
  recorder: NotebookRecorder;
  log: RunLog;
}

export class CaptureService {
  constructor(tracker: INotebookTracker) {
    tracker.forEach(panel => this._watch(panel));
    tracker.widgetAdded.connect((_, panel) => this._watch(panel));
  }

  /** Emits when a notebook's kernel session learns which kernel process it is. */
  get kernelProcessKnown(): ISignal<this, { context: NotebookContext; session: KernelSession }> {
    return this._kernelProcessKnown;
  }

  /** The current kernel session of a notebook document, if it has a kernel. */
  kernelSessionOf(context: NotebookContext): KernelSession | null {
    return this._entries.get(context)?.recorder.kernelSession ?? null;
  }

  /** The run log of a notebook document, if it is watched. */
  logOf(context: NotebookContext): RunLog | null {
    return this._entries.get(context)?.log ?? null;
  }

  /** Emits every recorded run with the notebook document it belongs to. */
  get runRecorded(): ISignal<this, { context: NotebookContext; run: Run }> {
    return this._runRecorded;
  }

  /** The run log of the notebook shown in `panel` (watching it from now on if it was not yet). */
  logFor(panel: NotebookPanel): RunLog {
    this._watch(panel);
    return this._entries.get(panel.context)!.log;
  }

  private _watch(panel: NotebookPanel): void {
    const context = panel.context;
    if (this._entries.has(context)) {
      return;
    }
    const log = new RunLog();
    const recorder = new NotebookRecorder(context.model, context.sessionContext, () => ensureNotebookId(context.model, context.localPath));
    recorder.kernelSessionStarted.connect((_, session) => log.addSession(session));
    recorder.kernelProcessKnown.connect((_, session) => {
      log.sessionUpdated();
      this._kernelProcessKnown.emit({ context, session });
    });
    if (recorder.kernelSession) {
      log.addSession(recorder.kernelSession);
    }
    recorder.runRecorded.connect((_, run) => {
      if (log.addRun(run)) {
        this._runRecorded.emit({ context, run });
      }
    });
    this._entries.set(context, { recorder, log });
    context.disposed.connect(() => {
      recorder.dispose();
      this._entries.delete(context);
    });
  }

  private _entries = new Map<NotebookContext, IEntry>();
  private _kernelProcessKnown = new Signal<this, { context: NotebookContext; session: KernelSession }>(this);
  private _runRecorded = new Signal<this, { context: NotebookContext; run: Run }>(this);
}
