// The logfmt package ships no types and @types/logfmt is not a dependency; only stringify is used.
declare module "logfmt" {
  const logfmt: {
    stringify(data: Record<string, string | number | boolean | null | undefined>): string;
  };
  export default logfmt;
}
