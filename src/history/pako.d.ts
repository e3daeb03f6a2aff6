// Minimal types for pako 1.x (a dependency of isomorphic-git; no @types package installed).
declare module 'pako' {
  export function deflate(data: Uint8Array, options?: { level?: number; windowBits?: number; memLevel?: number }): Uint8Array;
  export function inflate(data: Uint8Array): Uint8Array;
}
