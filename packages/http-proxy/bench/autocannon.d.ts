/** The slice of autocannon's API the benchmark uses (it ships no types). */
declare module 'autocannon' {
  const autocannon: (options: Record<string, unknown>) => Promise<{ errors: number; non2xx: number }>;
  export default autocannon;
}
