"""verl reward function that asks an `implicitrm serve` reward server (POST /get_reward).

Use it as verl's custom reward function:

    custom_reward_function.path=apps/serve/integrations/verl_reward.py
    custom_reward_function.name=compute_score          # one sample per call (NaiveRewardManager)
    # or, with reward_model.reward_manager=batch:
    custom_reward_function.name=compute_score_batch    # one request per batch (BatchRewardManager)

The server address comes from the environment: IMPLICITRM_REWARD_URL (default
http://127.0.0.1:8000); a comma-separated list spreads calls over several replicas. The returned
value is the model's normalised reward ((logit - mean) / std over its validation split); set
IMPLICITRM_REWARD_FIELD=scores for sigma(logit) in [0, 1] instead. When verl passes the prompt
in extra_info ("prompt" or "question"), the server scores (prompt, response) as the model was
trained; otherwise it scores the response alone.

Python standard library only (urllib): nothing to install beside verl.
"""

import json
import os
import random
import time
import urllib.error
import urllib.request

_TIMEOUT_S = float(os.environ.get("IMPLICITRM_REWARD_TIMEOUT", "60"))
_RETRIES = int(os.environ.get("IMPLICITRM_REWARD_RETRIES", "5"))


def _urls():
    raw = os.environ.get("IMPLICITRM_REWARD_URL", "http://127.0.0.1:8000")
    return [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]


def _prompt_of(extra_info):
    if isinstance(extra_info, dict):
        for key in ("prompt", "question"):
            value = extra_info.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def get_rewards(responses, prompts=None):
    """POST /get_reward for parallel lists of responses and prompts (None where unknown).

    Returns the list of floats named by IMPLICITRM_REWARD_FIELD ("rewards" by default). Retries on
    503 (the server's queue is full; it says when in Retry-After) and on connection errors, on
    another replica when several are given; raises RuntimeError with the server's message otherwise.
    """
    prompts = prompts or [None] * len(responses)
    query = [(p or "") + r for p, r in zip(prompts, responses)]
    body = {"query": query, "prompts": [p or "" for p in prompts]}
    data = json.dumps(body).encode("utf-8")
    field = os.environ.get("IMPLICITRM_REWARD_FIELD", "rewards")
    urls = _urls()
    last = None
    for attempt in range(_RETRIES + 1):
        url = urls[(attempt + random.randrange(len(urls))) % len(urls)]
        req = urllib.request.Request(url + "/get_reward", data=data, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=_TIMEOUT_S) as res:
                return [float(x) for x in json.loads(res.read().decode("utf-8"))[field]]
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")
            if e.code != 503:
                raise RuntimeError("reward server %s answered %d: %s" % (url, e.code, detail)) from None
            last = "%d %s" % (e.code, detail)
            time.sleep(float(e.headers.get("Retry-After") or 1))
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            last = str(e)
            time.sleep(min(2 ** attempt * 0.1, 5))
    raise RuntimeError("reward server unavailable after %d tries: %s" % (_RETRIES + 1, last))


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl's per-sample reward function: the reward model's reward for solution_str."""
    return get_rewards([solution_str], [_prompt_of(extra_info)])[0]


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None, **kwargs):
    """verl's batched reward function (reward_manager=batch): one request for the whole batch."""
    extra_infos = extra_infos or [None] * len(solution_strs)
    return get_rewards(list(solution_strs), [_prompt_of(e) for e in extra_infos])
