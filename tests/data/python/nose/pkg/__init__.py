"""A package with fixtures (setup_package) and a class with its own."""
import os

STATE = []


def setup_package():
    STATE.append("package")


def teardown_package():
    STATE.remove("package")
