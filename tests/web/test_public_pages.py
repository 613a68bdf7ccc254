"""Public pages kept for a few seconds: the same page for everyone, never older than the setting."""

from service.web.public_pages import PageCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_page_is_rendered_once_until_it_expires():
    clock, renders = Clock(), []
    cache = PageCache(30, clock=clock)

    def render():
        renders.append(clock.now)
        return f"page {len(renders)}"

    assert cache.fetch("board", render) == "page 1"
    clock.now += 29.9
    assert cache.fetch("board", render) == "page 1"
    clock.now += 0.2
    assert cache.fetch("board", render) == "page 2"
    assert cache.fetch("other", render) == "page 3"
    assert len(renders) == 3


def test_the_least_recently_used_pages_go_first_and_zero_seconds_keeps_nothing():
    cache = PageCache(30, most=2, clock=Clock())
    cache.fetch("a", lambda: "A")
    cache.fetch("b", lambda: "B")
    cache.fetch("a", lambda: "A2")  # a is used again: b is now the oldest
    cache.fetch("c", lambda: "C")
    assert cache.fetch("a", lambda: "A3") == "A"
    assert cache.fetch("b", lambda: "B2") == "B2"
    off = PageCache(0)
    assert [off.fetch("k", lambda: "x"), off.fetch("k", lambda: "y")] == ["x", "y"]
