/**
 * A uPlot chart that follows its container's width. `data` is uPlot's aligned data
 * ([x, ...series]); the chart is rebuilt when the series change, updated in place otherwise.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const PALETTE = ['#4f46e5', '#16a34a', '#ea580c', '#db2777', '#0891b2', '#ca8a04', '#7c3aed', '#dc2626'];

export interface ChartProps {
  data: uPlot.AlignedData;
  series: { label: string; color?: string; bars?: boolean }[];
  height?: number;
  yLabel?: string;
  /** Format of y tick values. */
  yFormat?: (v: number) => string;
  /** Category labels: x values are 0..n-1 indices into them (bar charts). */
  categories?: string[];
  /** x axis as time (seconds) — default — or plain numbers. */
  time?: boolean;
  /** Fixed y range (e.g. [0, 100] for percentages); default 0 to the data's max. */
  yRange?: [number, number];
  /** y ticks at whole numbers only (counts). */
  integer?: boolean;
}

/** A time axis shows at least this many seconds, so the first samples do not stretch it to years. */
const MIN_WINDOW_S = 120;
const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000];

export function Chart({ data, series, height = 220, yLabel, yFormat, categories, time = true, yRange, integer }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = JSON.stringify([series, yLabel, categories, time, height, yRange, integer]);

  useEffect(() => {
    const el = box.current!;
    const bars = uPlot.paths.bars!({ size: [0.6, 64] });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: !categories },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: categories
          ? { time: false, range: [-0.5, categories.length - 0.5] }
          : {
            time,
            range: (_u, min, max) => {
              const hi = max ?? Date.now() / 1000;
              const lo = min ?? hi;
              return time && hi - lo < MIN_WINDOW_S ? [hi - MIN_WINDOW_S, hi] : [lo, hi];
            },
          },
        y: { range: yRange ? [...yRange] : (_u, min, max) => [Math.min(0, min ?? 0), max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        categories
          ? { splits: () => categories.map((_, i) => i), values: (_u, splits) => splits.map((i) => categories[i] ?? ''), grid: { show: false } }
          : {},
        { label: yLabel, size: 64, ...(integer ? { incrs: INT_INCRS } : {}), ...(yFormat ? { values: (_u: uPlot, v: number[]) => v.map(yFormat) } : {}) },
      ],
      series: [
        categories ? { label: 'policy', value: (_u, i) => categories[i] ?? '' } : {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length]!,
          width: s.bars ? 1 : 2,
          spanGaps: true,
          points: { show: true, size: 4 },
          ...(s.bars ? { paths: bars, fill: `${s.color ?? PALETTE[i % PALETTE.length]}cc`, points: { show: false } } : {}),
          ...(yFormat ? { value: (_u: uPlot, v: number | null) => (v === null ? '—' : yFormat(v)) } : {}),
        })),
      ],
    };
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [key]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={box} />;
}
