// Minimal types for sha.js's SHA-1 (bundled already as a dependency of isomorphic-git; no @types package installed).
declare module 'sha.js/sha1' {
  class Sha1 {
    update(data: Uint8Array): Sha1;
    digest(encoding: 'hex'): string;
  }
  export = Sha1;
}
