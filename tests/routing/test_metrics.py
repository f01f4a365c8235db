"""AIQ, PGR/APGR and CPT on cases small enough to compute by hand."""

import numpy as np
import pytest

from eval.routing import metrics as M


def test_upper_hull_drops_dominated_and_sub_chord_points():
    pts = [(0, 0.5), (0.5, 0.6), (0.2, 0.8), (1, 0.9), (0.6, 0.7)]
    assert M.upper_hull(pts) == [(0, 0.5), (0.2, 0.8), (1, 0.9)]


def test_aiq_is_area_under_hull_with_cost_normalised_between_single_models():
    # Hull (0,.5) (.2,.8) (1,.9): 0.2*(.5+.8)/2 + 0.8*(.8+.9)/2 = 0.13 + 0.68
    assert M.area_on_unit(M.upper_hull([(0, 0.5), (0.2, 0.8), (1, 0.9)])) == pytest.approx(0.81)
    # $1 -> 0.5, $2 -> 0.6 (under the chord), $3 -> 0.9: the zero router is the chord, area 0.7
    assert M.aiq([(1, 0.5), (2, 0.6), (3, 0.9)], lo=1, hi=3) == pytest.approx(0.7)


def test_aiq_gives_nothing_below_a_routers_cheapest_point_and_stays_flat_above():
    assert M.aiq([(2, 0.8)], lo=1, hi=3) == pytest.approx(0.5 * 0.8)
    assert M.aiq([(1, 0.6), (1.5, 0.8)], lo=1, hi=3) == pytest.approx(0.25 * 0.7 + 0.75 * 0.8)


def test_random_router_recovers_half_the_gap():
    pts = [(0, 0.6), (1, 0.8)]
    assert M.apgr(pts, 0.6, 0.8) == pytest.approx(0.5)
    assert M.cpt(pts, 0.6, 0.8, 0.5) == pytest.approx(0.5)
    assert M.cpt(pts, 0.6, 0.8, 0.8) == pytest.approx(0.8)


def test_perfect_router_apgr_and_cpt():
    # All the gap is recovered by 20% strong calls: PGR = 0, .5, 1, 1, ... on the 0.1 grid
    pts = [(0, 0.6), (0.2, 0.8), (1, 0.8)]
    assert M.pgr_curve(pts, 0.6, 0.8)[:3] == pytest.approx([0, 0.5, 1])
    assert M.apgr(pts, 0.6, 0.8) == pytest.approx(0.1 * 0.25 + 0.1 * 0.75 + 0.8)
    assert M.cpt(pts, 0.6, 0.8, 0.5) == pytest.approx(0.1)
    assert M.cpt(pts, 0.6, 0.8, 0.8) == pytest.approx(0.16)


def test_cpt_is_none_when_never_reached():
    assert M.cpt([(0, 0.6), (1, 0.7)], 0.6, 0.8, 0.8) is None


def test_bootstrap_weights_average_resamples():
    w = M.bootstrap_weights(5, 3, seed=1)
    assert w.shape == (5, 3)
    assert np.allclose(w.sum(axis=0), 1.0)
    assert M.interval([1, 2, 3, 4, 5], 0.5) == pytest.approx([2, 4])
