/**
 * Numerically stable building blocks on logits. Every log-probability is computed from logits with
 * softplus (tfjs's softplus is thresholded, and its gradient is σ(x)), so the losses stay finite for
 * any finite logit, ±1e4 included.
 */
import * as tf from "@tensorflow/tfjs-core";

/** log σ(x) = −softplus(−x), elementwise. */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch's `detach`): the E-step
 * posteriors and â in L_obs are treated as constants by the M-step.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x) as T;
}

/**
 * log(1 − σ(f)·σ(g)), elementwise, without cancellation:
 * 1 − σ(f)σ(g) = (e^−f + e^−g + e^−(f+g)) / ((1 + e^−f)(1 + e^−g)), so the log is
 * logsumexp(−f, −g, −f−g) − softplus(−f) − softplus(−g).
 */
export function log1mSigmoidProduct(f: tf.Tensor, g: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const nf = tf.neg(f);
    const ng = tf.neg(g);
    const both = tf.add(nf, ng);
    const m = stopGradient(tf.maximum(tf.maximum(nf, ng), both));
    const sum = tf.addN([tf.exp(tf.sub(nf, m)), tf.exp(tf.sub(ng, m)), tf.exp(tf.sub(both, m))]);
    const lse = tf.add(m, tf.log(sum));
    return tf.sub(tf.sub(lse, tf.softplus(nf)), tf.softplus(ng));
  });
}

/**
 * Per-row binary cross-entropy from a logit and a (possibly soft) label y ∈ [0, 1]:
 * −[y log σ(z) + (1 − y) log(1 − σ(z))] = y·softplus(−z) + (1 − y)·softplus(z).
 */
export function bceWithLogits(z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(y, tf.softplus(tf.neg(z))), tf.mul(tf.sub(1, y), tf.softplus(z))));
}

/**
 * Per-row negative log-likelihood of the observed feedback r under P(r = 1 | x) = σ(f)·σ(g):
 * −[r (log σ(f) + log σ(g)) + (1 − r) log(1 − σ(f)σ(g))].
 */
export function observedNll(f: tf.Tensor, g: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const positive = tf.add(tf.softplus(tf.neg(f)), tf.softplus(tf.neg(g)));
    return tf.sub(tf.mul(r, positive), tf.mul(tf.sub(1, r), log1mSigmoidProduct(f, g)));
  });
}

/**
 * Mean of x, or the weighted mean Σ wᵢxᵢ / n when per-row weights w are given (weights whose mean is
 * 1 over an epoch, such as `ObjectiveBatch.weight`; this is not the self-normalised Σwx / Σw).
 */
export function weightedMean(x: tf.Tensor, w?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => (w ? tf.mean(tf.mul(x, w)) : tf.mean(x)) as tf.Scalar);
}

/**
 * Mean of x over the rows where mask = 1 (mask of 0/1 floats): Σ mᵢxᵢ / max(1, Σ mᵢ), so a batch
 * with no such row gives 0 rather than NaN.
 */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(x, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar);
}

/**
 * logit(p) = log p − log(1 − p) of probabilities, with p clamped to [eps, 1 − eps] first
 * (default eps 1e-6, so the logit stays within ±13.8): turns a propensity into the logit form that
 * `observedNll` and `log1mSigmoidProduct` take.
 */
export function probabilityLogit(p: tf.Tensor, eps = 1e-6): tf.Tensor {
  return tf.tidy(() => {
    const c = tf.clipByValue(p, eps, 1 - eps);
    return tf.sub(tf.log(c), tf.log1p(tf.neg(c)));
  });
}
