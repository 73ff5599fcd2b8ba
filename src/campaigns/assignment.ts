import { createHash } from 'node:crypto';

/** 2^48: the bucket keeps 48 bits of the hash, far finer than any weight a marketer sets. */
const BUCKET_RANGE = 2 ** 48;

/**
 * A prospect's bucket in a campaign: a number in [0, 1) that depends only on the campaign's
 * salt and the prospect's id. SHA-256 mixes every input bit into every output bit, so
 * sequential prospect ids spread evenly and two campaigns (two salts) place a prospect
 * independently.
 */
export function bucketFor(salt: string, prospectId: number): number {
  const digest = createHash('sha256').update(`${salt}:${prospectId}`).digest();
  return digest.readUIntBE(0, 6) / BUCKET_RANGE;
}

export interface WeightedVariant {
  id: number;
  weight: number;
}

export type Placement =
  { phase: 'test'; variantId: number } | { phase: 'remainder' } | { phase: 'holdout' };

/**
 * Builds the assignment rule of one campaign. Buckets in the holdout fraction at the top get
 * no email at all. Of the others, those below the test fraction are in the test, and that part
 * of the range, rescaled to [0, 1), is cut into the variants' shares by their cumulative
 * weights; the rest is the remainder, held back for the rollout.
 */
export function placementRule(
  testFraction: number,
  variantList: WeightedVariant[],
  holdoutFraction = 0,
): (bucket: number) => Placement {
  const total = variantList.reduce((sum, v) => sum + v.weight, 0);
  let running = 0;
  const bounds = variantList.map((v) => (running += v.weight / total));

  // The holdout is the top of the range; the rest, rescaled to [0, 1), is split as before, so a
  // campaign without a holdout places every prospect exactly as it always did.
  const kept = 1 - holdoutFraction;
  return (raw) => {
    if (raw >= kept) return { phase: 'holdout' };
    const bucket = raw / kept;
    if (bucket >= testFraction) return { phase: 'remainder' };
    const position = bucket / testFraction;
    // The last bound is 1 up to rounding; the fallback keeps a bucket at its edge in range.
    const index = bounds.findIndex((bound) => position < bound);
    const variant = variantList[index === -1 ? variantList.length - 1 : index]!;
    return { phase: 'test', variantId: variant.id };
  };
}
