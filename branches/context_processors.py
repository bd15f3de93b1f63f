from branches.access import viewer_for


def roles(request):
    return {"viewer": viewer_for(getattr(request, "user", None))}
