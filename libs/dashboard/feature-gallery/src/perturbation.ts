/**
 * The perturbation image: 0.5 + amplification * (adversarial - clean), per RGB channel,
 * clipped to [0, 1]; alpha opaque. Inputs and output are RGBA bytes of the same size.
 */
export function amplifyPerturbation(clean: Uint8ClampedArray, adversarial: Uint8ClampedArray, amplification: number): Uint8ClampedArray {
  if (clean.length !== adversarial.length) throw new Error(`Image sizes differ: ${clean.length} vs ${adversarial.length} bytes`);
  const out = new Uint8ClampedArray(clean.length);
  for (let i = 0; i < clean.length; i += 4) {
    for (let c = 0; c < 3; c++) out[i + c] = 127.5 + amplification * (adversarial[i + c] - clean[i + c]);
    out[i + 3] = 255;
  }
  return out;
}

/** Largest |adversarial - clean| over the RGB channels, pixel scale [0, 1]. */
export function maxAbsDelta(clean: Uint8ClampedArray, adversarial: Uint8ClampedArray): number {
  let max = 0;
  for (let i = 0; i < clean.length; i += 4) for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(adversarial[i + c] - clean[i + c]));
  return max / 255;
}
