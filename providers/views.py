from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from providers.models import Provider


def directory(request):
    providers = Provider.objects.published().prefetch_related("types").order_by("name")
    page = Paginator(providers, 50).get_page(request.GET.get("page"))
    return render(request, "providers/directory.html", {"page": page})


def detail(request, slug: str):
    provider = get_object_or_404(
        Provider.objects.published().prefetch_related(
            "types",
            "modalities",
            "industries",
            "services__capability",
            "services__first_phase",
            "services__last_phase",
            "sites__certifications",
        ),
        slug=slug,
    )
    return render(request, "providers/detail.html", {"provider": provider})
