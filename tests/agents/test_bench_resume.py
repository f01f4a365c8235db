"""Benchmark rows resume: appended rows are found again by (id, mode); a missing file means nothing done."""

from eval.resume import append_row, done_rows


def test_rows_round_trip_and_resume(tmp_path):
    path = tmp_path / "rows.jsonl"
    assert done_rows(path) == {} and done_rows(None) == {}
    append_row(path, {"id": "q1", "mode": "full", "correct": True})
    append_row(path, {"id": "q1", "mode": "core", "correct": False})
    append_row(None, {"id": "ignored", "mode": "x"})
    assert done_rows(path) == {("q1", "full"): {"id": "q1", "mode": "full", "correct": True},
                               ("q1", "core"): {"id": "q1", "mode": "core", "correct": False}}
