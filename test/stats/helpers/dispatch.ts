import {
  chiSquareTest,
  expectedLoss,
  fisherExactTest,
  holmAdjust,
  newcombeDiffInterval,
  probabilityToBeBest,
  sampleSizePerArm,
  srmTest,
  twoProportionZTest,
  welchTTest,
  wilsonInterval,
  type Arm,
  type BetaPrior,
  type SampleSizeInput,
  type SampleSummary,
} from '../../../src/stats';

// The fixture's args are positional, exactly as the functions take them.
const call: Record<string, (args: unknown[]) => unknown> = {
  wilsonInterval: ([s, n, c]) => wilsonInterval(s as number, n as number, c as number),
  newcombeDiffInterval: ([c, t, conf]) => newcombeDiffInterval(c as Arm, t as Arm, conf as number),
  twoProportionZTest: ([c, t]) => twoProportionZTest(c as Arm, t as Arm),
  chiSquareTest: ([arms]) => chiSquareTest(arms as Arm[]),
  fisherExactTest: ([c, t]) => fisherExactTest(c as Arm, t as Arm),
  holmAdjust: ([p]) => holmAdjust(p as number[]),
  probabilityToBeBest: ([arms, prior]) => probabilityToBeBest(arms as Arm[], prior as BetaPrior),
  expectedLoss: ([arms, prior]) => expectedLoss(arms as Arm[], prior as BetaPrior),
  sampleSizePerArm: ([input]) => sampleSizePerArm(input as SampleSizeInput),
  srmTest: ([observed, weights]) => srmTest(observed as number[], weights as number[]),
  welchTTest: ([a, b]) => welchTTest(a as SampleSummary, b as SampleSummary),
};

/** Runs the named statistics function on a fixture case's positional arguments. */
export function callByName(fn: string, args: unknown[]): unknown {
  const run = call[fn];
  if (!run) throw new Error(`no statistics function named ${fn}`);
  return run(args);
}
