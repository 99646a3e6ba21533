from django.contrib import admin

from providers.models import Provider

admin.site.register(Provider)
