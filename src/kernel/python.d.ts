// Python sources imported as strings (rspack `asset/source`, jest raw transform).
declare module '*.py' {
  const source: string;
  export default source;
}
