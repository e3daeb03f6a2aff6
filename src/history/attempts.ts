/**
 * Attempt metadata: titles, comments and where each attempt came from, kept as
 * `attempts.json` on its own branch so it can be edited without rewriting
 * history and travels with a plain `git clone`.
 */
import { IRefUpdate } from './backend';
import { encodeCommit, IPerson, MODE_FILE } from './gitobject';
import { ObjectDatabase } from './objectdb';

export const META_BRANCH = 'retrace-attempts';
export const META_REF = `refs/heads/${META_BRANCH}`;

export interface IAttemptMeta {
  title: string;
  comment: string;
  createdAt: number | null;
  base: string | null;
  fromAttempt: string | null;
  auto: boolean;
}

export interface IMetaDoc {
  version: 1;
  attempts: Record<string, IAttemptMeta>;
}

const dec = new TextDecoder();

export class AttemptMetadata {
  constructor(private db: ObjectDatabase) {}

  /** The document at `tip` (the metadata branch's tip; null: none yet); read only when it moved. */
  async read(tip: string | null): Promise<{ tip: string | null; doc: IMetaDoc }> {
    if (this.cache && this.cache.tip === tip) {
      return this.cache;
    }
    let doc: IMetaDoc = { version: 1, attempts: {} };
    if (tip) {
      const blob = (await this.db.readPaths(tip, ['attempts.json'])).get('attempts.json');
      if (blob && blob.type === 'blob') {
        doc = JSON.parse(dec.decode(blob.content));
      }
    }
    this.cache = { tip, doc };
    return this.cache;
  }

  /** A commit of `doc` on top of `parent`, as a ref update for the next batch. */
  commit(parent: string | null, doc: IMetaDoc, message: string, who: IPerson): IRefUpdate {
    const blob = this.db.putText(JSON.stringify(doc, null, 1) + '\n');
    const tree = this.db.putTree([{ mode: MODE_FILE, name: 'attempts.json', oid: blob }]);
    const commit = this.db.put(
      'commit',
      encodeCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message })
    );
    return { ref: META_REF, old: parent, new: commit };
  }

  /** The batch carrying a commit of `doc` was stored. */
  stored(tip: string, doc: IMetaDoc): void {
    this.cache = { tip, doc };
  }

  forget(): void {
    this.cache = null;
  }

  private cache: { tip: string | null; doc: IMetaDoc } | null = null;
}

/** A deep copy to edit. */
export function copyDoc(doc: IMetaDoc): IMetaDoc {
  return JSON.parse(JSON.stringify(doc));
}
