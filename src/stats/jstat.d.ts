// jstat ships without types. Only the parts leadsplit calls are declared. The statistics
// engine computes its own figures (jstat's incomplete beta stops after 100 continued-fraction
// steps at 3e-7, and its normal tail is 1 − cdf); the tests use jstat as an independent
// cross-check where it is accurate.
declare module 'jstat' {
  interface JStat {
    beta: {
      pdf(x: number, alpha: number, beta: number): number;
      cdf(x: number, alpha: number, beta: number): number;
    };
    chisquare: {
      cdf(x: number, dof: number): number;
    };
    normal: {
      cdf(x: number, mean: number, std: number): number;
    };
  }

  const jStat: JStat;
  export default jStat;
}
