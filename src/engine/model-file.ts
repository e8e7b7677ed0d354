/**
 * A learned model kept as JSON in the state folder (the runtime model, the right-sizing model):
 * loaded at start — a missing file starts fresh, a corrupt one is ignored with a reason the
 * engine logs once — and written through a temp file and rename, at most once per `saveEveryMs`
 * after it changed, and on close. Saving never throws: a full disk must not stop runs.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const SAVE_EVERY_MS = 60_000;

export class ModelFile<M extends { toJSON(): unknown }> {
  readonly model: M;
  /** Why the saved model could not be loaded, if it could not. */
  readonly loadError: string | null;
  readonly #file: string | null;
  readonly #label: string;
  #dirty = false;
  #timer: NodeJS.Timeout | null = null;

  /** `file` null keeps the model in memory only. `label` names it in messages ("runtime model"). */
  constructor(file: string | null, label: string, load: (json: unknown) => M, fresh: () => M) {
    this.#file = file;
    this.#label = label;
    let model: M | null = null;
    let loadError: string | null = null;
    if (file !== null) {
      try {
        model = load(JSON.parse(readFileSync(file, 'utf8')));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') loadError = `${label} ${file} ignored: ${(e as Error).message}`;
      }
    }
    this.model = model ?? fresh();
    this.loadError = loadError;
  }

  /** Marks the model changed; a save follows within `SAVE_EVERY_MS`. */
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

  /** Writes the model if it changed since the last save; the error message, or null. */
  save(): string | null {
    if (!this.#dirty || this.#file === null) return null;
    try {
      const tmp = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.model.toJSON()));
      renameSync(tmp, this.#file);
      this.#dirty = false;
      return null;
    } catch (e) {
      return `${this.#label} not saved: ${(e as Error).message}`;
    }
  }

  close(): string | null {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    return this.save();
  }
}
