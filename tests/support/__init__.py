"""What the tests share besides fixtures: factories, sign-in, live servers, socket clients and builders.

Fixtures and hooks live in conftest.py files; everything else a test module needs from outside itself
comes from here, never from another test module (tests/unit/test_test_layout.py keeps it so).
"""
