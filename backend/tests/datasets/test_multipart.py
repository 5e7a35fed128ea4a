"""The streaming multipart parser: any chunking gives the same parts; malformed bodies are 422."""

import pytest

from app.core.errors import UnprocessableInput
from app.datasets.multipart import StreamingMultipartParser

BOUNDARY = b"----b0undary42"
DATA = b"a,b\r\n1,2\r\n--not-the-boundary\r\n------b0undary4x\r\n\xe4\xb8\xad"
BODY = (
    b"ignored preamble\r\n"
    b"------b0undary42\r\n"
    b'Content-Disposition: form-data; name="name"\r\n\r\n'
    b"\xe8\xa1\xa8\r\n"
    b"------b0undary42\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\n" + DATA + b"\r\n------b0undary42--\r\nepilogue"
)


def _parse(body: bytes, step: int) -> list[tuple[str, bytes]]:
    events: list[tuple[str, bytes]] = []
    data = bytearray()

    def on_part_data(chunk: bytes, start: int, end: int) -> None:
        data.extend(chunk[start:end])

    def on_part_end() -> None:
        events.append(("part", bytes(data)))
        data.clear()

    callbacks = {
        "on_header_value": lambda value, s, e: events.append(("header", value[s:e])),
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = StreamingMultipartParser(BOUNDARY, callbacks)
    for i in range(0, len(body), step):
        parser.write(body[i : i + step])
    parser.finalize()
    return events


def test_every_chunking_gives_the_same_parts() -> None:
    expected = [
        ("header", b'form-data; name="name"'),
        ("part", "表".encode()),
        ("header", b'form-data; name="file"; filename="a.csv"'),
        ("header", b"text/csv"),
        ("part", DATA),
    ]
    for step in (1, 2, 3, 5, 7, 16, 17, 64, len(BODY)):
        assert _parse(BODY, step) == expected, step


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BODY[:-30], "before the closing boundary"),
        (b"------b0undary42XX", "not followed by a line break"),
        (b"------b0undary42\r\nno colon here\r\n\r\nx", "no colon"),
        (b"------b0undary42\r\n" + b"X" * 20_000, "too long"),
    ],
)
def test_malformed_bodies(body: bytes, reason: str) -> None:
    with pytest.raises(UnprocessableInput, match=reason):
        _parse(body, 4096)
