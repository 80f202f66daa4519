from app.core.ngrams import NgramModel, grams


def test_grams_are_one_to_three_characters():
    assert grams("碎了") == {"碎", "了", "碎了"}
    assert len(grams("杯子碎了")) == 4 + 3 + 2


def test_likelihood_prefers_the_label_whose_examples_share_ngrams():
    model = NgramModel([("damaged", "杯子碎了"), ("damaged", "碗摔碎了"), ("missing", "少了一件"), ("missing", "漏发一个")],
                       alpha=0.1)
    scores = dict(zip(model.labels, model.loglik("盘子碎了"), strict=True))
    assert scores["damaged"] > scores["missing"]
    scores = dict(zip(model.labels, model.loglik("又少了一个"), strict=True))
    assert scores["missing"] > scores["damaged"]


def test_unknown_text_scores_equal():
    model = NgramModel([("a", "碎了"), ("b", "少了")], alpha=0.1)
    assert model.loglik("xyz") == [0.0, 0.0]
