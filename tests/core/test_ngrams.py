import pytest

from app.core.ngrams import DENSE_CELLS, NgramModel, grams


def test_grams_are_one_to_three_characters():
    assert grams("碎了") == {"碎", "了", "碎了"}
    assert len(grams("杯子碎了")) == 4 + 3 + 2


def test_likelihood_prefers_the_label_whose_examples_share_ngrams():
    model = NgramModel(
        [("damaged", "杯子碎了"), ("damaged", "碗摔碎了"), ("missing", "少了一件"), ("missing", "漏发一个")], alpha=0.1
    )
    scores = dict(zip(model.labels, model.loglik("盘子碎了"), strict=True))
    assert scores["damaged"] > scores["missing"]
    scores = dict(zip(model.labels, model.loglik("又少了一个"), strict=True))
    assert scores["missing"] > scores["damaged"]


def test_unknown_text_scores_equal():
    model = NgramModel([("a", "碎了"), ("b", "少了")], alpha=0.1)
    assert model.loglik("xyz").tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dense_cells", [DENSE_CELLS, 0], ids=["dense", "sparse"])
def test_both_layouts_add_up_to_the_textbook_naive_bayes(dense_cells):
    """Dense or CSR, the table must give exactly Σ log P(gram | label) over the message's known n-grams."""
    import math

    data = [("a", "杯子碎了"), ("a", "碎成渣"), ("b", "少了一件"), ("c", "碎了少了"), ("c", "xyz"), ("d", "")]
    model = NgramModel(data, alpha=0.5, dense_cells=dense_cells)
    vocab = set().union(*(grams(t) for _, t in data))
    for message in ("碎了", "少了一件碎了", "qq碎", "xyzz", "", "碎碎碎碎"):
        known = [g for g in grams(message) if g in vocab]
        for label, score in zip(model.labels, model.loglik(message), strict=True):
            counts = [g for lab, t in data if lab == label for g in grams(t)]
            total = len(counts)
            expected = sum(math.log((counts.count(g) + 0.5) / (total + 0.5 * len(vocab))) for g in known)
            assert score == pytest.approx(expected, abs=1e-9)


def test_no_text_at_all_scores_zero():
    assert NgramModel([("a", ""), ("b", "")], alpha=0.1).loglik("碎了").tolist() == [0.0, 0.0]
