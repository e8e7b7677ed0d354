/**
 * Turns raw run data into chart series of bounded size: an empirical CDF of at most `maxPoints`
 * points, and a step function (busy cores over time) averaged into equal time buckets.
 */

/** Empirical CDF of ascending `values` as [value, fraction <= value], thinned to `maxPoints`. */
export function cdfPoints(values: ArrayLike<number>, maxPoints = 400): [number, number][] {
  const n = values.length;
  if (n === 0) return [];
  const stride = Math.max(1, Math.floor(n / maxPoints));
  const out: [number, number][] = [[values[0]!, 0]];
  for (let i = 0; i < n; i += stride) out.push([values[i]!, (i + 1) / n]);
  if (out[out.length - 1]![1] !== 1) out.push([values[n - 1]!, 1]);
  return out;
}

/**
 * Time-weighted average of a step function per bucket: value `values[k]` holds from `times[k]`
 * to `times[k+1]` (the last to `end`). Returns [bucket start, average] with `buckets` points.
 */
export function bucketSteps(times: ArrayLike<number>, values: ArrayLike<number>, end: number, buckets: number, scale = 1): [number, number][] {
  if (!(end > 0) || buckets < 1) return [];
  const width = end / buckets;
  const acc = new Float64Array(buckets);
  for (let k = 0; k < times.length; k++) {
    let a = times[k]!;
    const b = Math.min(end, k + 1 < times.length ? times[k + 1]! : end);
    const v = values[k]!;
    while (a < b) {
      const i = Math.min(buckets - 1, Math.floor(a / width));
      const stop = Math.min(b, (i + 1) * width);
      acc[i] += v * (stop - a);
      if (stop <= a) break; // float guard at the right edge
      a = stop;
    }
  }
  return Array.from(acc, (s, i) => [i * width, (s / width) * scale] as [number, number]);
}
