"""Compressed uploads, inflated within a bound.

A body sent with ``Content-Encoding: gzip``, or an uploaded ``.gz`` file, is inflated here.

A region's inventory (25,000 sites) is tens of megabytes of JSON but a few of gzip, so the body
limit (``max_body_bytes``) applies to what is sent, and what it inflates to is bounded by
``max_inflated_bytes``.  Inflation stops as soon as the output passes that bound, so a gzip
bomb (a few kilobytes that inflate to gigabytes) is refused after at most that many bytes of
work, with a problem that names the limit and its setting.
"""

from __future__ import annotations

import zlib

from api.problems import ApiProblem, FieldError

GZIP_MAGIC = b"\x1f\x8b"
"""The first two bytes of every gzip stream."""

_GZIP_WINDOW = 16 + zlib.MAX_WBITS
"""zlib's window argument for the gzip container (header and CRC checked)."""

CHUNK = 1 << 20
"""Bytes inflated at a time, between two checks of the bounds."""

MAX_RATIO = 200.0
"""Most an upload may inflate per compressed byte (JSON inventories inflate about 7 times)."""

RATIO_FLOOR = 8 << 20
"""Below this many inflated bytes the ratio is not checked (small files compress oddly)."""


def is_gzip(data: bytes) -> bool:
    """Whether ``data`` starts like a gzip stream."""
    return data[:2] == GZIP_MAGIC


def decode_content(data: bytes, encoding: str | None, limit: int) -> bytes:
    """The body as sent, decoded from its ``Content-Encoding`` (none or ``gzip``).

    Raises:
        ApiProblem: 415 for an encoding other than gzip; see :func:`inflate` for the rest.
    """
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return data
    if codings not in (["gzip"], ["x-gzip"]):
        raise ApiProblem(
            415,
            f"Content-Encoding {encoding!r} is not supported: send the body as is or as gzip",
            kind="unsupported-encoding",
            errors=[FieldError(path="(document)", message="Content-Encoding: gzip, or none")],
        )
    return inflate(data, limit)


def inflate(data: bytes, limit: int, ratio: float = MAX_RATIO) -> bytes:
    """The gzip stream ``data`` inflated, refusing it once the output passes ``limit`` bytes.

    Past :data:`RATIO_FLOOR` bytes of output, a stream that has inflated more than ``ratio``
    times what it consumed is refused at once: no honest inventory compresses that well, and a
    bomb is then stopped after a few megabytes instead of ``limit``.

    Raises:
        ApiProblem: 413 when it inflates to more than ``limit`` bytes or past the ratio (a gzip
            bomb among them); 400 when it is not a complete gzip stream.
    """
    out = bytearray()
    rest, consumed = data, 0
    try:
        while True:  # a gzip file may hold several members, one after the other
            inflater = zlib.decompressobj(_GZIP_WINDOW)
            pending, piece = rest, b"-"
            while not inflater.eof and (pending or piece):
                piece = inflater.decompress(pending, CHUNK)
                consumed += len(pending) - len(inflater.unconsumed_tail)
                pending = inflater.unconsumed_tail
                out += piece
                if len(out) > limit:
                    raise _too_large(limit)
                if len(out) > RATIO_FLOOR and len(out) > ratio * consumed:
                    raise _bomb(ratio)
            if not inflater.eof:
                raise _unreadable("the gzip stream ends early (truncated upload?)")
            rest = inflater.unused_data
            if not rest.strip(b"\0"):
                return bytes(out)
    except zlib.error as exc:
        raise _unreadable(f"not a valid gzip stream ({exc})") from None


def _bomb(ratio: float) -> ApiProblem:
    return _inflated_too_large(
        f"the compressed document inflates more than {ratio:g} times its compressed size, "
        "which no inventory does (a gzip bomb?); send it uncompressed or compressed normally"
    )


def _too_large(limit: int) -> ApiProblem:
    return _inflated_too_large(
        f"the compressed document inflates to more than {limit} bytes, the most this service "
        "accepts (setting SYMBIOSE_MAX_INFLATED_BYTES)"
    )


def _inflated_too_large(message: str) -> ApiProblem:
    """413 for a document that inflates past a limit, named on the whole document."""
    return ApiProblem(
        413,
        message,
        kind="inflated-too-large",
        errors=[FieldError(path="(document)", message=message)],
    )


def _unreadable(why: str) -> ApiProblem:
    return ApiProblem(
        400,
        f"the body is declared as gzip but {why}",
        kind="bad-encoding",
        errors=[FieldError(path="(document)", message=why)],
    )
