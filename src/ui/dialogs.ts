/**
 * The dialogs Retrace asks its questions with.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Panel, Widget } from '@lumino/widgets';

import { IRestorePreview } from '../sync/restore';

/** Ask for an attempt's title and comment; null when cancelled or left without a title. */
export async function askTitleAndComment(
  trans: TranslationBundle,
  title: string,
  currentTitle: string,
  currentComment: string
): Promise<{ title: string; comment: string } | null> {
  const body = new Widget();
  body.addClass('jp-RetraceAttemptDialog');
  const titleInput = document.createElement('input');
  titleInput.className = 'jp-mod-styled jp-RetraceAttemptDialog-title';
  titleInput.value = currentTitle;
  titleInput.placeholder = trans.__('Title');
  const commentInput = document.createElement('textarea');
  commentInput.className = 'jp-mod-styled jp-RetraceAttemptDialog-comment';
  commentInput.value = currentComment;
  commentInput.placeholder = trans.__('Comment: what you are trying');
  commentInput.rows = 4;
  body.node.append(titleInput, commentInput);
  const answer = await showDialog({
    title,
    body,
    focusNodeSelector: 'input',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Save') })]
  });
  if (!answer.button.accept || !titleInput.value.trim()) {
    return null;
  }
  return { title: titleInput.value.trim(), comment: commentInput.value };
}

/** Confirm a replay: what will run (the order view) under a warning that the kernel restarts. */
export async function confirmReplay(trans: TranslationBundle, preview: Widget): Promise<boolean> {
  const note = new Widget({ node: document.createElement('p') });
  note.addClass('jp-RetraceReplayDialog-warning');
  note.node.textContent = trans.__('The kernel restarts: its current state is lost. Cells then run in this order, stopping at the first error.');
  const body = new Panel();
  body.addClass('jp-RetraceReplayDialog');
  body.addWidget(note);
  body.addWidget(preview);
  const answer = await showDialog({
    title: trans.__('Replay in order?'),
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: trans.__('Restart and Replay') })]
  });
  return answer.button.accept;
}

/** Confirm a restore, saying which cells change; the user may open the diff instead. */
export async function confirmRestore(
  trans: TranslationBundle,
  commit: string,
  preview: IRestorePreview,
  changes: string[]
): Promise<'restore' | 'restore-replay' | 'diff' | 'cancel'> {
  const body = new Widget();
  body.addClass('jp-RetraceRestoreDialog');
  const add = (tag: string, text: string, className = '') => {
    const element = document.createElement(tag);
    element.textContent = text;
    element.className = className;
    body.node.appendChild(element);
    return element;
  };
  add(
    'p',
    trans.__(
      'The notebook will show this snapshot: %1 cell(s) changed, %2 added, %3 removed, %4 unchanged.',
      preview.changed,
      preview.added,
      preview.removed,
      preview.unchanged
    )
  );
  if (changes.length) {
    const list = add('ul', '', 'jp-RetraceRestoreDialog-changes');
    list.setAttribute('aria-label', trans.__('Cells that change'));
    for (const change of changes) {
      const item = document.createElement('li');
      item.textContent = change;
      list.appendChild(item);
    }
  }
  if (preview.omittedOutputs) {
    add('p', trans.__('%1 output(s) were over the size cap when recorded and come back as placeholders.', preview.omittedOutputs));
  }
  add('p', trans.__('The current state is recorded first, so nothing is lost: Undo restore brings it back.'));
  add('p', trans.__('Restore alone leaves the kernel as it is: its variables may not match the restored cells.'));
  const answer = await showDialog({
    title: trans.__('Restore snapshot %1?', commit.slice(0, 7)),
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.createButton({ label: trans.__('Show diff'), displayType: 'default', actions: ['diff'] }),
      Dialog.okButton({ label: trans.__('Restore') })
    ],
    // A checkbox, not a third button: the choice qualifies Restore.
    checkbox: {
      label: trans.__('Restore and replay'),
      caption: trans.__('Restart the kernel and run the restored cells top to bottom, so the kernel holds what the notebook shows'),
      checked: false
    }
  });
  if (answer.button.actions.includes('diff')) {
    return 'diff';
  }
  if (!answer.button.accept) {
    return 'cancel';
  }
  return answer.isChecked ? 'restore-replay' : 'restore';
}
