/** Series colours: distinguishable, colour-blind friendly (Okabe-Ito), readable on white. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

export const seriesColor = (i: number): string => SERIES_COLORS[i % SERIES_COLORS.length];
