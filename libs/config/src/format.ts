/**
 * A budget in 255ths of the pixel range, as people write it: `8/255` for 8 / 255, `7.98/255`
 * for the notebook's 0.0313, `0/255` for 0. The one formatter of budgets: reports, the CLI, the
 * dashboard and the API all use it.
 */
export function epsLabel(eps: number): string {
  const k = eps * 255;
  const rounded = Math.round(k);
  return Math.abs(k - rounded) < 1e-3 ? `${rounded}/255` : `${Number(k.toFixed(2))}/255`;
}

/** A budget written for people with its value: `0.0314 (8/255)`. */
export function formatEps(eps: number): string {
  return `${Number(eps.toPrecision(3))} (${epsLabel(eps)})`;
}
