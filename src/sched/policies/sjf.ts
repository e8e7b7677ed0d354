/**
 * sjf: shortest predicted runtime (`estimateMs`) first; FIFO among equals.
 * Setting `unknownEstimateMs` (default: Infinity, i.e. tasks with no estimate go last): the
 * runtime assumed for a task whose estimate is null. Until the runtime predictor exists the
 * driver fills `estimateMs` with the declared or historical mean.
 */
import { numberSetting, type PolicyFactory } from '../policy.js';
import { singleQueuePolicy } from '../single-queue.js';

export const sjf: PolicyFactory = (settings) => {
  const unknown = numberSetting(settings, 'unknownEstimateMs', Number.POSITIVE_INFINITY);
  return singleQueuePolicy('sjf', (t, k) => ((k.a = t.estimateMs ?? unknown), (k.b = 0)));
};
