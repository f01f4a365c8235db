"""`duet label`: routing labels for a user's own questions - every candidate model answers every question
through the Router (local and cloud alike, same dispatch as production), a judge scores each answer, and
the result is written in the scores-JSON format that `duet train router` and `duet eval routing` read.

Resumable: answers already in the output file are kept, and the file is rewritten after every question,
so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable
from pathlib import Path
from typing import Any


def read_questions(path: str | Path) -> list[dict[str, Any]]:
    items = []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if line.strip():
            item = json.loads(line)
            if "question" not in item:
                raise ValueError(f"{path}:{n}: every line needs a 'question'")
            items.append(item)
    return items


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s.-]", " ", text.lower()).split())


def judge_exact(answer: str, reference: str) -> float:
    return float(_norm(answer) == _norm(reference))


def judge_contains(answer: str, reference: str) -> float:
    """The reference appears in the answer as whole words (so '4' does not match '14')."""
    ref = _norm(reference)
    return float(bool(ref) and re.search(rf"(?<![\w.]){re.escape(ref)}(?![\w])", _norm(answer)) is not None)


def judge_llm(router: Any, judge_model: str, question: str, answer: str, reference: str | None) -> float:
    ref = f"\nReference answer: {reference}" if reference else ""
    prompt = (f"Question: {question}{ref}\nCandidate answer: {answer}\n"
              "Is the candidate answer correct? Reply with one word: yes or no.")
    response = router.complete([{"role": "user", "content": prompt}], model=judge_model, max_tokens=4, temperature=0)
    verdict = (response.choices[0].message.content or "").strip().lower()
    return 1.0 if verdict.startswith("yes") else 0.0


def run_label(data: str | Path, models: list[str], judge: str, out: str | Path, config: str | Path | None = None,
              concurrency: int = 4, max_tokens: int = 128, log: Callable[[str], None] = print,
              router: Any = None) -> int:
    questions = read_questions(data)
    if judge in ("exact", "contains") and any("answer" not in q for q in questions):
        raise ValueError(f"--judge {judge} needs an 'answer' on every line of {data}")
    if not (judge in ("exact", "contains") or judge.startswith("llm:")):
        raise ValueError(f"unknown judge {judge!r}: exact, contains or llm:MODEL")
    own = router is None
    if own:
        from router import Router

        router = Router(config)
    try:
        unknown = [m for m in models if m not in router.config.models]
        if unknown:
            raise ValueError(f"models not in the config: {', '.join(unknown)}")
        return _label_all(router, questions, models, judge, Path(out), concurrency, max_tokens, log)
    finally:
        if own:
            router.close()


def _label_all(router: Any, questions: list[dict[str, Any]], models: list[str], judge: str, out: Path,
               concurrency: int, max_tokens: int, log: Callable[[str], None]) -> int:
    """Calls go through the Router's sync API (its own event loop) from a small thread pool."""
    done: dict[str, dict[str, Any]] = {}
    if out.exists():
        for item in json.loads(out.read_text() or "[]"):
            done[item["question"]] = item
    for q in questions:  # keep the input order in the output
        done.setdefault(q["question"], {"question": q["question"], "scores": {}, "responses": {}, "costs": {}})
    done = {q["question"]: done[q["question"]] for q in questions} | done
    lock = threading.Lock()

    def one(question: dict[str, Any], model: str) -> None:
        item = done[question["question"]]
        kwargs: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0}
        if question.get("documents"):
            kwargs["extra_body"] = {"duet": {"documents": question["documents"]}}
        try:
            response = router.complete([{"role": "user", "content": question["question"]}], model=model, **kwargs)
            answer = response.choices[0].message.content or ""
            cost = float((response.model_extra or {}).get("duet", {}).get("cost_usd") or 0.0)
        except Exception as exc:  # a model that fails on a question scores 0 there, and we say why
            log(f"  {model} failed on {question['question'][:40]!r}: {type(exc).__name__}: {exc}")
            answer, cost = "", 0.0
        if judge == "exact":
            score = judge_exact(answer, str(question["answer"]))
        elif judge == "contains":
            score = judge_contains(answer, str(question["answer"]))
        else:
            score = judge_llm(router, judge.split(":", 1)[1], question["question"], answer, question.get("answer"))
        with lock:
            item["scores"][model], item["responses"][model], item["costs"][model] = score, answer, cost
            for key in ("documents", "answer"):
                if question.get(key) is not None:
                    item[key] = question[key]
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(out.suffix + ".tmp")
            tmp.write_text(json.dumps([i for i in done.values() if i["scores"]], indent=1))
            tmp.replace(out)

    todo = [(q, m) for q in questions for m in models if m not in done[q["question"]]["scores"]]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in [pool.submit(one, q, m) for q, m in todo]:
            future.result()
    log(f"labelled {len(questions)} questions x {len(models)} models ({len(todo)} calls, the rest resumed)")
    return len(questions)
