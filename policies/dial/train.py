"""Training DialRouter: search-derived trajectories (MCTS at every turn, in parallel processes or on a
Ray cluster), then distillation into the policy/value network, the retrieval index, and the blend
weights chosen on validation dialogues. Runs are seeded and resumable (episodes already in the
trajectory store are skipped)."""

from __future__ import annotations

import json
import multiprocessing as mp
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from policies.dial import net as netlib
from policies.dial.controllers import Myopic, run_episode
from policies.dial.env import DialEnv, Observation
from policies.dial.features import make_featurizer
from policies.dial.knn import ActionValueIndex
from policies.dial.mcts import MCTS, SearchConfig
from policies.dial.policy import DialRouterPolicy
from policies.dial.store import StepRecord, TrajectoryStore

EnvFactory = Callable[[], DialEnv]
VALIDATION_OFFSET = 10_000_000  # validation seeds never overlap training seeds
SEED_STRIDE = 1_000_003


@dataclass
class TrainConfig:
    episodes: int = 400
    budget: int = 64
    workers: int = 1
    seed: int = 0
    features: str = "compact"
    c: float = 1.4
    depth: int = 12
    rollout: str = "greedy"
    epsilon: float = 0.15  # chance of a random move while collecting (targets still come from search)
    epochs: int = 40
    hidden: int = 128
    k: int = 16
    val_episodes: int = 150
    ray_address: str | None = None

    def search(self) -> SearchConfig:
        return SearchConfig(budget=self.budget, c=self.c, depth=self.depth, rollout=self.rollout)


@dataclass
class Collected:
    episode: int
    seed: int
    observations: list[Observation]
    visits: list[np.ndarray]
    q: list[np.ndarray]
    values: list[float]
    actions: list[int]
    rewards: list[float]
    cost: float
    success: bool
    worker: str


def episode_seed(base: int, episode: int) -> int:
    return base * SEED_STRIDE + episode


def collect(env: DialEnv, search: SearchConfig, episode: int, seed: int, epsilon: float) -> Collected:
    """Play one dialogue, searching at every turn; moves follow the search except for epsilon exploration."""
    rng = np.random.default_rng([seed, 17])
    state = env.reset(seed)
    out = Collected(episode, seed, [], [], [], [], [], [], 0.0, False, platform.node() + f":{mp.current_process().pid}")
    turn = 0
    while not env.done(state):
        result = MCTS(env, search, seed=int(rng.integers(1 << 31))).search(state)
        action = result.best() if rng.random() >= epsilon else int(rng.integers(env.n_actions))
        tr = env.step(state, action)
        out.observations.append(env.observe(state))
        out.visits.append(result.visits)
        out.q.append(result.q)
        out.values.append(result.value)
        out.actions.append(action)
        out.rewards.append(tr.reward)
        out.cost += tr.cost
        if tr.done:
            out.success = bool(tr.success)
        state, turn = tr.state, turn + 1
    return out


_WORKER_ENV: DialEnv | None = None


def _init_worker(factory: EnvFactory) -> None:
    global _WORKER_ENV
    torch.set_num_threads(1)
    _WORKER_ENV = factory()


def _collect_in_worker(args: tuple[SearchConfig, int, int, float]) -> Collected:
    assert _WORKER_ENV is not None
    return collect(_WORKER_ENV, *args)


def run_collection(factory: EnvFactory, jobs: list[tuple[SearchConfig, int, int, float]], workers: int,
                   ray_address: str | None = None) -> Iterator[Collected]:
    """Yield finished episodes as they complete: in-process, in a process pool, or on Ray."""
    if ray_address:
        yield from _ray_collection(factory, jobs, ray_address)
    elif workers <= 1:
        env = factory()
        for job in jobs:
            yield collect(env, *job)
    else:
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(factory,)) as pool:
            yield from pool.imap_unordered(_collect_in_worker, jobs)


def _ray_collection(factory: EnvFactory, jobs: list, address: str) -> Iterator[Collected]:
    try:
        import ray
    except ImportError as exc:  # Ray is optional: only needed across machines
        raise RuntimeError("--ray needs the optional package 'ray' (pip install ray)") from exc
    ray.init(address=address, ignore_reinit_error=True)

    @ray.remote
    def remote(job):  # one env per task: factories are cheap for the simulator
        return collect(factory(), *job)

    pending = [remote.remote(job) for job in jobs]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        yield ray.get(done[0])


