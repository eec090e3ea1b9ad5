import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { CHANNELS } from './dataset';
import type { SkipReason } from './summary';

/** Default refusal threshold for decoded images, in pixels (width * height). */
export const DEFAULT_LIMIT_INPUT_PIXELS = 40e6;

/** How every image is brought to the stored form. */
export interface DecodeOptions {
  /** Output side in pixels: images are squashed (not cropped) to `imageSize x imageSize`. */
  readonly imageSize: number;
  /** Colour that transparent pixels are flattened onto. Default 'white'. */
  readonly background?: 'white' | 'black';
  /** Larger images are refused before decoding. Default 40e6. */
  readonly limitInputPixels?: number;
}

/** Outcome of decoding one file: pixels, or why not. */
export type DecodeResult =
  | { readonly ok: true; readonly pixels: Uint8Array }
  | { readonly ok: false; readonly reason: SkipReason; readonly detail: string };

/**
 * Decodes one image file (JPEG, PNG, WebP, GIF first frame, TIFF, AVIF/HEIF, SVG) into
 * `imageSize * imageSize * 3` uint8 RGB, the way the notebook's `Resize((64, 64))` does:
 *
 * - the EXIF orientation is applied, then the image is resized to exactly
 *   `imageSize x imageSize` ignoring its aspect ratio (squash, no crop; Lanczos-3);
 * - alpha is flattened onto `background` (white by default), grey is replicated to RGB,
 *   CMYK and 16-bit images are converted to 8-bit sRGB;
 * - images over `limitInputPixels` are refused from their header, before any pixel
 *   is decoded, so a huge image cannot exhaust memory;
 * - decoder warnings count as errors, so truncated files are refused, not half-grey.
 *
 * A path is read here first, so that a file that cannot be opened is told apart from one
 * that is not an image: `unreadable` (permissions, I/O) or `missing` (gone since it was listed).
 *
 * Never throws for bad input: it returns `{ok: false, reason, detail}`.
 */
export async function decodeImage(input: string | Buffer, opts: DecodeOptions): Promise<DecodeResult> {
  if (typeof input === 'string') {
    try {
      input = await fs.readFile(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { ok: false, reason: 'missing', detail: 'the file was gone when it was read (ENOENT)' };
      return { ok: false, reason: 'unreadable', detail: e instanceof Error ? e.message : String(e) };
    }
  }
  if (input.length === 0) return { ok: false, reason: 'empty', detail: 'zero bytes' };
  const background = opts.background === 'black' ? '#000000' : '#ffffff';
  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: opts.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
      failOn: 'warning',
      autoOrient: true,
    })
      .flatten({ background })
      .resize(opts.imageSize, opts.imageSize, { fit: 'fill' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== CHANNELS || data.length !== opts.imageSize * opts.imageSize * CHANNELS) {
      return { ok: false, reason: 'corrupt', detail: `decoded to ${info.channels} channels, ${data.length} bytes` };
    }
    return { ok: true, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const detail = /failOn/.test(message) ? `truncated or damaged: the decoder warned (${message})` : message;
    return { ok: false, reason: classifyDecodeError(message), detail };
  }
}

/** Maps a sharp/libvips error message to a skip reason. */
function classifyDecodeError(message: string): SkipReason {
  if (/pixel limit/i.test(message)) return 'too-large';
  if (/unsupported image format|empty/i.test(message)) return 'not-an-image';
  return 'corrupt';
}
