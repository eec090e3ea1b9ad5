import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';
import { assertOption } from './errors';

/** Pixels of one image, HWC row-major: uint8 0..255, or floats in [0, 1] (clipped, rounded). */
export type Pixels = Uint8Array | Uint8ClampedArray | Float32Array | Float64Array | readonly number[];

/** Converts pixels to uint8: integer arrays are copied as they are, float arrays scaled from [0, 1]. */
export function toUint8(pixels: Pixels): Uint8Array {
  if (pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray) return new Uint8Array(pixels);
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, pixels[i])) * 255);
  return out;
}

/**
 * Encodes an image `[height, width, channels]` (channels 1 grey, 3 RGB or 4 RGBA) as PNG.
 * `pixels` is uint8 0..255 or float in [0, 1] (see {@link toUint8}).
 */
export async function encodePng(pixels: Pixels, height: number, width: number, channels: 1 | 3 | 4 = 3): Promise<Buffer> {
  assertOption(pixels.length === height * width * channels, () => `expected ${height}x${width}x${channels} = ${height * width * channels} values, got ${pixels.length}`);
  const img = sharp(toUint8(pixels), { raw: { height, width, channels } });
  return (channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
}

/** One cell of a contact sheet: an image `[height, width, channels]` and an optional caption. */
export interface GridTile {
  readonly pixels: Pixels;
  readonly height: number;
  readonly width: number;
  /** Default 3. */
  readonly channels?: 1 | 3 | 4;
  /** Caption drawn under the image. */
  readonly label?: string;
  /** CSS colour of the caption. Default '#111111'. */
  readonly labelColor?: string;
}

/** Layout of {@link composeGrid}. */
export interface GridOptions {
  /** Images per row. Default ceil(sqrt(tiles)). */
  readonly columns?: number;
  /** Integer upscaling of each image (nearest neighbour, crisp pixels). Default 1. */
  readonly scale?: number;
  /** Pixels between and around cells. Default 4. */
  readonly padding?: number;
  /** Caption band height in pixels (0 for none). Default 14 when any tile has a label, else 0. */
  readonly labelHeight?: number;
  /** Caption font size in pixels. Default 11. */
  readonly fontSize?: number;
  /** CSS background colour. Default '#ffffff'. */
  readonly background?: string;
}

/**
 * Composes images into one PNG contact sheet, each with its caption under it (SVG text
 * rendered by sharp; captions longer than the cell are cut with an ellipsis). Cells are
 * as large as the largest image after `scale`.
 */
export async function composeGrid(tiles: readonly GridTile[], opts: GridOptions = {}): Promise<Buffer> {
  assertOption(tiles.length > 0, () => 'composeGrid needs at least one tile');
  const scale = opts.scale ?? 1;
  assertOption(Number.isInteger(scale) && scale >= 1, () => `scale must be a positive integer, got ${scale}`);
  const columns = opts.columns ?? Math.ceil(Math.sqrt(tiles.length));
  const rows = Math.ceil(tiles.length / columns);
  const pad = opts.padding ?? 4;
  const fontSize = opts.fontSize ?? 11;
  const labelHeight = opts.labelHeight ?? (tiles.some((t) => t.label) ? fontSize + 3 : 0);
  const cellW = Math.max(...tiles.map((t) => t.width)) * scale;
  const cellH = Math.max(...tiles.map((t) => t.height)) * scale;
  const width = pad + columns * (cellW + pad);
  const height = pad + rows * (cellH + labelHeight + pad);

  const images = await Promise.all(
    tiles.map(async (t, i) => {
      const channels = t.channels ?? 3;
      assertOption(t.pixels.length === t.height * t.width * channels, () => `tile ${i}: expected ${t.height}x${t.width}x${channels} values, got ${t.pixels.length}`);
      const input = await sharp(toUint8(t.pixels), { raw: { height: t.height, width: t.width, channels } })
        .resize(t.width * scale, t.height * scale, { kernel: 'nearest' })
        .png()
        .toBuffer();
      const col = i % columns;
      const row = Math.floor(i / columns);
      return { input, left: pad + col * (cellW + pad), top: pad + row * (cellH + labelHeight + pad) };
    }),
  );
  const captions = tiles
    .map((t, i) => {
      if (!t.label || labelHeight === 0) return '';
      const x = pad + (i % columns) * (cellW + pad) + cellW / 2;
      const y = pad + Math.floor(i / columns) * (cellH + labelHeight + pad) + cellH + labelHeight - 3;
      const text = fitText(t.label, cellW, fontSize);
      return `<text x="${x}" y="${y}" fill="${escapeXml(t.labelColor ?? '#111111')}" font-size="${fontSize}" font-family="DejaVu Sans, sans-serif" text-anchor="middle">${escapeXml(text)}</text>`;
    })
    .join('');
  const overlays: OverlayOptions[] = [...images];
  if (captions) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${captions}</svg>`;
    overlays.push({ input: Buffer.from(svg), left: 0, top: 0 });
  }
  const sheet = await sharp({ create: { width, height, channels: 3, background: opts.background ?? '#ffffff' } })
    .composite(overlays)
    .png()
    .toBuffer();
  // Compositing adds an alpha channel; the sheet is opaque, so store it as RGB.
  return sharp(sheet).removeAlpha().png().toBuffer();
}

/** Cuts `text` to roughly fit `width` pixels at `fontSize` (average glyph ~0.6 em). */
function fitText(text: string, width: number, fontSize: number): string {
  const max = Math.max(1, Math.floor(width / (0.6 * fontSize)));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
