from app.core.tokenize import Tokenizer


def test_content_keywords_stay_whole_and_stopwords_go(engine, tmp_path):
    words = {k.text for i in engine.catalog.intents.values() for k in i.keywords}
    assert {"七天无理由", "揽收超时", "虚假签收"} <= words
    tokens = engine.matcher.tokenizer.tokens("亲 在吗 我想七天无理由退货 物流显示揽收超时")
    assert "七天无理由" in tokens and "揽收超时" in tokens
    assert "亲" not in tokens and "在吗" not in tokens and "?" not in tokens


def test_cache_lives_in_the_given_folder(tmp_path):
    Tokenizer(["拦截一下"], cache_dir=tmp_path)
    assert (tmp_path / "jieba.cache").is_file()


def test_cut_is_exactly_jiebas_own(engine):
    """Tokenizer.cut re-implements jieba's cut(HMM=False) for speed; it must never differ from it."""
    import random

    tokenizer = engine.matcher.tokenizer
    texts = [e.text for i in engine.catalog.intents.values() for e in (*i.examples, *i.tests)]
    texts += [engine.normalizer(t) for t in texts]
    rnd = random.Random(7)
    alphabet = "的了我你快递碎少件发货退款七天无理由abcXYZ019 \t\r\n,.!?-_#&%+。,!?😭収"
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(3000)]
    for text in texts:
        assert list(tokenizer.cut(text)) == tokenizer._jieba.lcut(text, HMM=False), text
