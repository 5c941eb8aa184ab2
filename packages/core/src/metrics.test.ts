import { describe, expect, it } from "vitest";
import {
  auroc,
  classificationMetrics,
  ece,
  f1OptimalThreshold,
  mae,
  ndcg,
  nll,
  pairwiseAccuracy,
  pearson,
  r2,
  recallAt,
  rmse,
} from "./metrics.js";

/** Tiny LCG (Numerical Recipes constants) so the randomised cross-checks are reproducible. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

// Shared toy data: p = [0.2, 0.7, 0.9, 0.4], y = [0, 1, 1, 0].
const P = [0.2, 0.7, 0.9, 0.4];
const Y = [0, 1, 1, 0];

describe("mae / rmse / r2 / pearson", () => {
  it("mae: |errors| = .2,.3,.1,.4 -> 1.0/4 = 0.25", () => {
    expect(mae(P, Y)).toBeCloseTo(0.25, 12);
  });

  it("rmse: squared errors .04+.09+.01+.16 = .30 -> sqrt(.30/4) = sqrt(.075)", () => {
    expect(rmse(P, Y)).toBeCloseTo(0.27386127875258304, 12);
  });

  it("r2: SSres = .30, ybar = .5, SStot = 4*.25 = 1 -> 1 - .30 = 0.7", () => {
    expect(r2(P, Y)).toBeCloseTo(0.7, 12);
    expect(r2([1, 1, 1], [1, 1, 1])).toBeNaN(); // SStot = 0
    // Predicting the mean label everywhere gives SSres = SStot -> 0.
    expect(r2([0.5, 0.5], [0, 1])).toBeCloseTo(0, 12);
  });

  it("pearson: pbar=.55, dp=(-.35,.15,.35,-.15), dy=(-.5,.5,.5,-.5); cov=.5, Σdp²=.29, Σdy²=1 -> .5/sqrt(.29)", () => {
    expect(pearson(P, Y)).toBeCloseTo(0.9284766908852594, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});

describe("auroc", () => {
  it("ties get average ranks: scores [.1,.4,.4,.8], y [0,0,1,1]", () => {
    // Ascending ranks 1, 2.5, 2.5, 4; positive rank sum R+ = 2.5 + 4 = 6.5;
    // U = 6.5 - 2*3/2 = 3.5; AUC = 3.5 / (2*2) = 0.875.
    expect(auroc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.875, 12);
  });

  it("perfect, reversed, all tied and one-class cases", () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBeCloseTo(1, 12);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBeCloseTo(0, 12);
    expect(auroc([0.3, 0.3, 0.3, 0.3, 0.3], [0, 1, 0, 1, 1])).toBeCloseTo(0.5, 12);
    expect(auroc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(auroc([0.1, 0.2], [0, 0])).toBeNaN();
  });

  it("P, Y: 4 pos/neg pairs (.7>.2, .7>.4, .9>.2, .9>.4) all ordered -> 1", () => {
    expect(auroc(P, Y)).toBeCloseTo(1, 12);
  });

  it("matches a brute-force O(n²) pair count on 200 random rows with ties", () => {
    const rand = lcg(12345);
    const n = 200;
    const scores = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = Math.floor(rand() * 20) / 20; // 20 levels -> many ties
      y[i] = rand() < 0.4 ? 1 : 0;
    }
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if (y[j] !== 0) continue;
        pairs++;
        if (scores[i]! > scores[j]!) wins += 1;
        else if (scores[i] === scores[j]) wins += 0.5;
      }
    }
    expect(pairs).toBeGreaterThan(1000);
    expect(auroc(scores, y)).toBeCloseTo(wins / pairs, 12);
  });
});

describe("nll", () => {
  it("clips p = 0 and 1 so the loss stays finite", () => {
    // p=0,y=0 -> -ln(1-1e-7) ≈ 1e-7; p=1,y=1 -> same; p=.5,y=1 -> ln 2 = .693147;
    // p=.9,y=0 -> -ln .1 = 2.302585; mean = (2e-7 + .693147 + 2.302585)/4 = 0.748933.
    expect(nll([0, 1, 0.5, 0.9], [0, 1, 1, 0])).toBeCloseTo(0.7489331183885002, 10);
    // Confident mistakes: -ln(1e-7) = 16.118096, finite.
    expect(nll([0], [1])).toBeCloseTo(16.11809565095832, 8);
    expect(nll([1], [0])).toBeCloseTo(16.11809565095832, 6);
    expect(Number.isFinite(nll([0, 1], [1, 0]))).toBe(true);
    // Custom eps: -ln(0.01) = 4.605170.
    expect(nll([0], [1], 0.01)).toBeCloseTo(4.605170185988091, 10);
  });

  it("rejects a bad eps", () => {
    expect(() => nll([0.5], [1], 0)).toThrow(/nll: eps/);
  });
});

describe("ece", () => {
  it("two populated bins of 10", () => {
    // Bin 1 [.1,.2): p .12,.18 -> mean .15; y 0,1 -> mean .5; gap .35, weight 2/4.
    // Bin 8 [.8,.9): p .82,.88 -> mean .85; y 1,1 -> mean 1; gap .15, weight 2/4.
    // ECE = .5*.35 + .5*.15 = 0.25.
    expect(ece([0.12, 0.18, 0.82, 0.88], [0, 1, 1, 1])).toBeCloseTo(0.25, 12);
  });

  it("closes the last bin at 1 and uses the requested bin count", () => {
    // p = 1 and .95 both in bin 9: mean p .975, mean y .5 -> .475.
    expect(ece([1, 0.95], [0, 1])).toBeCloseTo(0.475, 12);
    // 2 bins: .5 goes to the upper bin [.5,1] with 1.0; lower bin holds .2.
    // Lower: |.2 - 0| = .2, weight 1/3; upper: mean p .75, mean y .5 -> .25, weight 2/3.
    // ECE = .2/3 + .5/3 = 0.233333.
    expect(ece([0.2, 0.5, 1], [0, 0, 1], 2)).toBeCloseTo(0.7 / 3, 12);
    expect(ece([0.3, 0.7], [0.3, 0.7])).toBeCloseTo(0, 12);
    expect(() => ece([0.5], [1], 0)).toThrow(/ece: bins/);
    expect(() => ece([0.5], [1], 2.5)).toThrow(/ece: bins/);
  });
});

describe("ndcg", () => {
  it("hand-computed list without ties", () => {
    // scores [.9,.3,.6,.1], rel [1,3,0,2]; ranked: rel 1, 0, 3, 2.
    // DCG = 1/log2 2 + 0/log2 3 + 3/log2 4 + 2/log2 5 = 1 + 0 + 1.5 + 0.861353 = 3.361353.
    // IDCG (3,2,1,0) = 3 + 2/1.584963 + 1/2 + 0 = 4.761860. NDCG = 0.705891.
    expect(ndcg([0.9, 0.3, 0.6, 0.1], [1, 3, 0, 2])).toBeCloseTo(0.7058908628246313, 10);
    expect(ndcg([0.4, 0.3, 0.2], [2, 1, 0])).toBeCloseTo(1, 12);
  });

  it("averages discounts over tied blocks, independent of input order", () => {
    // Two tied rows, rel [1,0]: expected discount (1 + 1/log2 3)/2 = 0.815465; IDCG = 1.
    expect(ndcg([0.5, 0.5], [1, 0])).toBeCloseTo(0.8154648767857288, 10);
    expect(ndcg([0.5, 0.5], [0, 1])).toBeCloseTo(0.8154648767857288, 10);
    // scores [.7,.7,.2], rel [0,2,1]: tied block gets avg discount .815465 -> 2*.815465 = 1.630930;
    // rank 3 -> 1/2; DCG = 2.130930. IDCG = 2 + 1/log2 3 = 2.630930. NDCG = 0.809954.
    const expected = (2 * 0.8154648767857288 + 0.5) / (2 + 1 / Math.log2(3));
    expect(expected).toBeCloseTo(0.80995, 4);
    expect(ndcg([0.7, 0.7, 0.2], [0, 2, 1])).toBeCloseTo(expected, 10);
    expect(ndcg([0.7, 0.2, 0.7], [2, 1, 0])).toBeCloseTo(expected, 10);
  });

  it("NaN when IDCG = 0; rejects negative gains", () => {
    expect(ndcg([0.1, 0.9], [0, 0])).toBeNaN();
    expect(() => ndcg([0.1, 0.9], [1, -1])).toThrow(/ndcg: relevance\[1\]/);
  });
});

describe("f1OptimalThreshold / recallAt", () => {
  it("sweeps the distinct values of p", () => {
    // p [.9,.8,.7,.6,.2], y [1,0,1,1,0], P = 3; F1 = 2TP/(predicted + P):
    // t=.9: 2/4=.5; t=.8: 2/5=.4; t=.7: 4/6=.667; t=.6: 6/7=.857; t=.2: 6/8=.75 -> t=.6.
    const r = f1OptimalThreshold([0.9, 0.8, 0.7, 0.6, 0.2], [1, 0, 1, 1, 0]);
    expect(r.threshold).toBe(0.6);
    expect(r.f1).toBeCloseTo(6 / 7, 12);
  });

  it("treats tied p as one threshold and prefers the largest threshold on equal F1", () => {
    // p [.5,.5,.3], y [1,0,1]: t=.5 predicts 2 (TP 1): 2/4 = .5; t=.3: TP 2: 4/5 = .8.
    const r = f1OptimalThreshold([0.5, 0.5, 0.3], [1, 0, 1]);
    expect(r.threshold).toBe(0.3);
    expect(r.f1).toBeCloseTo(0.8, 12);
    // p [.9,.8,.7,.6], y [1,0,1,0], P = 2: t=.9: 2/3; t=.8: 2/4; t=.7: 4/5 = .8; t=.6: 4/6 -> .7.
    expect(f1OptimalThreshold([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]).threshold).toBe(0.7);
    // Exact tie: p [.6,.5,.4,.3], y [1,0,0,1], P = 2: t=.6: 2/3; t=.5: 2/4; t=.4: 2/5;
    // t=.3: 4/6 = 2/3 -> .6 and .3 tie, the largest threshold wins.
    const tie = f1OptimalThreshold([0.6, 0.5, 0.4, 0.3], [1, 0, 0, 1]);
    expect(tie.threshold).toBe(0.6);
    expect(tie.f1).toBeCloseTo(2 / 3, 12);
    expect(f1OptimalThreshold([0.6, 0.5], [0, 0]).f1).toBeNaN();
  });

  it("recallAt: p >= t over positives", () => {
    // Positives have p .9, .7, .6; at t=.7 two of three pass -> 2/3; t inclusive.
    expect(recallAt([0.9, 0.8, 0.7, 0.6, 0.2], [1, 0, 1, 1, 0], 0.7)).toBeCloseTo(2 / 3, 12);
    expect(recallAt([0.9, 0.8, 0.7, 0.6, 0.2], [1, 0, 1, 1, 0], 0.95)).toBeCloseTo(0, 12);
    expect(recallAt([0.3, 0.2], [0, 0], 0.5)).toBeNaN();
  });
});

describe("pairwiseAccuracy", () => {
  it("counts score ties as 0.5 and skips equal grades and cross-group pairs", () => {
    // group 0: a(.9,g3) b(.5,g1) c(.5,g2) d(.2,g1)
    //   (a,b)=1 (a,c)=1 (a,d)=1 (b,c): c better, .5=.5 -> .5; (b,d) equal grade, skipped; (c,d)=1
    //   -> 5 pairs, 4.5 correct.
    // group 1: e(.3,g4) f(.7,g0) g(.1,g4): (e,f): e better but .3<.7 -> 0; (e,g) skipped;
    //   (f,g): g better but .1<.7 -> 0 -> 2 pairs, 0 correct.
    // group 2: h alone -> nothing. Total 4.5 / 7 = 0.642857.
    // Rows interleaved across groups so cross-group pairs would change the answer.
    const scores = [0.9, 0.3, 0.5, 0.7, 0.99, 0.5, 0.1, 0.2];
    const grades = [3, 4, 1, 0, 0, 2, 4, 1];
    const groups = Int32Array.from([0, 1, 0, 1, 2, 0, 1, 0]);
    const r = pairwiseAccuracy(scores, grades, groups);
    expect(r.pairs).toBe(7);
    expect(r.accuracy).toBeCloseTo(4.5 / 7, 12);
  });

  it("NaN accuracy with zero pairs", () => {
    const r = pairwiseAccuracy([0.1, 0.2, 0.3], [1, 1, 2], [0, 0, 1]);
    expect(r.pairs).toBe(0);
    expect(r.accuracy).toBeNaN();
  });

  it("matches a brute-force pair loop on random grouped data with ties", () => {
    const rand = lcg(777);
    const n = 300;
    const scores: number[] = [];
    const grades: number[] = [];
    const groups = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      scores.push(Math.floor(rand() * 8) / 8);
      grades.push(Math.floor(rand() * 5));
      groups[i] = Math.floor(rand() * 30);
    }
    let pairs = 0;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (groups[i] !== groups[j] || grades[i] === grades[j]) continue;
        pairs++;
        const [hi, lo] = grades[i]! > grades[j]! ? [i, j] : [j, i];
        if (scores[hi]! > scores[lo]!) correct += 1;
        else if (scores[hi] === scores[lo]) correct += 0.5;
      }
    }
    const r = pairwiseAccuracy(scores, grades, groups);
    expect(r.pairs).toBe(pairs);
    expect(r.accuracy).toBeCloseTo(correct / pairs, 12);
  });
});

describe("classificationMetrics", () => {
  it("collects every metric and leaves optional ones NaN / 0", () => {
    const m = classificationMetrics({ p: P, y: Y });
    expect(m.mae).toBeCloseTo(0.25, 12);
    expect(m.rmse).toBeCloseTo(0.27386127875258304, 12);
    expect(m.r2).toBeCloseTo(0.7, 12);
    expect(m.auroc).toBeCloseTo(1, 12);
    expect(m.pearson).toBeCloseTo(0.9284766908852594, 12);
    // -(ln .8 + ln .7 + ln .9 + ln .6)/4 = (.223144 + .356675 + .105361 + .510826)/4 = 0.2990012.
    expect(m.nll).toBeCloseTo(0.2990011586691898, 10);
    // Bins 2,7,9,4 each hold one row: |.2-0| + |.7-1| + |.9-1| + |.4-0| = 1.0, /4 = 0.25.
    expect(m.ece).toBeCloseTo(0.25, 12);
    // Ranked .9(1) .7(1) .4(0) .2(0) equals the ideal order -> 1.
    expect(m.ndcg).toBeCloseTo(1, 12);
    expect(m.recall).toBeNaN();
    expect(m.pairwiseAccuracy).toBeNaN();
    expect(m.pairs).toBe(0);
    // mean p = (.2 + .7 + .9 + .4)/4 = 0.55; mean y = 2/4 = 0.5; |0.55 − 0.5| = 0.05.
    expect(m.meanPrediction).toBeCloseTo(0.55, 12);
    expect(m.positiveRate).toBe(0.5);
    expect(m.rateError).toBeCloseTo(0.05, 12);
  });

  it("uses grade for NDCG and pairwise accuracy, and the threshold for recall", () => {
    const grade = [0, 2, 1, 0];
    const group = Int32Array.from([5, 5, 5, 5]);
    const m = classificationMetrics({ p: P, y: Y, grade, group, threshold: 0.8 });
    // recall at .8: positives .7, .9 -> only .9 passes -> 0.5.
    expect(m.recall).toBeCloseTo(0.5, 12);
    // ranked by p: .9(g1) .7(g2) .4(g0) .2(g0): DCG = 1 + 2/log2 3 = 2.261860;
    // IDCG = 2 + 1/log2 3 = 2.630930 -> 0.859719.
    expect(m.ndcg).toBeCloseTo((1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)), 12);
    // pairs with different grades: (.7g2,.9g1) wrong, (.7,.2) right, (.7,.4) right,
    // (.9g1,.2g0) right, (.9,.4) right; (.2,.4) equal grade skipped -> 4/5.
    expect(m.pairs).toBe(5);
    expect(m.pairwiseAccuracy).toBeCloseTo(0.8, 12);
  });
});

describe("validation", () => {
  it("throws on length mismatch naming the function and both lengths", () => {
    expect(() => mae([0.1, 0.2], [1])).toThrow(/mae: p has length 2 but y has length 1/);
    expect(() => auroc([0.1], [1, 0, 1])).toThrow(/auroc: .*length 1.*length 3/);
    expect(() => pairwiseAccuracy([0.1, 0.2], [1, 2], [0])).toThrow(/pairwiseAccuracy: .*length 2.*length 1/);
    expect(() => classificationMetrics({ p: [0.1, 0.2], y: [0, 1], grade: [1] })).toThrow(
      /classificationMetrics: .*length 2.*length 1/,
    );
  });

  it("throws on empty input and NaN", () => {
    for (const f of [mae, rmse, r2, pearson, auroc, nll, ece, ndcg, f1OptimalThreshold]) {
      expect(() => f([], [])).toThrow(/empty/);
    }
    expect(() => recallAt([], [], 0.5)).toThrow(/recallAt: .*empty/);
    expect(() => pairwiseAccuracy([], [], [])).toThrow(/empty/);
    expect(() => auroc([0.1, Number.NaN], [0, 1])).toThrow(/auroc: scores\[1\] is NaN/);
  });
});
