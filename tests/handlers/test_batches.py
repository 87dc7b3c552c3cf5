"""handlers/batches.py: requests about one thing done together, each told its own outcome."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from handlers.batches import Batches


class Recorder:
    """A batch runner that waits to be released, so a test can queue requests behind it."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.running = threading.Event()

    def run(self, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        self.running.set()
        assert self.release.wait(10)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]


def submit_in_thread(
    batches: Batches[int, int], key: str, item: int, run, out: dict
) -> threading.Thread:
    def go() -> None:
        try:
            out[item] = batches.submit(key, item, run)
        except BaseException as error:
            out[item] = error

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def wait_queued(batches: Batches[int, int], key: str, count: int) -> None:
    for _ in range(1000):
        with batches._guard:
            if len(batches._queues.get(key, [])) >= count:
                return
        threading.Event().wait(0.01)
    raise AssertionError(f"{count} requests never queued")


def test_requests_arriving_during_a_batch_are_done_together_by_the_next():
    batches: Batches[int, int] = Batches()
    recorder, out = Recorder(), {}
    first = submit_in_thread(batches, "thread-1", 0, recorder.run, out)
    assert recorder.running.wait(10)
    later = [submit_in_thread(batches, "thread-1", i, recorder.run, out) for i in range(1, 6)]
    wait_queued(batches, "thread-1", 5)
    recorder.release.set()
    for thread in [first, *later]:
        thread.join(10)
        assert not thread.is_alive()
    assert recorder.batches[0] == [0]
    assert sorted(recorder.batches[1]) == [1, 2, 3, 4, 5], "the waiting requests became one batch"
    assert len(recorder.batches) == 2 and batches.batches_run == 2
    # Each request gets its own outcome: a value, or its own error raised.
    assert out[0] == 0 and out[2] == 20 and out[4] == 40
    assert [str(out[i]) for i in (1, 3, 5)] == ["odd 1", "odd 3", "odd 5"]
    assert isinstance(out[1], ValueError)
    assert len(batches) == 0 and batches._queues == {}, "nothing is left behind"


def test_other_keys_do_not_wait():
    batches: Batches[int, int] = Batches()
    slow, out = Recorder(), {}
    held = submit_in_thread(batches, "busy", 0, slow.run, out)
    assert slow.running.wait(10)
    assert batches.submit("other", 4, lambda items: [i + 1 for i in items]) == 5
    slow.release.set()
    held.join(10)
    assert out[0] == 0


def test_a_failing_batch_fails_each_of_its_requests_and_the_next_batch_still_runs():
    batches: Batches[int, int] = Batches()
    gate, out, calls = threading.Event(), {}, []

    def run(items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        if len(calls) == 1:
            assert gate.wait(10)
            raise RuntimeError("the database went away")
        return list(items)

    first = submit_in_thread(batches, "k", 1, run, out)
    for _ in range(1000):
        if calls:
            break
        threading.Event().wait(0.01)
    second = submit_in_thread(batches, "k", 2, run, out)
    wait_queued(batches, "k", 1)
    gate.set()
    for thread in (first, second):
        thread.join(10)
    assert isinstance(out[1], RuntimeError)
    assert out[2] == 2, "the request queued behind a failed batch is done by the next"


def test_batches_are_capped_and_the_rest_lead_the_next():
    batches: Batches[int, int] = Batches(max_batch=3)
    recorder, out = Recorder(), {}
    first = submit_in_thread(batches, "k", 0, recorder.run, out)
    assert recorder.running.wait(10)
    later = [submit_in_thread(batches, "k", i, recorder.run, out) for i in (2, 4, 6, 8, 10)]
    wait_queued(batches, "k", 5)
    recorder.release.set()
    for thread in [first, *later]:
        thread.join(10)
    assert [len(b) for b in recorder.batches] == [1, 3, 2]
    assert {i: out[i] for i in (0, 2, 4, 6, 8, 10)} == {i: i * 10 for i in (0, 2, 4, 6, 8, 10)}


def test_a_wrong_number_of_outcomes_is_an_error_for_every_request():
    batches: Batches[int, int] = Batches()
    with pytest.raises(RuntimeError, match="a batch of 1 gave 0 outcomes"):
        batches.submit("k", 1, lambda _items: [])
