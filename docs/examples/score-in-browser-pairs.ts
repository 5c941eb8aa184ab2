/** The pairs docs/examples/score-in-browser.md scores first; the docs' browser test scores the same in Node. */
import type { TextPair } from "@implicitrm/encoders/hashing";

/** (prompt, response) pairs of several qualities; an empty prompt scores the response alone. */
export const EXAMPLE_PAIRS: readonly TextPair[] = [
  { prompt: "How do I boil an egg?", response: "Put the egg in boiling water for nine minutes, then cool it in cold water." },
  { prompt: "How do I boil an egg?", response: "Figure it out yourself." },
  { prompt: "Translate 'thank you' into French.", response: "Merci." },
  { prompt: "Translate 'thank you' into French.", response: "I don't know any French, sorry!!!" },
  { prompt: "", response: "A response scored without a prompt: the encoder sees the response alone." },
  { prompt: "Write a haiku about rain.", response: "Soft rain on the roof / the garden drinks in silence / puddles hold the sky" },
];

