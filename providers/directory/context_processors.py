from providers.directory import shortlist


def shortlist_count(request):
    """How many providers the buyer has shortlisted, for the header link."""
    return {"shortlist_count": len(shortlist.ids(request))}
