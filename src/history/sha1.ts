/**
 * Synchronous SHA-1, for git object ids.
 *
 * Why our own: Web Crypto's digest is async (a promise per object costs more than
 * hashing a small blob) and is missing on insecure origins (Jupyter served over
 * plain http on a LAN address). Git's object ids are SHA-1 by definition; this
 * is not used for any security purpose.
 */

const W = new Int32Array(80);

/** Hex SHA-1 of the bytes. */
export function sha1Hex(data: Uint8Array): string {
  const length = data.length;
  // Message + 0x80 + zero padding + 64-bit big-endian bit length, to a multiple of 64 bytes.
  const total = ((length + 9 + 63) >> 6) << 6;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const tail = new Uint8Array(128);
  const fullBlocksEnd = length & ~63;
  // Tail = the last partial block plus padding (one or two blocks).
  tail.set(data.subarray(fullBlocksEnd));
  tail[length - fullBlocksEnd] = 0x80;
  const tailLength = total - fullBlocksEnd;
  const bits = length * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  tail[tailLength - 8] = hi >>> 24;
  tail[tailLength - 7] = (hi >>> 16) & 0xff;
  tail[tailLength - 6] = (hi >>> 8) & 0xff;
  tail[tailLength - 5] = hi & 0xff;
  tail[tailLength - 4] = lo >>> 24;
  tail[tailLength - 3] = (lo >>> 16) & 0xff;
  tail[tailLength - 2] = (lo >>> 8) & 0xff;
  tail[tailLength - 1] = lo & 0xff;

  for (let offset = 0; offset < total; offset += 64) {
    let block: Uint8Array;
    let p: number;
    if (offset < fullBlocksEnd) {
      block = data;
      p = offset;
    } else {
      block = tail;
      p = offset - fullBlocksEnd;
    }
    for (let i = 0; i < 16; i++, p += 4) {
      W[i] = (block[p] << 24) | (block[p + 1] << 16) | (block[p + 2] << 8) | block[p + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return hex32(h0) + hex32(h1) + hex32(h2) + hex32(h3) + hex32(h4);
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
