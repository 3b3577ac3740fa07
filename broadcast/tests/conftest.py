import pytest

from broadcast.tests.factories import (
    build_course,
    episode_on,
    install_programme,
    next_week,
    premiere_on,
)


@pytest.fixture
def programme(db):
    """Both channels with the programme's rules from this week, materialised."""
    return install_programme()


@pytest.fixture
def lessons(db):
    return build_course(3)


@pytest.fixture
def scheduled(programme, lessons, users):
    """Next week's Wednesday, Thursday and Friday premieres carry episodes 11, 12 and 13; the
    presenter fixture user presents all three."""
    presenter = users["presenter"]
    return [
        episode_on(lesson, premiere_on(next_week(2 + i)), [presenter])
        for i, lesson in enumerate(lessons)
    ]
