"""Does serving queries on the int8 encoder copy change routing quality? Routers are trained on fp32
embeddings (as `duet train router` does) and evaluated on the test split twice: with fp32 test queries (the
harness's numbers) and with the int8 traced copy the gateway serves (`policies.query_model`).

    python -m eval.routing.quantized [--data ../shared/data/routing] [--json out/routing/quantized.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from eval.routing.harness import evaluate
from eval.routing.run import cached_encoder, load_split

REPO = Path(__file__).resolve().parents[2]
SETS = {"gsm8k": ("routellm/gsm8k_responses.csv", None),
        "arc": ("routerbench/arc_challenge_train.csv", "routerbench/arc_challenge_test.csv"),
        "mbpp": ("routerbench/mbpp_train.csv", "routerbench/mbpp_test.csv")}
ROUTERS = ["knn", "mlp", "ensemble"]


class TestOnInt8:
    """Encoder whose test-split texts go through the int8 serving copy; everything else is fp32 (cached)."""

    def __init__(self, base: Any, test_texts: list[str]) -> None:
        from policies.query_model import QueryModel
        from policies.threads import single_thread

        self.base, self.test_texts = base, test_texts
        self._int8 = QueryModel(base._model, quantized=True)
        self._single_thread = single_thread

    def encode(self, texts: list[str]) -> np.ndarray:
        if texts is not self.test_texts:
            return self.base.encode(texts)
        with self._single_thread():
            return np.concatenate([self._int8(texts[i:i + 32]) for i in range(0, len(texts), 32)])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "routing"))
    ap.add_argument("--json", default=str(REPO / "out" / "routing" / "quantized.json"))
    ap.add_argument("--samples", type=int, default=1000)
    args = ap.parse_args(argv)
    base = cached_encoder()
    out: dict[str, Any] = {}
    for name, (train, test) in SETS.items():
        tr, te = load_split(Path(args.data) / train, Path(args.data) / test if test else None, None, None)
        fp32 = evaluate(tr, te, ROUTERS, encoder=base, samples=args.samples, log=lambda s: None)
        int8 = evaluate(tr, te, ROUTERS, encoder=TestOnInt8(base, te.queries), samples=args.samples,
                        log=lambda s: None)
        cosine = float((TestOnInt8(base, te.queries).encode(te.queries) * base.encode(te.queries)).sum(1).mean())
        out[name] = {"mean_cosine_int8_vs_fp32": round(cosine, 4), "routers": {
            r: {variant: {k: result["routers"][r].get(k) for k in ("aiq", "aiq_ci", "apgr", "apgr_ci")}
                for variant, result in (("fp32", fp32), ("int8", int8))} for r in ROUTERS}}
        for r in ROUTERS:
            a, b = out[name]["routers"][r]["fp32"], out[name]["routers"][r]["int8"]
            metric = "apgr" if a["apgr"] is not None else "aiq"
            print(f"{name:6s} {r:9s} {metric} fp32 {a[metric]:.4f} {a[metric + '_ci']}  int8 {b[metric]:.4f} "
                  f"{b[metric + '_ci']}", flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
