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
