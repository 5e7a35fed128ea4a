"""A bare ASGI app that reads a request body and discards it (the upload benchmark's floor)."""


async def app(scope: dict, receive, send) -> None:
    """Drain the body, answer 200 with the number of bytes read."""
    if scope["type"] != "http":
        return
    size, more = 0, True
    while more:
        message = await receive()
        size += len(message.get("body", b""))
        more = message.get("more_body", False)
    body = str(size).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
