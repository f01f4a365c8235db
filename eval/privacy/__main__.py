"""`python -m eval.privacy --data FILE --format presidio|annotation [--json OUT]`

Scores duet's detector and plain Presidio side by side on the same texts (span exact / typed
overlap / caught, character coverage, per category) and measures detector latency per KB.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

DEFAULT_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "privacy" / \
    "presidio_synth_dataset_v2.json"


def main(argv: list[str] | None = None) -> int:
    from eval.privacy.bench import run

    ap = argparse.ArgumentParser(prog="python -m eval.privacy", description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--format", choices=["presidio", "annotation"], default="presidio")
    ap.add_argument("--json", dest="json_out", default=None, help="write the report here")
    ap.add_argument("--systems", default="duet,presidio",
                    help="comma list of: duet, duet_patterns, duet_spacy, duet_slm, presidio, presidio_org")
    ap.add_argument("--limit", type=int, default=None, help="only the first N samples")
    ap.add_argument("--latency-kb", type=int, default=60, help="how many ~1 KB texts to time")
    ap.add_argument("--latency-only", action="store_true",
                    help="only time the systems (a short run; accuracy runs are long and best niced)")
    ap.add_argument("--ner-model", default=None, help="a trained NER model file instead of the packaged one")
    args = ap.parse_args(argv)
    report = run(args.data, args.format, args.systems.split(","), args.limit, args.latency_kb, args.ner_model,
                 args.latency_only)
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
