/**
 * Persistence of the right-sizing model, like the runtime model (runtime-estimates.ts): JSON in
 * the state folder, loaded at start (a corrupt file is ignored with a reason), written through a
 * temp file and rename at most once a minute when it changed, and on close. Never throws.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { RightSizingRecommender, type RightSizingOptions } from '../learn/rightsizing/recommender.js';

const SAVE_EVERY_MS = 60_000;

export class RightSizingModelFile {
  readonly recommender: RightSizingRecommender;
  readonly loadError: string | null;
  readonly #file: string | null;
  #dirty = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(file: string | null, options: Partial<RightSizingOptions>) {
    this.#file = file;
    let r: RightSizingRecommender | null = null;
    let loadError: string | null = null;
    if (file !== null) {
      try {
        r = RightSizingRecommender.fromJSON(JSON.parse(readFileSync(file, 'utf8')), options);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') loadError = `right-sizing model ${file} ignored: ${(e as Error).message}`;
      }
    }
    this.recommender = r ?? new RightSizingRecommender(options);
    this.loadError = loadError;
  }

  /** Marks the model changed; a save follows within a minute. */
  changed(): void {
    this.#dirty = true;
    if (this.#file !== null && this.#timer === null) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.save();
      }, SAVE_EVERY_MS);
      this.#timer.unref();
    }
  }

  save(): string | null {
    if (!this.#dirty || this.#file === null) return null;
    try {
      const tmp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.recommender.toJSON()));
      renameSync(tmp, this.#file);
      this.#dirty = false;
      return null;
    } catch (e) {
      return `right-sizing model not saved: ${(e as Error).message}`;
    }
  }

  close(): string | null {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    return this.save();
  }
}
