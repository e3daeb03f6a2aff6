/**
 * Capture for every open notebook: one recorder, one kernel tracer and one
 * run log per notebook document (not per view: two views of one notebook
 * share its context and kernel, so a run is recorded once).
 *
 * On IPython kernels the tracer's journal is the record of what ran: every
 * journaled run goes into the log, and when the tracer (re)connects the page
 * catches up on what the kernel ran without it. The recorder adds what the
 * journal cannot know (runs that never reached the kernel, runs cut short by
 * a restart) and is the only source on other kernels.
 */
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { NotebookIdentities } from '../identity/notebookid';
import { IJournalEntry, KernelTracer } from '../kernel/tracer';
import { runFromJournal } from './journal';
import { RunLog } from './log';
import { NotebookRecorder } from './recorder';
import { KernelSession, Run } from './run';

type NotebookContext = DocumentRegistry.IContext<INotebookModel>;

interface IEntry {
  recorder: NotebookRecorder;
  tracer: KernelTracer;
  log: RunLog;
}

export class CaptureService {
  constructor(
    tracker: INotebookTracker,
    private readonly _identities: NotebookIdentities
  ) {
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

  /** The kernel tracer of the notebook shown in `panel` (one per notebook document). */
  tracerFor(panel: NotebookPanel): KernelTracer {
    this._watch(panel);
    return this._entries.get(panel.context)!.tracer;
  }

  private _watch(panel: NotebookPanel): void {
    const context = panel.context;
    if (this._entries.has(context)) {
      return;
    }
    const log = new RunLog();
    const sessionContext = context.sessionContext;
    const tracer = new KernelTracer();
    const notebookId = () => this._identities.ensure(context);
    // While the tracer is being installed on a Python kernel, the journal will cover what runs now.
    const journalCovers = () => tracer.status.state === 'active' || (tracer.status.state === 'installing' && tracer.kernel !== null);
    const recorder = new NotebookRecorder(context.model, sessionContext, notebookId, journalCovers);
    const entry: IEntry = { recorder, tracer, log };
    const add = (run: Run) => {
      if (log.addRun(run)) {
        this._runRecorded.emit({ context, run });
      } else if (run.outputs.length) {
        // The journal said first that it ran; this page saw its outputs.
        const known = log.get(run.id);
        if (known && known.outputs.length === 0) {
          known.outputs = run.outputs;
        }
      }
    };
    recorder.kernelSessionStarted.connect((_, session) => log.addSession(session));
    recorder.kernelProcessKnown.connect((_, session) => {
      log.sessionUpdated();
      this._kernelProcessKnown.emit({ context, session });
    });
    if (recorder.kernelSession) {
      log.addSession(recorder.kernelSession);
    }
    recorder.runRecorded.connect((_, run) => add(run));

    // A console sends the id of its own cell: only ids of this notebook's cells
    // (now, or when they ran) name a cell of it; other code is a console run.
    const isCellOfNotebook = (cellId: string) => {
      const cells = context.model.cells;
      for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).id === cellId) {
          return true;
        }
      }
      return log.runs.some(run => run.cellId === cellId);
    };
    const fromJournal = (journal: IJournalEntry) =>
      runFromJournal(
        journal.cellId !== null && !isCellOfNotebook(journal.cellId) ? { ...journal, cellId: null } : journal,
        notebookId(),
        (journal.msgId && recorder.foreignOutputs(journal.msgId)) || []
      );
    tracer.journaled.connect((_, journal) => add(fromJournal(journal)));
    tracer.statusChanged.connect(() => {
      const journal = tracer.kernelProcess !== null;
      // Only once the tracer has settled: while it installs (or with no kernel) nothing is known yet.
      const state = tracer.status.state;
      const without = !journal && tracer.kernel !== null && (state === 'unavailable' || state === 'failed');
      log.setCoverage(
        journal,
        journal
          ? 'Every run of this kernel is recorded once, from the kernel’s journal.'
          : without
            ? `Without the kernel tracer, only runs this page saw are recorded: runs made while it was closed or reloading may be missing, and runs sent from other tabs or consoles are recorded without their cell. (${tracer.status.reason})`
            : ''
      );
      void this._catchUp(context, entry, fromJournal);
    });
    // Runs that ran while the connection to the kernel was down reached no page.
    sessionContext.connectionStatusChanged.connect((_, status) => {
      if (status === 'connected') {
        void this._catchUp(context, entry, fromJournal);
      }
    });
    void tracer.attach(sessionContext.session?.kernel ?? null);
    sessionContext.kernelChanged.connect((_, change) => void tracer.attach(change.newValue));

    this._entries.set(context, entry);
    context.disposed.connect(() => {
      recorder.dispose();
      tracer.dispose();
      this._entries.delete(context);
    });
  }

  /**
   * Once the tracer is active: record every run the journal holds that this
   * page has not (the log and the history each refuse one they already
   * have), and tell a reconnect from a new kernel session.
   */
  private async _catchUp(context: NotebookContext, entry: IEntry, fromJournal: (journal: IJournalEntry) => Run): Promise<void> {
    const { tracer, recorder, log } = entry;
    const process = tracer.kernelProcess;
    if (!process || this._catchingUp.has(context)) {
      return;
    }
    this._catchingUp.add(context);
    // Runs caught up before the notebook's identity is settled could go to a new history.
    await this._identities.settle(context);
    const answer = await tracer.catchUp(0).finally(() => this._catchingUp.delete(context));
    if (!answer || tracer.kernelProcess !== process) {
      return;
    }
    const session = recorder.kernelSession;
    if (session && session.kernelProcess === undefined) {
      session.kernelProcess = process;
    }
    const first = answer.entries[0];
    const ranBefore = tracer.hello?.last !== null && tracer.hello?.last !== undefined;
    if (session && session.kernelProcess === process && first && ranBefore && session.reason === 'start' && !session.reconnected) {
      // The kernel ran code before this page: this page joined its session.
      session.reconnected = true;
      const start = new Date(first.start - 1).toISOString();
      if (start < session.start) {
        session.start = start;
      }
    }
    log.sessionUpdated();
    if (answer.missed) {
      console.warn(`Retrace: runs ${answer.missed[0]}–${answer.missed[1]} of this kernel left its journal before this page could record them.`);
    }
    for (const journal of answer.entries) {
      const run = fromJournal(journal);
      if (log.addEarlier(run)) {
        this._runRecorded.emit({ context, run });
      }
    }
  }

  private _entries = new Map<NotebookContext, IEntry>();
  private _catchingUp = new Set<NotebookContext>();
  private _kernelProcessKnown = new Signal<this, { context: NotebookContext; session: KernelSession }>(this);
  private _runRecorded = new Signal<this, { context: NotebookContext; run: Run }>(this);
}
