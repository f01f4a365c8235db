"""`duet scan` through a real typer app with the command module registered."""

import json

import typer
from typer.testing import CliRunner

from service.commands import privacy as privacy_commands


def make_app() -> typer.Typer:
    app, train_app, eval_app = typer.Typer(), typer.Typer(), typer.Typer()
    app.add_typer(train_app, name="train")
    app.add_typer(eval_app, name="eval")
    privacy_commands.register(app, train_app, eval_app)
    return app


def test_scan_stdin_json():
    result = CliRunner().invoke(make_app(), ["scan", "-", "--json", "--ner", "none"],
                                input="Mail ann@x.org, card 4111 1111 1111 1111")
    assert result.exit_code == 0, result.output
    spans = json.loads(result.output)
    assert [(s["category"], s["text"]) for s in spans] == [("EMAIL", "ann@x.org"),
                                                          ("CREDIT_CARD", "4111 1111 1111 1111")]


def test_scan_file_highlights_and_counts(tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("Call +44 20 7946 0958 today")
    result = CliRunner().invoke(make_app(), ["scan", str(f), "--ner", "none"])
    assert result.exit_code == 0, result.output
    assert "PHONE" in result.output and "1 private spans" in result.output


def test_scan_missing_file_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(make_app(), ["scan", str(tmp_path / "nope.txt")])
    assert result.exit_code != 0 and "no such file" in result.output
