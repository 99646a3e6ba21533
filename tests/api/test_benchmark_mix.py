"""The benchmark's API mix reaches combinations it has not seen, from a seed."""

from urllib.parse import parse_qs, urlsplit

from providers.devdata.benchmark import api_mix


def test_the_api_mix_is_seeded_varied_and_answerable():
    urls = api_mix(2000, seed=5)
    assert urls == api_mix(2000, seed=5)
    assert urls != api_mix(2000, seed=6)
    assert len(set(urls)) > 1500  # nearly all distinct: a cache would not explain the figures
    queries = [parse_qs(urlsplit(url).query) for url in urls]
    assert all(urlsplit(url).path == "/api/v1/providers" for url in urls)
    assert not any("page" in query for query in queries)  # the API pages by cursor
    with_counts = sum("counts" in query for query in queries)
    assert 300 < with_counts < 700
