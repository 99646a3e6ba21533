"""Export of the provider changelist, as filtered and searched, in the interchange format."""

import io

from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from providers.interchange.records import ReferenceLookup, iter_records
from providers.interchange.writing import csv_lines, write_xlsx
from providers.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE


class ExportViews:
    """The provider admin's export view (mixed into ProviderAdmin)."""

    def export_view(self, request, kind: str):
        """Export the changelist as filtered (and searched) now, or the whole directory."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if kind not in ("csv", "xlsx"):
            return HttpResponse("Export as csv or xlsx.", status=404)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, "Those filters are not valid.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:providers_provider_changelist"))
        ids = list(changelist.get_queryset(request).values_list("pk", flat=True))
        lookup = ReferenceLookup.load()
        name = f"providers-{timezone.localdate():%Y-%m-%d}.{kind}"
        if kind == "csv":
            response = StreamingHttpResponse(
                csv_lines(iter_records(ids, lookup), lookup), content_type=CSV_CONTENT_TYPE
            )
        else:
            buffer = io.BytesIO()
            write_xlsx(iter_records(ids, lookup), lookup, buffer)
            response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
