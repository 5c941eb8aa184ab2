import { type IpsOptions, ipsObjective } from "./ips.js";
import type { Objective } from "./types.js";

/**
 * ips-nn: Rel-MF with the negative weight clipped at zero,
 * −[(r/π) log σ(f) + max(0, 1 − r/π) log(1 − σ(f))]. Rel-MF's weight 1 − r/π is negative on every
 * r = 1 row with π < 1, which makes the loss unbounded below there (it falls like (1/π − 1)·f as
 * f → +∞) and lets a flexible head overfit; clipping (a per-row analogue of the non-negative correction of
 * Kiryo et al. 2017) removes that at the price of a bias towards positives. Options
 * and selection as for `ips` (`propensity` 'oracle', `clipMin` 0.05).
 */
export const ipsNn: Objective<IpsOptions> = ipsObjective("ips-nn", "Rel-MF with the negative weight 1 − r/π clipped at 0", true);
