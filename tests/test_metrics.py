"""Each metric on cases with known answers."""

import json

import numpy as np
import pytest
import torch

from gan.core import metrics as M


@pytest.fixture(scope="module")
def test_features(studio, fixture_digits):
    images, labels = fixture_digits
    feats, logits = M.embed(studio.classifier, images)
    return images, labels, feats, logits


def test_identical_sets(test_features):
    _, _, feats, logits = test_features
    assert M.fid(feats, feats) == pytest.approx(0.0, abs=1e-3)
    # The unbiased MMD estimate is ~0 for identical sets (slightly negative: the cross term
    # keeps the diagonal), against 1.57 for one digit repeated (next test).
    assert M.kid(feats, feats)[0] == pytest.approx(0.0, abs=0.01)
    assert M.precision_recall(feats, feats) == (1.0, 1.0)


def test_one_repeated_digit_has_low_recall_and_high_fid(test_features):
    images, labels, feats, _ = test_features
    collapsed = feats[:1].repeat(len(feats), 1)  # mode collapse: one image, over and over
    precision, recall = M.precision_recall(feats, collapsed)
    assert recall < 0.05
    half_a, half_b = feats[::2], feats[1::2]
    assert M.fid(feats, collapsed) > 20 * max(M.fid(half_a, half_b), 1e-3)
    assert M.kid(feats, collapsed)[0] > 0.5
    assert M.diversity(collapsed) == pytest.approx(0.0, abs=1e-4)
    assert M.diversity(feats) > 1


def test_class_accuracy(test_features):
    _, labels, _, logits = test_features
    perfect = torch.nn.functional.one_hot(torch.from_numpy(labels), 10).float() * 10
    assert M.class_accuracy(perfect, labels) == 1.0
    assert M.class_accuracy(perfect, (labels + 1) % 10) == 0.0
    assert M.class_accuracy(logits, labels) > 0.97  # the real classifier on real digits


def test_inception_score_bounds():
    # 10 random splits of 1000: each split's class shares wobble a little around 1/10.
    confident_balanced = torch.nn.functional.one_hot(torch.arange(10_000) % 10, 10).float() * 50
    assert M.inception_score(confident_balanced)[0] == pytest.approx(10.0, rel=1e-2)
    all_same = torch.nn.functional.one_hot(torch.zeros(1000, dtype=torch.long), 10).float() * 50
    assert M.inception_score(all_same)[0] == pytest.approx(1.0, rel=1e-3)


def test_per_class_fid_flags_a_missing_class(test_features):
    _, labels, feats, _ = test_features
    fake_feats, fake_labels = feats.clone(), labels.copy()
    sevens, ones = np.nonzero(labels == 7)[0], np.nonzero(labels == 1)[0]
    n = min(len(sevens), len(ones))
    fake_feats[torch.from_numpy(sevens[:n])] = feats[torch.from_numpy(ones[:n])]  # 7s drawn as 1s
    per_class = M.per_class_fid(feats, labels, fake_feats, fake_labels)
    assert np.argmax(per_class) == 7 and per_class[7] > 10 * np.median(per_class)
    assert M.per_class_ratio(per_class) == pytest.approx(per_class[7] / np.median(per_class))


def test_roc_auc_and_calibration():
    real, fake = torch.linspace(1, 3, 100), torch.linspace(-3, -1, 100)
    assert M.roc_auc(real, fake) == 1.0 and M.roc_auc(fake, real) == 0.0
    assert M.roc_auc(real, real) == pytest.approx(0.5)
    # Overconfident logits (x10): Platt scaling finds the scale back and lowers the ECE.
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (4000,), generator=gen)
    true_logit = (labels * 2 - 1).float() + torch.randn(4000, generator=gen) * 1.5
    overconfident = 10 * true_logit
    scale, bias = M.fit_platt(overconfident, labels)
    before = M.expected_calibration_error(torch.sigmoid(overconfident), labels)
    after = M.expected_calibration_error(torch.sigmoid(scale * overconfident + bias), labels)
    assert after < before / 3 and after < 0.03


def test_draws_measure_disjoint_seeds_and_report_their_spread(studio, fixture_digits):
    """gan evaluate --draws: draw 0 is the quoted figure (seeds 0..n-1), further draws use
    seeds of their own, and the spread lists each draw's figure with its mean and std."""
    from gan import evaluate as E
    from gan.core.sampling import sample

    images, labels = fixture_digits
    C, D, G = studio.classifier, studio.discriminator, studio.generator
    real = (M.embed(C, images)[0], labels, E.d_logits(D, images))
    n = 400
    draws = E.evaluate_draws(C, D, real, G, draws=3, n=n)
    seeds = [set(E.draw_seeds(k, n)) for k in range(3)]
    assert seeds[0] == set(range(n)) and not seeds[0] & seeds[1] and not seeds[1] & seeds[2] and not seeds[0] & seeds[2]
    digits = np.arange(n) % 10
    direct = E.evaluate_set(C, D, real, sample(G, range(n), digits), digits)
    assert draws[0]["fid"] == pytest.approx(direct["fid"]) and draws[0]["recall"] == direct["recall"]

    spread = E.spread(draws)
    assert spread["recall"]["values"] == [d["recall"] for d in draws]
    assert spread["fid"]["std"] > 0, "three sets of samples gave the same FID: the draws are not distinct"
    for key, s in spread.items():
        assert min(s["values"]) <= s["mean"] <= max(s["values"]), key
    assert spread["per_class_fid_ratio"]["values"][2] == pytest.approx(max(draws[2]["per_class_fid"]) / np.median(draws[2]["per_class_fid"]))
    # The floor's draws: disjoint sets of real training digits, draw 0 the quoted floor's,
    # and no more draws than the training set holds.
    picks = E.floor_picks(len(images), draws=5, n=n)
    assert len(picks) == len(images) // n and all(len(p) == n for p in picks)
    assert len(np.unique(np.concatenate(picks))) == n * len(picks)
    assert np.array_equal(picks[0], np.random.default_rng(0).choice(len(images), n, replace=False))
    assert len(E.floor_picks(len(images), draws=1, n=n)) == 1
    floor = E.spread([E.evaluate_set(C, D, real, images[p], labels[p]) for p in picks])
    table = E.spread_table(spread, floor)
    assert "3 draws" in table and f"floor over {len(picks)} draws" in table
    assert f"| recall | {spread['recall']['mean']:.4f} ± {spread['recall']['std']:.4f} |" in table
    assert f"| {floor['recall']['mean']:.4f} ± {floor['recall']['std']:.4f} |" in table
    # A training set that holds one floor set: its figures have no spread, and say so (not NaN).
    one = E.spread([E.evaluate_set(C, D, real, images[picks[0]], labels[picks[0]])])
    assert one["recall"]["std"] is None and json.loads(json.dumps(one)) == one
    assert f"| {one['recall']['mean']:.4f} (one set) |" in E.spread_table(spread, one)
    from gan.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["evaluate", "--draws", "0"])
    assert refused.value.code == 2
