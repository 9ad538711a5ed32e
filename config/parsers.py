"""The API's one request parser: JSON, refused when nested deeper than any request needs.

Python's decoder recurses once per level, so a body of a thousand ``[`` (a few kilobytes, well
under the size limit) raises RecursionError, which no handler takes for bad input: a 500. And
a body just shallow enough to decode would still make every later walk over it recurse that
deep. No request of this API nests more than a few levels (a record's commitments are a list
of objects in an object).

Two guards, one rule: ``DepthLimitedJSONParser`` for whatever DRF parses, and
``NestedJsonMiddleware``, which refuses such a body before anything else sees it, so every route
answers it alike (a 400), signed in or not, whether or not its view reads a body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20
TOO_DEEP = f"JSON parse error - the body nests more than {MAX_DEPTH} levels deep."


def too_deep(data: Any, *, limit: int = MAX_DEPTH) -> bool:
    """Whether ``data`` nests lists and objects more than ``limit`` levels deep (a loop, not
    recursion: it must not fail the way it guards against)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, with a 400 for a body nested past ``MAX_DEPTH`` levels."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type=media_type, parser_context=parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if too_deep(data):
            raise ParseError(TOO_DEEP)
        return data


def body_too_deep(body: bytes) -> bool:
    """Whether a JSON body nests past ``MAX_DEPTH``. Counting brackets is cheap and clears
    almost every body; only one with more brackets than the limit is decoded to be sure."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    try:
        return too_deep(json.loads(body))
    except RecursionError:
        return True
    except ValueError:
        return False  # not JSON at all: the parser's own 400 says so


class NestedJsonMiddleware:
    """A JSON body nested past ``MAX_DEPTH`` is a 400 on every route, before the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "json" in request.content_type and request.method not in ("GET", "HEAD", "OPTIONS"):
            try:
                body = request.body
            except RequestDataTooBig:
                body = b""  # left for the view to refuse with its own 413 (or 400)
            if body_too_deep(body):
                return JsonResponse({"message": TOO_DEEP}, status=400)
        return self.get_response(request)
