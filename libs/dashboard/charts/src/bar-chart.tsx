'use client';

import { Bar, BarChart as RBarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartFrame } from './chart-frame';
import { countPoints, formatValue, type ChartRow, type ValueFormat } from './line-chart';
import { seriesColor } from './palette';

export interface BarSeries {
  key: string;
  label: string;
  color?: string;
}

export interface BarChartProps {
  title: string;
  description: string;
  /** One row per category; `categoryKey` holds its name. */
  data: readonly Record<string, unknown>[];
  categoryKey: string;
  series: readonly BarSeries[];
  format?: ValueFormat;
  height?: number;
  yDomain?: [number, number];
  empty?: string;
  className?: string;
}

/** Grouped vertical bars: one group per category, one bar per series. */
export function BarChart({ title, description, data, categoryKey, series, format = 'percent', height = 260, yDomain, empty, className }: BarChartProps) {
  const fmt = formatValue(format);
  return (
    <ChartFrame title={title} description={description} height={height} points={countPoints(data, series)} empty={empty} className={className}>
      {(width, h) => (
        <RBarChart width={width} height={h} data={data as ChartRow[]} margin={{ top: 4, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e5e5e5" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey={categoryKey} type="category" fontSize={12} stroke="#737373" interval={0} tickFormatter={(v: string) => (v.length > 24 ? `${v.slice(0, 23)}…` : v)} />
          <YAxis domain={yDomain ?? [0, 'auto']} tickFormatter={(v: number) => (format === 'percent' ? `${Math.round(v * 100)}%` : Number.isInteger(v) ? String(v) : v.toFixed(2))} fontSize={12} stroke="#737373" width={48} />
          <Tooltip formatter={fmt} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((s, i) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color ?? seriesColor(i)} radius={[3, 3, 0, 0]} isAnimationActive={false} />
          ))}
        </RBarChart>
      )}
    </ChartFrame>
  );
}
