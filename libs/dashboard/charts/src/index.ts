export { BarChart, type BarChartProps, type BarSeries } from './bar-chart';
export { ChartFrame, type ChartFrameProps } from './chart-frame';
export { ConfusionMatrix, cellColor, normalizeRows, type ConfusionMatrixProps } from './confusion-matrix';
export { LineChart, countPoints, formatValue, type ChartRow, type LineChartProps, type LineSeries, type ValueFormat } from './line-chart';
export { SERIES_COLORS, seriesColor } from './palette';
export { ProbabilityBars, type ProbabilityBarsProps } from './probability-bars';
export { useElementWidth } from './use-element-width';
