"""Stop strings over streamed pieces: split across pieces, held back, released, cut."""

from app.serving.worker.text import StopFilter


def _run(stops: list[str], pieces: list[str]) -> tuple[list[str], bool]:
    stop_filter = StopFilter(stops)
    sent = [stop_filter.feed(piece) for piece in pieces]
    sent.append(stop_filter.flush())
    return sent, stop_filter.stopped


def test_stop_split_across_pieces_is_cut_and_never_sent() -> None:
    sent, stopped = _run(["结束语"], ["你好，", "这是结", "束语之后"])
    assert "".join(sent) == "你好，这是" and stopped
    assert sent[1] == "这是"


def test_possible_beginning_is_held_then_released() -> None:
    sent, stopped = _run(["###"], ["答案是 #", "1", "。"])
    assert sent == ["答案是 ", "#1", "。", ""] and not stopped


def test_earliest_of_several_stops_wins_and_empty_stops_are_ignored() -> None:
    sent, stopped = _run(["", "b", "。"], ["甲。乙b"])
    assert "".join(sent) == "甲" and stopped


def test_text_after_the_stop_is_dropped() -> None:
    stop_filter = StopFilter(["\n\n"])
    assert stop_filter.feed("一行\n\n第二段") == "一行"
    assert stop_filter.feed("更多") == "" and stop_filter.flush() == ""
