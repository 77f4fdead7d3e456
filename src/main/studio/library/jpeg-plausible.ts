/**
 * A JPEG whose frame header claims far more pixels than its bytes can hold
 * (issue 9: a few hundred bytes claiming 9000 × 9000) is caught at import,
 * without decoding. The bound is sound for every Huffman-coded JPEG, baseline
 * or progressive: the first scan codes each luminance block's DC coefficient
 * with a Huffman code of at least one bit, so the entropy-coded data after the
 * first start-of-scan holds at least ceil(W/8) · ceil(H/8) bits. Arithmetic
 * coded frames (SOF9–SOF15) have no such bound and are left to the decoder.
 */
export function jpegSizeLie(head: Buffer, fileSize: number): string | undefined {
  const frame = firstFrameAndScan(head);
  if (!frame || frame.arithmetic) return undefined;
  const blocks = Math.ceil(frame.width / 8) * Math.ceil(frame.height / 8);
  const minBytes = Math.ceil(blocks / 8);
  const dataBytes = fileSize - frame.scanOffset;
  if (dataBytes >= minBytes) return undefined;
  return `JPEG header claims ${frame.width}×${frame.height}, which needs at least ${minBytes} bytes of image data; the file has ${Math.max(0, dataBytes)} after its header (a header that lies about the image size)`;
}

interface Frame {
  width: number;
  height: number;
  arithmetic: boolean;
  /** Where the first scan's data begins. */
  scanOffset: number;
}

function firstFrameAndScan(buf: Buffer): Frame | undefined {
  let i = 2;
  let frame: Omit<Frame, 'scanOffset'> | undefined;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return undefined;
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9) return undefined;
    const len = buf.readUInt16BE(i + 2);
    if (marker === 0xda) return frame ? { ...frame, scanOffset: i + 2 + len } : undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame && !frame && i + 9 <= buf.length) {
      frame = { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7), arithmetic: marker >= 0xc9 };
    }
    i += 2 + len;
  }
  return undefined;
}
