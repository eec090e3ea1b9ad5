'use client';

import { useEffect, useRef, useState } from 'react';
import { amplifyPerturbation } from './perturbation';

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('image failed to load'));
    image.src = src;
  });
}

function pixels(image: HTMLImageElement): ImageData | null {
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth;
  canvas.height = image.naturalHeight;
  const context = canvas.getContext('2d');
  if (!context) return null;
  context.drawImage(image, 0, 0);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

/**
 * Draws the amplified perturbation from the clean and adversarial PNGs, so the
 * amplification can change without asking the server again. Falls back to the
 * server's x10 image until the pixels are ready (or when canvas is unavailable).
 */
export function PerturbationCanvas({ cleanPng, adversarialPng, fallbackPng, amplification, label, className }: { cleanPng: string; adversarialPng: string; fallbackPng: string; amplification: number; label: string; className?: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [source, setSource] = useState<{ clean: ImageData; adversarial: ImageData } | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([loadImage(cleanPng), loadImage(adversarialPng)])
      .then(([clean, adversarial]) => {
        const a = pixels(clean);
        const b = pixels(adversarial);
        if (live && a && b && a.data.length === b.data.length) setSource({ clean: a, adversarial: b });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [cleanPng, adversarialPng]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context || !source) return;
    canvas.width = source.clean.width;
    canvas.height = source.clean.height;
    const out = amplifyPerturbation(source.clean.data, source.adversarial.data, amplification);
    context.putImageData(new ImageData(new Uint8ClampedArray(out), source.clean.width, source.clean.height), 0, 0);
  }, [source, amplification]);

  return source ? (
    <canvas ref={canvasRef} role="img" aria-label={label} className={className} style={{ imageRendering: 'pixelated' }} />
  ) : (
    <img src={fallbackPng} alt={label} className={className} style={{ imageRendering: 'pixelated' }} />
  );
}
