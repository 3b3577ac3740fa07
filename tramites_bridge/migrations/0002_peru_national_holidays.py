"""Peru's national holidays for the years around launch, so due dates are right from day one.
The back office adds later years and local holidays in the admin (Trámites › Feriados)."""

from django.db import migrations

from tramites_bridge.workdays import peru_national_holidays

YEARS = range(2025, 2031)


def load(apps, schema_editor):
    Holiday = apps.get_model("tramites_bridge", "Holiday")
    for year in YEARS:
        for day, name in peru_national_holidays(year):
            Holiday.objects.get_or_create(date=day, defaults={"name": name})


def unload(apps, schema_editor):
    Holiday = apps.get_model("tramites_bridge", "Holiday")
    days = [day for year in YEARS for day, _ in peru_national_holidays(year)]
    Holiday.objects.filter(date__in=days).delete()


class Migration(migrations.Migration):
    dependencies = [("tramites_bridge", "0001_catalogue_submissions_audit")]

    operations = [migrations.RunPython(load, unload)]
