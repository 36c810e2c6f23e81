"""Guards for every pytest run (unit tests, nbval, site checks): loaded whatever paths are given.
They live in tools/pytest_guards.py so that tests can load them on a notebook outside the repository."""

pytest_plugins = ["tools.pytest_guards"]
