"""Buyer pages kept per process around what their view passes, with the request's own
parts left open.

Around every buyer page ``base.html`` draws the same head, navigation and footer. Its
static and URL tags, its include and its conditions cost about 0.8 ms a page: more than a
kept directory answer costs whole. Apart from what the view passes, such a page depends on
the request only through the CSRF token, the script nonce of the content security policy,
the shortlist count, whether the buyer is signed in, which page it is (the navigation marks
the current one) and flash messages. So ``kept_page`` renders a view's template once per
process, view and signed-in state, with marks (``kept_answers.mark``) in place of the
view's values, the token, the nonce and the count, and each request fills in its own: text
escaped, markup (safe strings, or kept bytes) as it is. A request with messages to show is
rendered in full (as is one the policy's middleware did not see), and nothing is kept while
DEBUG is on, so that a changed template shows at once.

A template rendered this way prints the view's values and does nothing else with them (no
filter, no condition): a condition goes into the view, or into ``fixed``, which is part of
the key.
"""

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.csp import CONTEXT_KEY as CSP_CONTEXT_KEY
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from providers.directory import shortlist
from providers.directory.kept_answers import TOKEN_MARK, mark, split_marks

# A few pages, each for visitors and signed-in buyers: the bound is a guard, not a policy.
KEPT_PAGES_LIMIT = 64

_kept: dict[tuple, tuple[bytes | str, ...]] = {}


def kept_page(request, template_name: str, values: dict, *, token: str, fixed: dict | None = None):
    """``template_name`` rendered for ``request`` with ``values`` (text, safe strings, kept
    markup as bytes, numbers) and its CSRF token (``get_token``: one per page), kept per
    process around them; ``fixed`` are context values the same for every request of the
    view (part of the key)."""
    fixed = fixed or {}
    count = len(shortlist.ids(request))
    nonce = get_nonce(request)
    if nonce is None or len(get_messages(request)):
        context = {
            **fixed,
            **{name: _as_context(value) for name, value in values.items()},
            "csrf_token": token,
            "shortlist_count": count,
        }
        return render(request, template_name, context)
    key = (
        template_name,
        request.resolver_match.view_name,
        request.user.is_authenticated,
        tuple(sorted(fixed.items())),
        tuple(values),
    )
    pieces = _kept.get(key)
    if pieces is None:
        pieces = _pieces(request, template_name, fixed, values)
        if not settings.DEBUG:
            if len(_kept) >= KEPT_PAGES_LIMIT:
                _kept.pop(next(iter(_kept)), None)
            _kept[key] = pieces
    filled = {
        "token": conditional_escape(token).encode(),
        "shortlist-count": b"%d" % count,
        "csp-nonce": conditional_escape(str(nonce)).encode(),
    }
    filled.update((name, _as_bytes(value)) for name, value in values.items())
    return HttpResponse(b"".join([filled[p] if type(p) is str else p for p in pieces]))


def _pieces(request, template_name: str, fixed: dict, values: dict) -> tuple[bytes | str, ...]:
    """The page as fixed markup (bytes) and the names of its open slots (str)."""
    context = {
        **fixed,
        **{name: mark(name) for name in values},
        "csrf_token": TOKEN_MARK,
        "shortlist_count": mark("shortlist-count"),
        CSP_CONTEXT_KEY: mark("csp-nonce"),
    }
    parts = split_marks(render_to_string(template_name, context, request))
    return tuple(part if at % 2 else part.encode() for at, part in enumerate(parts))


def _as_bytes(value) -> bytes:
    if type(value) is bytes:
        return value  # kept markup (markup.kept)
    if type(value) is int:
        return b"%d" % value
    return conditional_escape(value).encode()


def _as_context(value):
    return mark_safe(value.decode()) if type(value) is bytes else value


def reset() -> None:
    """Forget the kept pages (tests: each starts without an earlier one's)."""
    _kept.clear()
