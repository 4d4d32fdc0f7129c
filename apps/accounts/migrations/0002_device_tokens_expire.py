"""Device tokens issued while they never expired get an idle expiry from now (TOKEN_TTL):
from this release on every token expires when unused."""

from django.db import migrations
from django.utils import timezone


def give_tokens_an_expiry(apps, schema_editor):
    from knox.settings import knox_settings

    ttl = knox_settings.TOKEN_TTL
    if ttl is None:
        return
    token_model = apps.get_model("knox", "AuthToken")
    token_model.objects.filter(expiry__isnull=True).update(expiry=timezone.now() + ttl)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(give_tokens_an_expiry, migrations.RunPython.noop)]
