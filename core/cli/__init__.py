"""The ``hlsfx`` command line."""
