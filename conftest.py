# The shared fixtures (tests/fixtures.py) reach every app's own tests from here.
pytest_plugins = ["tests.fixtures"]
