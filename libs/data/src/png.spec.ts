import sharp from 'sharp';
import { composeGrid, encodePng } from './png';

describe('PNG helpers', () => {
  it('encodes uint8 and [0, 1] float pixels to a PNG that decodes to the same values', async () => {
    const u8 = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i * 10);
    const png = await encodePng(u8, 2, 3);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.height, info.width, info.channels]).toEqual([2, 3, 3]);
    expect(Array.from(data)).toEqual(Array.from(u8));

    const f = Float32Array.from([0, 0.5, 1, -1, 2, 0.25]);
    const greyPng = await encodePng(f, 2, 3, 1);
    expect((await sharp(greyPng).metadata()).channels).toBe(1);
    const grey = await sharp(greyPng).extractChannel(0).raw().toBuffer();
    expect(Array.from(grey)).toEqual([0, 128, 255, 0, 255, 64]);
    await expect(encodePng(u8, 3, 3)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('lays out tiles in a grid with captions under them', async () => {
    const tile = (v: number) => ({ pixels: new Uint8Array(8 * 8 * 3).fill(v), height: 8, width: 8 });
    const tiles = [tile(0), tile(60), tile(120), { ...tile(180), label: 'cat <3' }, { ...tile(240), label: 'dog', labelColor: '#c00' }];
    const png = await composeGrid(tiles, { columns: 3, scale: 4, padding: 2, fontSize: 10 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const labelHeight = 13;
    expect([info.channels, info.width, info.height]).toEqual([3, 2 + 3 * (32 + 2), 2 + 2 * (32 + labelHeight + 2)]);
    const at = (x: number, y: number): number[] => Array.from(data.subarray(3 * (y * info.width + x), 3 * (y * info.width + x) + 3));
    expect(at(2 + 34 + 5, 2 + 5)).toEqual([60, 60, 60]);
    expect(at(2 + 5, 2 + 47 + 5)).toEqual([180, 180, 180]);
    // The caption band under the second row holds dark text pixels; the first row's is blank.
    const band = (top: number, left: number): number => {
      let dark = 0;
      for (let y = top; y < top + labelHeight; y++) for (let x = left; x < left + 32; x++) if (at(x, y)[1] < 128) dark++;
      return dark;
    };
    expect(band(2 + 47 + 32, 2)).toBeGreaterThan(10);
    expect(band(2 + 32, 2)).toBe(0);
  });
});
