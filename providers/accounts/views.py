"""A signed-in user's own pages: the account, saved searches, alerts, claims, and, for a
provider's representatives, corrections and confirmation of their provider's record.

Every view finds objects through the signed-in user (another user's saved search is a
404), and every change is a POST with its CSRF token.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from providers.accounts import alerts, claims, corrections
from providers.accounts.access import represents
from providers.accounts.forms import ClaimForm, CorrectionForm, SaveSearchForm, normalised_query
from providers.accounts.models import (
    AlertSettings,
    Correction,
    Decision,
    ProfileClaim,
    ProviderMembership,
    SavedSearch,
)
from providers.models import Provider


@login_required
def overview(request):
    context = {
        "memberships": ProviderMembership.objects.filter(user=request.user)
        .select_related("provider")
        .order_by("provider__name"),
        "claims": ProfileClaim.objects.filter(user=request.user).select_related("provider"),
        "search_count": SavedSearch.objects.filter(user=request.user).count(),
    }
    return render(request, "accounts/overview.html", context)


@login_required
def saved_searches(request):
    searches = SavedSearch.objects.filter(user=request.user)
    return render(request, "accounts/saved_searches.html", {"searches": searches})


@login_required
@require_http_methods(["GET", "POST"])
def save_search(request):
    """Save the directory query given (GET shows the form, e.g. without JavaScript)."""
    data = request.POST if request.method == "POST" else None
    initial = {"query": normalised_query(request.GET.get("query", ""))}
    form = SaveSearchForm(data, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        search = SavedSearch.objects.create(
            user=request.user,
            name=form.cleaned_data["name"],
            query=normalised_query(form.cleaned_data["query"]),
        )
        alerts.baseline(search)
        messages.success(request, f"Saved the search “{search.name}”.")
        return redirect("accounts:saved-searches")
    query = form.data.get("query") if form.is_bound else initial["query"]
    return render(
        request,
        "accounts/save_search.html",
        {"form": form, "query": query or "", "directory_url": _directory_url(query or "")},
        status=400 if form.is_bound else 200,
    )


def _directory_url(query: str) -> str:
    url = reverse("providers:directory")
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def delete_search(request, pk: int):
    search = get_object_or_404(SavedSearch, pk=pk, user=request.user)
    search.delete()
    messages.success(request, f"Deleted the saved search “{search.name}”.")
    return redirect("accounts:saved-searches")


@login_required
@require_http_methods(["GET", "POST"])
def alert_settings(request):
    settings_row, _ = AlertSettings.objects.get_or_create(user=request.user)
    searches = list(SavedSearch.objects.filter(user=request.user))
    if request.method == "POST":
        alerts.set_shortlist_alerts(request.user, request.POST.get("shortlist_changes") == "on")
        chosen = set(request.POST.getlist("search"))
        for search in searches:
            wanted = str(search.pk) in chosen
            if search.alerts != wanted:
                search.alerts = wanted
                search.save(update_fields=["alerts"])
                if wanted:
                    alerts.baseline(search)
        messages.success(request, "Your alert choices are saved.")
        return redirect("accounts:alerts")
    return render(request, "accounts/alerts.html", {"settings": settings_row, "searches": searches})


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The link in every alert: turns every alert of its user off, signed in or not."""
    try:
        user_id = signing.loads(token, salt=alerts.UNSUBSCRIBE_SALT)["u"]
    except (signing.BadSignature, KeyError, TypeError):
        raise Http404("This unsubscribe link is not valid.") from None
    if request.method == "POST":
        alerts.unsubscribe_all(user_id)
        return render(request, "accounts/unsubscribed.html")
    return render(request, "accounts/unsubscribe.html", {"token": token})


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, slug: str):
    provider = get_object_or_404(Provider.objects.published(), slug=slug)
    if represents(request.user, provider.pk):
        return redirect("accounts:represent", slug=provider.slug)
    pending = ProfileClaim.objects.filter(
        user=request.user, provider=provider, status=Decision.PENDING
    ).first()
    form = ClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            claims.make_claim(
                request.user, provider, form.cleaned_data["role"], form.cleaned_data["message"]
            )
        except claims.ClaimError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Your claim to {provider.name} was sent; a curator will decide on it."
            )
        return redirect("accounts:overview")
    return render(
        request,
        "accounts/claim.html",
        {"provider": provider, "form": form, "pending": pending},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _represented(request, slug: str) -> Provider:
    provider = get_object_or_404(Provider, slug=slug)
    if not represents(request.user, provider.pk):
        raise PermissionDenied("You do not represent this provider.")
    return provider


@login_required
@require_http_methods(["GET", "POST"])
def represent(request, slug: str):
    """The representative's page: propose corrections, confirm the record."""
    provider = _represented(request, slug)
    form = CorrectionForm(request.POST if request.method == "POST" else None, instance=provider)
    if request.method == "POST" and form.is_valid():
        try:
            corrections.propose(
                provider,
                request.user,
                {name: form.cleaned_data[name] for name in corrections.FIELDS},
                form.cleaned_data["services_note"],
                form.cleaned_data["sites_note"],
            )
        except corrections.CorrectionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Your correction was sent to the curators; it is published once accepted."
            )
            return redirect("accounts:represent", slug=provider.slug)
    stored = Provider.objects.get(pk=provider.pk)  # the form may have changed the instance
    proposals = Correction.objects.filter(provider=provider).select_related("proposed_by")
    return render(
        request,
        "accounts/represent.html",
        {
            "provider": stored,
            "form": form,
            "proposals": [(c, corrections.rows(c)) for c in proposals[:20]],
            "pending": any(c.status == Decision.PENDING for c in proposals),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def confirm_record(request, slug: str):
    provider = _represented(request, slug)
    try:
        corrections.confirm(provider, request.user)
    except corrections.CorrectionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"Thank you: {provider.name} now shows as confirmed by the provider today."
        )
    return redirect("accounts:represent", slug=provider.slug)
