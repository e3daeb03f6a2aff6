/**
 * The store's view of refs: HEAD and every branch tip, read together in one
 * round trip, and learned again from every write's answer, so a refresh after
 * a commit (list attempts, read the run index) costs no request.
 */
import { IHistoryBackend, RefMap } from './backend';

export class Refs {
  constructor(private backend: IHistoryBackend) {}

  /** Refs as last read or written by this store, null before the first read. */
  get known(): RefMap | null {
    return this.last;
  }

  /** Read every ref now (one round trip). */
  async read(): Promise<RefMap> {
    this.last = await this.backend.readRefs();
    return this.last;
  }

  /** The refs the last read or write left (`cached`), or read them now. */
  async current(cached = false): Promise<RefMap> {
    return cached && this.last ? this.last : this.read();
  }

  /** A write's answer: the refs as it left them. */
  learn(tips: RefMap | null): void {
    if (tips) {
      this.last = tips;
    }
  }

  /** A ref changed by this store's own write when the backend did not say what it left. */
  forget(): void {
    this.last = null;
  }

  private last: RefMap | null = null;
}

/** name → tip of every branch in `refs`. */
export function branchTips(refs: RefMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ref, value] of Object.entries(refs)) {
    if (ref.startsWith('refs/heads/')) {
      out.set(ref.slice('refs/heads/'.length), value);
    }
  }
  return out;
}
