"""`duet eval t2i`: quality gain vs fraction of cloud calls for RouteT2I and baselines.

Methods: routet2i (predicted Pareto relative superiority), random, always-edge, always-cloud,
prompt length (longer prompts to the cloud), and oracle (measured superiority, an upper bound).
Without --model the rows are split (seeded) and a predictor is trained on the training part.
Prints a table, writes JSON and a PNG plot.

    python -m eval.t2i.run --data labelled.jsonl [--model DIR] [--out-dir runs/eval-t2i]
    python -m eval.t2i.run --synthetic 600     # generated rows with a planted effect (mechanics only)
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from eval.t2i.curves import aggregate_quality, curve, random_curve, summarise
from policies.t2i.budget import threshold_for_fraction
from policies.t2i.predictor import QualityPredictor, train_predictor
from policies.t2i.rows import LabelledPrompt, read_rows, score_arrays
from policies.t2i.superiority import pareto_superiority

FRACTIONS = [0.1, 0.2, 0.3, 0.5]


def evaluate(rows: list[LabelledPrompt], model_dir: str | None = None, test_share: float = 0.3, seed: int = 0,
             epochs: int = 60, out_dir: str | Path = "runs/eval-t2i", plot: bool = True,
             source: str = "") -> dict:
    t0 = time.perf_counter()
    if model_dir:
        predictor, test, trained_on = QualityPredictor.load(model_dir), rows, "given model"
    else:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(rows))
        n_test = max(2, int(round(len(rows) * test_share)))
        test = [rows[i] for i in order[:n_test]]
        train = [rows[i] for i in order[n_test:]]
        predictor = train_predictor(train, epochs=epochs, seed=seed)
        trained_on = f"{len(train)} rows"
    if predictor.dimensions != test[0].dimensions:
        raise ValueError(f"model dimensions {predictor.dimensions} != data dimensions {test[0].dimensions}")
    train_s = time.perf_counter() - t0

    prompts = [r.prompt for r in test]
    t1 = time.perf_counter()
    pred = predictor.predict(prompts)
    predict_ms = (time.perf_counter() - t1) * 1000 / len(prompts)
    edge, cloud = score_arrays(test)
    q_edge, q_cloud = aggregate_quality(edge, cloud)
    n = len(test)
    curves = {
        "routet2i": curve(pred.superiority, q_edge, q_cloud),
        "random": random_curve(q_edge, q_cloud),
        "prompt_length": curve(np.array([len(p.split()) for p in prompts]), q_edge, q_cloud),
        "oracle": curve(pareto_superiority(cloud, edge, predictor.scale), q_edge, q_cloud),
    }
    summary = summarise(curves, FRACTIONS)
    summary["always_edge"] = {"quality": round(float(q_edge.mean()), 4), "cloud_fraction": 0.0}
    summary["always_cloud"] = {"quality": round(float(q_cloud.mean()), 4), "cloud_fraction": 1.0}
    true_prs = pareto_superiority(cloud, edge, predictor.scale)
    # The deployed rule: threshold from the *training* calibration for a target cloud fraction,
    # applied to unseen prompts. Does the realised fraction match the target, and what gain does it buy?
    span = q_cloud.mean() - q_edge.mean()
    budgeted = []
    for target in FRACTIONS:
        threshold = threshold_for_fraction(predictor.calibration, target)
        to_cloud = pred.superiority > threshold
        quality = np.where(to_cloud, q_cloud, q_edge).mean()
        budgeted.append({"target_fraction": target, "threshold": round(threshold, 6),
                         "realised_fraction": round(float(to_cloud.mean()), 4),
                         "gain": round(float((quality - q_edge.mean()) / span), 4) if abs(span) > 1e-12 else 0.0})
    result = {
        "data": source, "test_rows": n, "trained_on": trained_on, "dimensions": predictor.dimensions,
        "prs_spearman": round(_spearman(pred.superiority, true_prs), 4),
        "per_dimension_gap_corr": {d: round(_corr(pred.cloud[:, j] - pred.edge[:, j], cloud[:, j] - edge[:, j]), 4)
                                   for j, d in enumerate(predictor.dimensions)},
        "methods": summary, "budgeted": budgeted, "train_seconds": round(train_s, 2), "predict_ms_per_prompt": round(predict_ms, 3),
        "machine": f"{platform.machine()} {platform.processor() or ''} python {platform.python_version()}".strip(),
        "curves": {k: [round(float(x), 5) for x in v] for k, v in curves.items()},
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "t2i_eval.json").write_text(json.dumps(result, indent=1))
    if plot:
        result["plot"] = _plot(curves, q_edge.mean(), q_cloud.mean(), out / "t2i_eval.png")
    return result


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) < 1e-12 or np.std(b) < 1e-12:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return _corr(np.argsort(np.argsort(a)).astype(float), np.argsort(np.argsort(b)).astype(float))


def _plot(curves: dict[str, np.ndarray], q_edge: float, q_cloud: float, path: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, c in curves.items():
        xs = np.arange(len(c)) / (len(c) - 1)
        ax.plot(xs, c, label=name, linestyle="--" if name == "oracle" else "-")
    ax.scatter([0, 1], [q_edge, q_cloud], color="black", zorder=5, label="always edge / always cloud")
    ax.set_xlabel("fraction of prompts sent to the cloud")
    ax.set_ylabel("mean quality (z-scored, mean over dimensions)")
    ax.set_title("Image routing: quality vs cloud calls")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def format_table(result: dict) -> str:
    lines = [f"test rows: {result['test_rows']}  trained on: {result['trained_on']}  "
             f"PRS spearman (predicted vs measured): {result['prs_spearman']}",
             f"{'method':<14}" + "".join(f"gain@{f:<6}" for f in FRACTIONS) + "  auc     cloud for 90% gain"]
    for name in ("routet2i", "oracle", "prompt_length", "random"):
        m = result["methods"][name]
        lines.append(f"{name:<14}" + "".join(f"{m['gain_at'][f'{f:.2f}']:<11}" for f in FRACTIONS)
                     + f"  {m['auc']:<7} {m['fraction_for_90pct_gain']}")
    lines.append("threshold from training calibration -> on test: " + "  ".join(
        f"target {b['target_fraction']:.2f}: realised {b['realised_fraction']:.2f} gain {b['gain']:.3f}"
        for b in result["budgeted"]))
    lines.append(f"always_edge quality {result['methods']['always_edge']['quality']}  "
                 f"always_cloud quality {result['methods']['always_cloud']['quality']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--synthetic", type=int, default=0, help="generate N planted rows instead of --data")
    ap.add_argument("--model")
    ap.add_argument("--out-dir", default="runs/eval-t2i")
    ap.add_argument("--epochs", type=int, default=60)
    args = ap.parse_args(argv)
    if args.synthetic:
        from eval.t2i.synthetic import planted_rows

        rows, source = planted_rows(args.synthetic, seed=0), f"synthetic planted rows (n={args.synthetic})"
    elif args.data:
        rows, source = read_rows(args.data), args.data
    else:
        ap.error("--data or --synthetic is required")
    result = evaluate(rows, args.model, epochs=args.epochs, out_dir=args.out_dir, source=source)
    print(format_table(result))
    print(f"wrote {Path(args.out_dir) / 't2i_eval.json'}" + (f" and {result['plot']}" if result.get("plot") else ""))


if __name__ == "__main__":
    main()
