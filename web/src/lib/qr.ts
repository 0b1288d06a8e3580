import { renderSVG } from 'uqr';

/**
 * A QR code as an image address (`data:image/svg+xml`), for an <img>: the SVG never enters the
 * page's markup, and the Content-Security-Policy allows data: images.
 */
export function qrImageSrc(text: string): string {
  const svg = renderSVG(text, { ecc: 'M', border: 2, pixelSize: 6, whiteColor: '#ffffff', blackColor: '#000000' });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
