"""Priority 3: `duet label-images`, `duet train t2i`, `duet eval t2i` end to end through the real
typer app (in-process, to keep the suite quick; `duet` is the same app).

Two real loopback image servers speak OpenAI's images API and return generated PNGs (the edge one
blurs them); the CLIP checkpoint is a small, seeded, randomly initialised CLIP-architecture model
built here, so the labels exercise the mechanics only and say nothing about image quality.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.t2i.synthetic import planted_rows
from policies.t2i.rows import read_rows
from tests.servers import write_config
from tests.t2i.image_server import LoopbackImageServer
from tests.t2i.tiny_clip import build_tiny_clip


def duet(*args: str, home: Path):
    from typer.testing import CliRunner

    from service.cli import app

    result = CliRunner().invoke(app, list(args), env={"DUET_HOME": str(home)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result.stdout_text = result.output
    return result


def images_section(clip: str, edge_url: str, cloud_url: str, **extra) -> dict:
    return {"clip_path": clip, "backends": [
        {"name": "edge-gen", "tier": "edge", "model": "tiny-edge", "api_base": edge_url, "cost_per_image": 0.0},
        {"name": "cloud-gen", "tier": "cloud", "model": "openai/tiny-cloud", "api_base": cloud_url,
         "api_key": "sk-test", "cost_per_image": 0.04}], **extra}


def test_label_train_eval_end_to_end_with_tiny_random_clip_and_loopback_image_servers(tmp_path):
    prompts = [r.prompt for r in planted_rows(24, seed=5)]
    (tmp_path / "prompts.txt").write_text("\n".join(prompts) + "\n")
    clip = build_tiny_clip(tmp_path / "clip", extra_words=prompts)
    with LoopbackImageServer(blur=3) as edge, LoopbackImageServer(blur=0) as cloud:
        config = write_config(tmp_path / "duet.yaml", [{"name": "unused", "model": "openai/x", "tier": "cloud"}],
                              images=images_section(clip, edge.url, cloud.url))
        out = duet("label-images", "--prompts", str(tmp_path / "prompts.txt"), "--out", str(tmp_path / "rows.jsonl"),
                   "--config", str(config), "--images-dir", str(tmp_path / "png"), home=tmp_path)
        assert "labelled 24 prompts on 10 dimensions" in out.stdout_text
        assert len(edge.received) == 24 and len(cloud.received) == 24  # both backends, over HTTP
    rows = read_rows(tmp_path / "rows.jsonl")
    assert len(rows) == 24 and rows[0].dimensions[-1] == "alignment"
    assert all(Path(r.edge_image).is_file() and Path(r.cloud_image).is_file() for r in rows)
    assert any(abs(e - c) > 1e-6 for r in rows for e, c in zip(r.edge, r.cloud))  # blurred != sharp

    duet("train", "t2i", "--data", str(tmp_path / "rows.jsonl"), "--out", str(tmp_path / "model"),
         "--epochs", "5", home=tmp_path)
    meta = json.loads((tmp_path / "model" / "meta.json").read_text())
    assert meta["dimensions"] == rows[0].dimensions and len(meta["calibration"]) == 24

    out = duet("eval", "t2i", "--data", str(tmp_path / "rows.jsonl"), "--model", str(tmp_path / "model"),
               "--out-dir", str(tmp_path / "eval"), home=tmp_path)
    assert "routet2i" in out.stdout_text and "prompt_length" in out.stdout_text
    result = json.loads((tmp_path / "eval" / "t2i_eval.json").read_text())
    assert set(result["methods"]) >= {"routet2i", "random", "prompt_length", "oracle", "always_edge", "always_cloud"}
    assert len(result["curves"]["routet2i"]) == 25 and len(result["budgeted"]) == 4
    assert result["curves"]["routet2i"][0] == pytest.approx(result["methods"]["always_edge"]["quality"], abs=1e-3)
    assert result["curves"]["routet2i"][-1] == pytest.approx(result["methods"]["always_cloud"]["quality"], abs=1e-3)
    assert (tmp_path / "eval" / "t2i_eval.png").stat().st_size > 1000

    out = duet("explain-image-route", prompts[0], "--model", str(tmp_path / "model"), home=tmp_path)
    assert out.stdout_text.startswith("superiority") and "alignment" in out.stdout_text
