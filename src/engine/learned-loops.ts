/**
 * The learned policy's two background loops beside an engine, both off unless configured
 * (server config keys `learnedRegret` and `finetune`; docs/learned-policy.md "Live: guards"):
 * regret by replay (learned-regret.ts) and scheduled fine-tuning (finetune-schedule.ts). Both act
 * only on the scheduling leader (`isLeader`). Returns the function that stops them.
 */
import type { Engine } from './engine.js';
import { FinetuneSchedule, type FinetuneScheduleOptions } from './finetune-schedule.js';
import { LearnedRegret, type LearnedRegretOptions } from './learned-regret.js';

export interface LearnedLoopsOptions {
  readonly learnedRegret: LearnedRegretOptions | null;
  readonly finetune: FinetuneScheduleOptions | null;
}

export interface LearnedLoops {
  readonly regret: LearnedRegret | null;
  readonly finetune: FinetuneSchedule | null;
  stop(): void;
}

export function startLearnedLoops(engine: Engine, o: LearnedLoopsOptions, deps: { isLeader?: () => boolean; log?: (line: string) => void } = {}): LearnedLoops {
  const regret = o.learnedRegret === null ? null : new LearnedRegret(engine, o.learnedRegret, deps).start();
  const finetune = o.finetune === null ? null : new FinetuneSchedule(engine, o.finetune, deps).start();
  return {
    regret,
    finetune,
    stop: () => {
      regret?.stop();
      finetune?.stop();
    },
  };
}
