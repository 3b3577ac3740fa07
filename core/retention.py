"""How the retention periods of personal data (settings.RETENTION_*_DAYS) are said to people,
so the privacy notices say exactly what the retention run does."""


def retention_period_text(days: int) -> str:
    """A period of days in Spanish words: whole years or months when it is one, else days."""
    if days > 0 and days % 365 == 0:
        years = days // 365
        return "un año" if years == 1 else f"{years} años"
    if days > 0 and days % 30 == 0:
        months = days // 30
        return "un mes" if months == 1 else f"{months} meses"
    return "un día" if days == 1 else f"{days} días"
