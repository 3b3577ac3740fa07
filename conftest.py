# The shared fixtures (tests/fixtures.py) reach every app's own tests from here.
pytest_plugins = ["tests.fixtures"]


def pytest_sessionstart(session):
    """Everything imported so far (Django, Wagtail, the apps) lives as long as the run: out of
    the garbage collector's way, whose full passes over it were ~5 % of the suite's CPU."""
    import gc

    gc.collect()
    gc.freeze()
