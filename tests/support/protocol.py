"""Helpers to drive webstd.protocol parsers in tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from webstd.protocol import (
    CONNECTION_CLOSED,
    NEED_DATA,
    PAUSED,
    Data,
    EndOfMessage,
    InformationalResponse,
    Request,
    Response,
)


@dataclass
class Message:
    head: Request | Response
    body: bytes = b""
    trailers: list = field(default_factory=list)
    complete: bool = False


def drain(parser, data: bytes = b"", *, eof: bool = False, pieces: list[int] | None = None):
    """Feeds ``data`` (in pieces of the given sizes, or all at once), then EOF if asked; returns the
    messages seen and the final sentinel. Errors propagate, with ``.messages`` attached."""
    messages: list[Message] = []
    informational: list[InformationalResponse] = []
    chunks = []
    if pieces:
        position = 0
        for size in pieces:
            chunks.append(data[position : position + size])
            position += size
        chunks.append(data[position:])
    else:
        chunks.append(data)
    final = None

    def pump():
        nonlocal final
        while True:
            event = parser.next_event()
            if event is NEED_DATA or event is PAUSED or event is CONNECTION_CLOSED:
                final = event
                return
            if isinstance(event, InformationalResponse):
                informational.append(event)
            elif isinstance(event, Request | Response):
                messages.append(Message(event))
            elif isinstance(event, Data):
                messages[-1].body += event.data
            elif isinstance(event, EndOfMessage):
                messages[-1].trailers = event.trailers.items()
                messages[-1].complete = True
                if parser_paused(parser):
                    final = PAUSED
                    return

    try:
        for chunk in chunks:
            if chunk:
                parser.feed(chunk)
            pump()
        if eof:
            parser.feed_eof()
            pump()
    except Exception as error:
        error.messages = messages
        raise
    return messages, final, informational


def parser_paused(parser) -> bool:
    return parser.next_event() is PAUSED if parser._state == parser._PAUSED else False
