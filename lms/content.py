"""Author content to safe HTML: Markdown rendered, then sanitised with an allow-list."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlparse

import markdown
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "abbr": {"title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1024)
def render_markdown(text: str) -> str:
    """Markdown to HTML with no scripts, event handlers, ``javascript:`` links or ``hx-*``."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_VIMEO_ID = re.compile(r"^\d{4,12}$")


def video_embed_url(url: str) -> str | None:
    """The embeddable address for an allow-listed video host, or None to show a plain link."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme != "https":
        return None
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    video_id = None
    if host == "youtube.com" and parsed.path == "/watch":
        video_id = next(iter(parse_qs(parsed.query).get("v", [])), None)
    elif host == "youtu.be":
        video_id = parsed.path.lstrip("/")
    if video_id and _YOUTUBE_ID.match(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    if host == "vimeo.com":
        vimeo_id = parsed.path.strip("/")
        if _VIMEO_ID.match(vimeo_id):
            return f"https://player.vimeo.com/video/{vimeo_id}"
    return None
