from media_pipeline.profiles import (
    AUDIO,
    PROFILES,
    VIDEO_240P,
    VIDEO_360P,
    bits_per_second_for,
    profile_label,
    profile_slug,
)


def test_each_budgeted_profile_aims_below_its_ceiling():
    for key in (AUDIO, VIDEO_240P, VIDEO_360P):
        profile = PROFILES[key]
        ceiling = bits_per_second_for(profile.budget_mb_per_hour)
        assert 0 < profile.total_bitrate < ceiling
        assert profile.video_bitrate + profile.audio_bitrate <= profile.total_bitrate


def test_default_budgets_and_student_labels():
    assert PROFILES[AUDIO].budget_mb_per_hour == 25
    assert PROFILES[VIDEO_240P].budget_mb_per_hour == 120
    assert PROFILES[VIDEO_360P].budget_mb_per_hour == 220
    assert profile_label(AUDIO) == "Solo audio"
    assert profile_label(VIDEO_240P) == "Video liviano"
    assert profile_label(VIDEO_360P) == "Video estándar"
    assert profile_slug(AUDIO) == "solo-audio"
    assert profile_slug(VIDEO_360P) == "video-estandar"
    assert PROFILES[AUDIO].extension == "m4a"
    assert PROFILES[AUDIO].mime_type == "audio/mp4"


def test_size_ceiling_allows_five_percent_over_the_budget():
    profile = PROFILES[VIDEO_240P]
    # one hour at 120 MB/h may weigh up to 126 MB
    assert profile.size_ceiling_bytes(3600) == 126_000_000
    assert round(profile.mb_per_hour(60_000_000, 1800)) == 120
