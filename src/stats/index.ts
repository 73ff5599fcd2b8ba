export { StatsInputError } from './errors';
export type {
  Arm,
  BetaPrior,
  ChiSquareResult,
  FisherResult,
  Interval,
  SampleSizeInput,
  SampleSummary,
  SequentialOptions,
  SequentialResult,
  SrmResult,
  WelchResult,
  ZTestResult,
} from './types';
export { wilsonInterval, newcombeDiffInterval, twoProportionZTest } from './proportions';
export { chiSquareTest, srmTest } from './contingency';
export { fisherExactTest } from './fisher-exact';
export { holmAdjust } from './holm';
export { probabilityToBeBest, expectedLoss } from './posterior';
export { sampleSizePerArm } from './sample-size';
export { welchTTest } from './welch';
export { sequentialTest } from './sequential';
export { decide } from './decide';
export type {
  Decision,
  DecisionMethod,
  DecisionPolicy,
  Uplift,
  VariantFigures,
  VariantResult,
  VerdictKind,
  WinnerSummary,
} from './decide-types';
