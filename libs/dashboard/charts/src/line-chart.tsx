'use client';

import { CartesianGrid, Legend, Line, LineChart as RLineChart, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './chart-frame';
import { seriesColor } from './palette';

export interface LineSeries {
  key: string;
  label: string;
  color?: string;
  dashed?: boolean;
  /** Draw the points as dots (epoch values) or as a thin line only (dense batch values). */
  dots?: boolean;
}

export type ChartRow = Record<string, number | null | undefined>;

export type ValueFormat = 'percent' | 'number';

export interface LineChartProps {
  title: string;
  description: string;
  data: readonly ChartRow[];
  xKey: string;
  xLabel: string;
  series: readonly LineSeries[];
  format?: ValueFormat;
  height?: number;
  /** Fixed y range, e.g. [0, 1] for accuracies. */
  yDomain?: [number, number];
  xDomain?: [number, number];
  empty?: string;
  className?: string;
}

export const formatValue = (format: ValueFormat) => (value: unknown) =>
  typeof value === 'number' ? (format === 'percent' ? `${(value * 100).toFixed(1)}%` : Number.isInteger(value) ? String(value) : value.toFixed(3)) : String(value ?? '');

/** Counts the non-empty values of the given series. */
export function countPoints(data: readonly Record<string, unknown>[], series: readonly Pick<LineSeries, 'key'>[]): number {
  let n = 0;
  for (const row of data) for (const s of series) {
      const v = row[s.key];
      if (typeof v === 'number' && Number.isFinite(v)) n++;
    }
  return n;
}

/** Lines over a numeric x axis, drawn without animation so streamed points land in place. */
export function LineChart({ title, description, data, xKey, xLabel, series, format = 'number', height = 240, yDomain, xDomain, empty, className }: LineChartProps) {
  const points = countPoints(data, series);
  const fmt = formatValue(format);
  return (
    <ChartFrame title={title} description={description} height={height} points={points} empty={empty} className={className}>
      {(width, h) => (
        <RLineChart width={width} height={h} data={data as ChartRow[]} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e5e5e5" strokeDasharray="3 3" />
          <XAxis
            dataKey={xKey}
            type="number"
            domain={xDomain ?? ['dataMin', 'dataMax']}
            allowDecimals={false}
            tickFormatter={(v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1))}
            fontSize={12}
            stroke="#737373"
            label={{ value: xLabel, position: 'insideBottomRight', offset: -2, fontSize: 11, fill: '#737373' }}
          />
          <YAxis domain={yDomain ?? ['auto', 'auto']} tickFormatter={(v: number) => (format === 'percent' ? `${Math.round(v * 100)}%` : Number.isInteger(v) ? String(v) : v.toFixed(2))} fontSize={12} stroke="#737373" width={48} />
          <Tooltip formatter={fmt} labelFormatter={(v) => `${xLabel} ${typeof v === 'number' ? v.toFixed(2) : v}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((s, i) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={s.label}
              type="linear"
              stroke={s.color ?? seriesColor(i)}
              strokeWidth={s.dots === false ? 1.25 : 2}
              strokeDasharray={s.dashed ? '5 4' : undefined}
              dot={s.dots === false ? false : { r: 3 }}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </RLineChart>
      )}
    </ChartFrame>
  );
}
