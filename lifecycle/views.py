from django.shortcuts import render

from lifecycle.models import Stage
from providers.models import Provider, ProviderType


def home(request):
    """Explain CRO / CDMO / CMO and the three lifecycle stages, and lead into the directory."""
    stages = Stage.objects.prefetch_related("phases", "typical_types")
    types = ProviderType.objects.prefetch_related("typical_stages")
    return render(
        request,
        "lifecycle/home.html",
        {
            "stages": stages,
            "types": types,
            "provider_count": Provider.objects.published().count(),
        },
    )