def _progress(iterable, total: int | None = None, desc: str = "", enabled: bool = True):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, dynamic_ncols=True)


def train(factory: EnvFactory, env_meta: dict[str, Any], out: str | Path, cfg: TrainConfig,
          progress: bool = True, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Collect (resuming), distil, index, tune the blend, and write the artifact directory `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    env = factory()
    store = TrajectoryStore(out / "trajectories.sqlite")
    run_meta = {"env": env_meta, "lambda": env.lam, "features": cfg.features, "seed": cfg.seed,
                "search": asdict(cfg.search()), "epsilon": cfg.epsilon, "models": [asdict(m) for m in env.models]}
    stored = store.meta()
    if stored and {k: stored.get(k) for k in run_meta} != json.loads(json.dumps(run_meta, sort_keys=True)):
        raise ValueError(f"{out} holds a run with different settings; use another --out or the same settings")
    store.set_meta(run_meta)

    featurizer = make_featurizer(cfg.features, env.n_actions, env.cost_scale())
    todo = sorted(set(range(cfg.episodes)) - store.done_episodes())
    if len(todo) < cfg.episodes:
        log(f"resuming: {cfg.episodes - len(todo)} of {cfg.episodes} episodes already stored")
    jobs = [(cfg.search(), ep, episode_seed(cfg.seed, ep), cfg.epsilon) for ep in todo]
    t0 = time.perf_counter()
    for got in _progress(run_collection(factory, jobs, cfg.workers, cfg.ray_address), len(jobs), "search",
                         progress and bool(jobs)):
        feats = featurizer.batch(got.observations)
        steps = [StepRecord(t, feats[t], got.visits[t], got.q[t], got.values[t], got.actions[t], got.rewards[t])
                 for t in range(len(got.actions))]
        store.add_episode(got.episode, got.seed, steps, float(sum(got.rewards)), got.cost, got.success, got.worker)
    collect_s = time.perf_counter() - t0

    data = store.dataset()
    log(f"distilling on {len(data.features)} searched states")
    network, report = netlib.fit(data, epochs=cfg.epochs, hidden=cfg.hidden, seed=cfg.seed,
                                 progress=(lambda it: _progress(it, cfg.epochs, "distil")) if progress else None)
    index = ActionValueIndex(data.features, data.q, k=cfg.k, seed=cfg.seed)
    card = {
        "policy": "dialrouter", "format": 1, "env": env_meta, "lambda": env.lam, "features": cfg.features,
        "models": [asdict(m) for m in env.models], "cost_scale": env.cost_scale(), "train": asdict(cfg),
        "states": int(len(data.features)), "search_stats": store.episode_stats(), "collect_seconds": collect_s,
        "fit": asdict(report), "torch": torch.__version__, "created": time.time(),
    }
    policy = DialRouterPolicy(network, index, card, featurizer)
    card["validation"] = tune_blend(policy, env, cfg, progress)
    policy.save(out)
    store.close()
    log(f"wrote {out} (beta={policy.beta}, gamma={policy.gamma})")
    return policy.card


def tune_blend(policy: DialRouterPolicy, env: DialEnv, cfg: TrainConfig, progress: bool) -> dict[str, Any]:
    """Pick beta (weight of action values) and gamma (kNN vs value head) by reward on validation dialogues."""
    seeds = [episode_seed(cfg.seed, VALIDATION_OFFSET + i) for i in range(cfg.val_episodes)]
    if not seeds:
        return {}
    grid = [(b, g) for b in (0.0, 0.5, 1.0, 2.0, 4.0, 8.0) for g in ((1.0,) if b == 0 else (0.0, 0.5, 1.0))]
    results = {}
    for beta, gamma in _progress(grid, len(grid), "blend", progress):
        policy.beta, policy.gamma = beta, gamma
        results[(beta, gamma)] = float(np.mean([run_episode(env, policy, s).reward for s in seeds]))
    (beta, gamma), best = max(results.items(), key=lambda kv: (kv[1], -kv[0][0]))
    policy.beta, policy.gamma = beta, gamma
    myopic = float(np.mean([run_episode(env, Myopic(), s).reward for s in seeds]))
    return {"episodes": len(seeds), "reward": best, "myopic_reward": myopic, "policy_only_reward": results[(0.0, 1.0)],
            "grid": {f"beta={b},gamma={g}": r for (b, g), r in results.items()}}
