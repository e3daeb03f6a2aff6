/**
 * Keyboard focus that a Retrace command gives while JupyterLab is still
 * starting up (a page just loaded or reloaded).
 *
 * During start-up the layout restorer, then the router of a /lab/tree/
 * address, activate the restored notebook, and an activated notebook takes the
 * keyboard focus (when activated, and again when its content is revealed). A
 * user who already pressed Alt+R F and started typing would then type into the
 * notebook: in command mode each letter is a notebook shortcut. So the focus a
 * command gave during start-up is kept until start-up is over: when the
 * shell's layout takes it, it is given back at once (before the next key),
 * unless the user moved it (a click, Tab, Escape, or a shortcut other than
 * the editing ones).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { CommandRegistry } from '@lumino/commands';

/** JupyterLab's command that opens the file of a /lab/tree/ address (run by the file browser once routed). */
const OPEN_PATH = 'filebrowser:open-path';

/**
 * Resolves once JupyterLab's start-up has activated what it restores: the layout restored,
 * the file of a /lab/tree/ address opened, every main-area widget revealed, and the focus
 * those activations ask for (handled in an animation frame) given. Call it at activation,
 * before the router runs, so that the opening of the routed file is seen.
 */
function startupSettled(app: JupyterFrontEnd, tree: JupyterFrontEnd.ITreeResolver | null): Promise<void> {
  const opened = new Promise<void>(resolve => {
    const seen = (_: CommandRegistry, args: CommandRegistry.ICommandExecutedArgs) => {
      if (args.id === OPEN_PATH) {
        app.commands.commandExecuted.disconnect(seen);
        void Promise.resolve(args.result)
          .catch(() => undefined)
          .then(() => resolve());
      }
    };
    app.commands.commandExecuted.connect(seen);
  });
  return (async () => {
    await app.restored;
    const paths = tree ? await tree.paths : null;
    if (paths?.file) {
      await opened;
    }
    const revealed = Array.from(app.shell.widgets('main'), widget => (widget as { revealed?: Promise<unknown> }).revealed);
    await Promise.all(revealed.map(promise => promise?.catch(() => undefined)));
    // An activation focuses in an 'activate-request' message, delivered in an animation frame.
    await nextFrame();
    await nextFrame();
  })();
}

/** Focus given during start-up, kept until start-up is over (see the module comment). */
export class StartupFocus {
  constructor(
    private readonly _app: JupyterFrontEnd,
    tree: JupyterFrontEnd.ITreeResolver | null
  ) {
    this._settled = startupSettled(_app, tree);
    void this._settled.then(() => (this._done = true));
    void _app.restored.then(() => (this._restored = true));
  }

  /**
   * A command just called `focus` to put the focus inside `within`: until start-up is over, give
   * it back whenever the shell's layout (a notebook being activated) takes it. Before the layout
   * is restored the sidebar may not show yet, and the restorer lays it out again, so `focus` is
   * called again once it is (and whenever the layout takes the focus before it ever got there).
   */
  keep(within: HTMLElement, focus: () => void): void {
    if (this._done) {
      return;
    }
    let target = within.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
    const onFocusIn = (event: FocusEvent) => {
      const node = event.target as HTMLElement;
      if (within.contains(node)) {
        target = node; // where the command put it, or where the user moved it within the panel
      } else if (this._app.shell.node.contains(node)) {
        // JupyterLab's layout (a notebook activated or revealed) took it: give it back.
        if (target?.isConnected) {
          target.focus();
        } else {
          focus();
        }
      }
      // Over the shell (a dialog, a menu): left alone; the focus comes back when it closes.
    };
    const onKeyDown = (event: KeyboardEvent) => {
      // Select all, copy, cut, paste, undo and redo edit the field; other shortcuts may move the focus.
      const editing = (event.ctrlKey || event.metaKey) && !event.altKey && /^[acvxyz]$/i.test(event.key);
      if (event.key === 'Tab' || event.key === 'Escape' || ((event.ctrlKey || event.metaKey || event.altKey) && !editing)) {
        stop();
      }
    };
    let stopped = false;
    const stop = () => {
      stopped = true;
      document.removeEventListener('focusin', onFocusIn, true);
      document.removeEventListener('keydown', onKeyDown, true);
      document.removeEventListener('pointerdown', stop, true);
    };
    document.addEventListener('focusin', onFocusIn, true);
    document.addEventListener('keydown', onKeyDown, true);
    document.addEventListener('pointerdown', stop, true);
    if (!this._restored) {
      void this._app.restored.then(async () => {
        await nextFrame();
        if (!stopped && !within.contains(document.activeElement)) {
          focus();
        }
      });
    }
    void this._settled.then(stop);
  }

  private _settled: Promise<void>;
  private _done = false;
  private _restored = false;
}

function nextFrame(): Promise<void> {
  return new Promise(resolve => requestAnimationFrame(() => resolve()));
}
